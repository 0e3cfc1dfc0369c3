package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.tun.api.TunDevice;

/**
 * Receive offload in user space for the UDP to TUN direction: consecutive TCP segments of one
 * flow from one receive batch go to the TUN device as one large segment whose virtio_net_hdr asks
 * the kernel to cut it again (GSO). One write instead of up to a batch's worth, and the kernel
 * routes and NATs the segment once. Used only when the device takes offload headers.
 * <p>
 * A packet joins a held one only as its exact continuation: same addresses, ports, TOS, TTL, IP
 * flags, acknowledgement, window and TCP options; the next sequence number; a plain ACK (PSH only
 * on the last); every earlier packet full-sized; and a checksum that verifies, so the kernel's
 * recomputation never turns a corrupt packet into a valid one. Up to {@link #FLOWS} flows are held
 * at once; the held packets are the receive batch's own buffers until a second one joins, so
 * {@link #flush} must run before the batch is reused. One thread uses an instance.
 */
final class TcpCoalescer {

	/**
	 * Writes a packet that starts {@link Offload#HEADER} bytes behind its position and counts the
	 * {@code packets} it carries ({@code bytes} in all, each {@code size} bytes but the last) once
	 * the write returned, or as dropped when it failed.
	 */
	@FunctionalInterface
	interface Writer {
		boolean write(TunDevice tun, ByteBuffer packet, Session session, int packets, int size, int bytes);
	}

	static final int FLOWS = 8;
	private static final int IPV4_HEADER = Packets.IPV4_HEADER;
	private static final int TCP = 6;
	private static final int ACK = 0x10;
	private static final int PSH = 0x08;
	private static final int MAX_IP_LENGTH = 65535;

	private final Writer writer;
	private final Flow[] flows = new Flow[FLOWS];
	private int victim;

	TcpCoalescer(Writer writer) {
		this.writer = writer;
		for (int i = 0; i < FLOWS; i++) {
			flows[i] = new Flow();
		}
	}

	/**
	 * Takes a checked IPv4 packet (between position and limit, with {@link Offload#HEADER} zero
	 * bytes before position that stay untouched until {@link #flush}) to hold or to join a held
	 * one; writes whatever of its flow it held before when it cannot.
	 *
	 * @return false when the caller must write the packet itself (and may do so at once: its flow
	 *         holds nothing any more)
	 */
	boolean offer(TunDevice tun, ByteBuffer p, Session session) {
		int ip = p.position();
		if (p.get(ip + 9) != TCP || p.get(ip) != 0x45 || (p.getShort(ip + 6) & 0x3FFF) != 0) {
			return false; // not TCP, IP options, a fragment, or IPv6 (never coalesced)
		}
		int tcp = ip + IPV4_HEADER;
		int flags = p.get(tcp + 13) & 0xFF;
		int payload = p.remaining() - IPV4_HEADER - tcpHeader(p, tcp);
		boolean plain = (flags & ~PSH) == ACK && payload > 0;
		Flow flow = find(p, ip);
		if (flow != null) {
			if (plain && flow.joins(p, payload) && Checksums.tcpValid(p)) {
				flow.append(p, payload, flags);
				if ((flags & PSH) != 0) {
					flush(tun, flow);
				}
				return true;
			}
			flush(tun, flow);
		}
		if (!plain || (flags & PSH) != 0) {
			return false; // nothing can follow it
		}
		flow = free(tun);
		flow.hold(p, session, payload);
		return true;
	}

	/**
	 * False for a checked IPv4 packet that claims TCP but cannot hold the TCP header it declares
	 * (a crafted datagram): {@link #offer} and the kernel's offload path need it whole.
	 */
	static boolean wellFormed(ByteBuffer p) {
		int ip = p.position();
		if (p.get(ip + 9) != TCP || (p.getShort(ip + 6) & 0x1FFF) != 0) {
			return true; // not TCP, or a later fragment: no TCP header to read
		}
		int tcp = ip + (p.get(ip) & 0x0F) * 4;
		return p.limit() - tcp >= 20 && tcpHeader(p, tcp) >= 20 && p.limit() - tcp >= tcpHeader(p, tcp);
	}

	/** Writes every held packet. */
	void flush(TunDevice tun) {
		for (Flow f : flows) {
			if (f.segments > 0) {
				flush(tun, f);
			}
		}
	}

	private void flush(TunDevice tun, Flow f) {
		ByteBuffer packet = f.packet;
		int segments = f.segments;
		Session session = f.session;
		int size = f.size;
		int bytes = f.bytes;
		if (segments > 1) {
			f.finish();
		}
		f.clear(); // before writing: a failure must not leave a stale buffer held
		packet.position(packet.position() - Offload.HEADER);
		writer.write(tun, packet, session, segments, size, bytes);
	}

	private Flow find(ByteBuffer p, int ip) {
		int src = p.getInt(ip + 12);
		int dst = p.getInt(ip + 16);
		int ports = p.getInt(ip + IPV4_HEADER);
		for (Flow f : flows) {
			if (f.segments > 0 && f.ports == ports && f.src == src && f.dst == dst) {
				return f;
			}
		}
		return null;
	}

	private Flow free(TunDevice tun) {
		for (Flow f : flows) {
			if (f.segments == 0) {
				return f;
			}
		}
		Flow f = flows[victim];
		victim = (victim + 1) % FLOWS;
		flush(tun, f);
		return f;
	}

	static int tcpHeader(ByteBuffer p, int tcp) {
		return ((p.get(tcp + 12) & 0xF0) >>> 4) * 4;
	}

	/** One held flow: its first packet in place, or a copy with the packets that joined it. */
	private static final class Flow {
		/** Resident only as far as segments were merged into it (LazyBuffers); finish() writes the header. */
		private final ByteBuffer merged = LazyBuffers.allocate(Offload.HEADER + MAX_IP_LENGTH);
		ByteBuffer packet;
		Session session;
		int segments;
		int src;
		int dst;
		int ports;
		/** The IP length of the first packet (each but the last is as long) and of all packets. */
		int size;
		int bytes;
		private int mss;
		private int nextSeq;
		private boolean full;

		void hold(ByteBuffer p, Session s, int payload) {
			int ip = p.position();
			packet = p;
			session = s;
			segments = 1;
			src = p.getInt(ip + 12);
			dst = p.getInt(ip + 16);
			ports = p.getInt(ip + IPV4_HEADER);
			mss = payload;
			size = p.remaining();
			bytes = size;
			nextSeq = p.getInt(ip + IPV4_HEADER + 4) + payload;
			full = false;
		}

		/** Whether {@code p} (same ports and addresses) continues this flow's segment exactly. */
		boolean joins(ByteBuffer p, int payload) {
			int a = packet.position();
			int b = p.position();
			int tcpA = a + IPV4_HEADER;
			int tcpB = b + IPV4_HEADER;
			int tcpHeader = tcpHeader(packet, tcpA);
			if (full || payload > mss || p.getInt(tcpB + 4) != nextSeq || tcpHeader(p, tcpB) != tcpHeader
					|| packet.limit() - a + payload > MAX_IP_LENGTH) {
				return false;
			}
			if (packet.get(a + 1) != p.get(b + 1) || packet.getShort(a + 6) != p.getShort(b + 6) || packet.get(a + 8) != p.get(b + 8)
					|| packet.getInt(tcpA + 8) != p.getInt(tcpB + 8) || packet.getShort(tcpA + 14) != p.getShort(tcpB + 14)) {
				return false; // TOS, flags, TTL, ack, window
			}
			for (int k = 20; k < tcpHeader; k++) {
				if (packet.get(tcpA + k) != p.get(tcpB + k)) {
					return false; // options
				}
			}
			return segments > 1 || Checksums.tcpValid(packet);
		}

		void append(ByteBuffer p, int payload, int flags) {
			if (segments == 1) {
				ByteBuffer first = packet;
				merged.clear().position(Offload.HEADER);
				merged.put(Offload.HEADER, first, first.position(), first.remaining());
				merged.limit(Offload.HEADER + first.remaining());
				packet = merged;
			}
			int end = merged.limit();
			merged.limit(end + payload);
			merged.put(end, p, p.limit() - payload, payload);
			merged.put(Offload.HEADER + IPV4_HEADER + 13, (byte) (merged.get(Offload.HEADER + IPV4_HEADER + 13) | flags & PSH));
			segments++;
			bytes += p.remaining();
			nextSeq += payload;
			full = payload < mss;
		}

		void clear() {
			segments = 0;
			packet = null;
			session = null;
		}

		/** The IPv4 length and checksum and the virtio header of the merged segment; the TCP checksum is left to the kernel. */
		void finish() {
			ByteBuffer m = merged;
			int ip = Offload.HEADER;
			int length = m.limit() - ip;
			int tcpHeader = tcpHeader(m, ip + IPV4_HEADER);
			m.putShort(ip + 2, (short) length).putShort(ip + 10, (short) 0);
			m.putShort(ip + 10, (short) Checksums.finish(Checksums.add(m, ip, ip + IPV4_HEADER, 0)));
			// CHECKSUM_PARTIAL: the field holds the pseudo-header sum, the kernel adds the rest
			long pseudo = (m.getInt(ip + 12) & 0xFFFFFFFFL) + (m.getInt(ip + 16) & 0xFFFFFFFFL) + TCP + (length - IPV4_HEADER);
			m.putShort(ip + IPV4_HEADER + 16, (short) (~Checksums.finish(pseudo)));
			Offload.writeTcpHeader(m, 0, IPV4_HEADER + tcpHeader, mss, IPV4_HEADER, 16);
		}
	}
}
