package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.tun.api.TunDevice;

/**
 * Receive offload in user space for the UDP to TUN direction: consecutive packets of one flow from
 * one receive batch go to the TUN device as one large segment whose virtio_net_hdr asks the kernel
 * to cut it again (GSO). One write instead of up to a batch's worth, and the kernel routes, NATs
 * and filters the segment once. Used only when the device takes offload headers; UDP only where
 * it also takes UDP segments ({@link TunDevice#writesUdpSegments()}).
 * <p>
 * IPv4 (no options, no fragment) and IPv6 (no extension headers) alike. A packet joins a held one
 * of its flow (same addresses, ports, TOS, TTL and IP flags; IPv6: traffic class, flow label and
 * hop limit) only when the kernel's cut gives it back as it was: every earlier packet as long as
 * the first, and a checksum that verifies, so the kernel's recomputation never turns a corrupt
 * packet into a valid one. TCP also: as the exact continuation (next sequence number, same
 * acknowledgement, window and options, a plain ACK with PSH only on the last). UDP: a datagram
 * whose length field matches, and in IPv4 one that has a checksum (the cut would add one); at most
 * {@link #UDP_SEGMENTS} per segment. The kernel numbers the IPv4 ids of the packets it cuts from
 * the first one's, as for TCP. Up to {@link #FLOWS} flows are held at once; the held packets are
 * the receive batch's own buffers until a second one joins, so {@link #flush} must run before the
 * batch is reused. One thread uses an instance.
 */
final class Coalescer {

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
	/** The kernel cuts at most UDP_MAX_SEGMENTS datagrams from one segment: 64 before Linux 6.10. */
	static final int UDP_SEGMENTS = 64;
	private static final int IPV4_HEADER = Packets.IPV4_HEADER;
	private static final int IPV6_HEADER = Ipv6.HEADER;
	private static final int TCP = 6;
	private static final int UDP = 17;
	private static final int UDP_HEADER = 8;
	private static final int ACK = 0x10;
	private static final int PSH = 0x08;
	private static final int MAX_IP_LENGTH = 65535;

	private final Writer writer;
	private final Flow[] flows = new Flow[FLOWS];
	private int victim;

	Coalescer(Writer writer) {
		this.writer = writer;
		for (int i = 0; i < FLOWS; i++) {
			flows[i] = new Flow();
		}
	}

	/**
	 * Takes a checked IP packet (between position and limit, with {@link Offload#HEADER} zero
	 * bytes before position that stay untouched until {@link #flush}) to hold or to join a held
	 * one; writes whatever of its flow it held before when it cannot.
	 *
	 * @return false when the caller must write the packet itself (and may do so at once: its flow
	 *         holds nothing any more)
	 */
	boolean offer(TunDevice tun, ByteBuffer p, Session session) {
		int ip = p.position();
		int ipHeader = plainIpHeader(p, ip);
		if (ipHeader < 0) {
			return false;
		}
		int protocol = p.get(ip + (ipHeader == IPV4_HEADER ? 9 : 6));
		// a crafted packet may end before its transport header does
		if (protocol == TCP) {
			return tcpHeaderWhole(p, ip + ipHeader) && offerTcp(tun, p, session, ip, ipHeader);
		}
		return protocol == UDP && p.remaining() - ipHeader > UDP_HEADER && tun.writesUdpSegments()
				&& offerUdp(tun, p, session, ip, ipHeader);
	}

	private boolean offerTcp(TunDevice tun, ByteBuffer p, Session session, int ip, int ipHeader) {
		int tcp = ip + ipHeader;
		int flags = p.get(tcp + 13) & 0xFF;
		int payload = p.remaining() - ipHeader - tcpHeader(p, tcp);
		boolean plain = (flags & ~PSH) == ACK && payload > 0;
		Flow flow = find(p, ip, ipHeader, TCP);
		if (flow != null) {
			if (plain && flow.joinsTcp(p, payload) && Checksums.valid(p)) {
				flow.append(p, payload);
				if ((flags & PSH) != 0) {
					flow.markPush();
					flush(tun, flow);
				}
				return true;
			}
			flush(tun, flow);
		}
		if (!plain || (flags & PSH) != 0) {
			return false; // nothing can follow it
		}
		free(tun).hold(p, session, payload, TCP);
		return true;
	}

	private boolean offerUdp(TunDevice tun, ByteBuffer p, Session session, int ip, int ipHeader) {
		int udp = ip + ipHeader;
		int payload = p.remaining() - ipHeader - UDP_HEADER;
		boolean plain = Short.toUnsignedInt(p.getShort(udp + 4)) == UDP_HEADER + payload
				&& (ipHeader == IPV6_HEADER || p.getShort(udp + 6) != 0);
		Flow flow = find(p, ip, ipHeader, UDP);
		if (flow != null) {
			if (plain && flow.joinsUdp(p, payload) && Checksums.valid(p)) {
				flow.append(p, payload);
				return true;
			}
			flush(tun, flow);
		}
		if (!plain) {
			return false;
		}
		free(tun).hold(p, session, payload, UDP);
		return true;
	}

	/**
	 * The IP header length of a packet that may be coalesced: 20 for IPv4 without options or
	 * fragmenting, 40 for IPv6 (offer() takes it only when TCP or UDP follows, no extension
	 * header); -1 for anything else.
	 */
	private static int plainIpHeader(ByteBuffer p, int ip) {
		if (p.get(ip) == 0x45) {
			return (p.getShort(ip + 6) & 0x3FFF) == 0 ? IPV4_HEADER : -1;
		}
		return (p.get(ip) & 0xF0) == 0x60 ? IPV6_HEADER : -1;
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
		return tcpHeaderWhole(p, ip + (p.get(ip) & 0x0F) * 4);
	}

	/** Whether the TCP header at {@code tcp} is whole: at least 20 bytes, and as long as its data offset says. */
	private static boolean tcpHeaderWhole(ByteBuffer p, int tcp) {
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

	private Flow find(ByteBuffer p, int ip, int ipHeader, int protocol) {
		int ports = p.getInt(ip + ipHeader);
		for (Flow f : flows) {
			if (f.segments > 0 && f.ports == ports && f.ipHeader == ipHeader && f.protocol == protocol && f.sameAddresses(p, ip)) {
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
		/** 20 (IPv4) or 40 (IPv6): which family, and where the transport starts. */
		int ipHeader;
		int protocol;
		int ports;
		/** The IP length of the first packet (each but the last is as long) and of all packets. */
		int size;
		int bytes;
		private int mss;
		private int nextSeq;
		private boolean full;

		void hold(ByteBuffer p, Session s, int payload, int transport) {
			int ip = p.position();
			packet = p;
			session = s;
			segments = 1;
			protocol = transport;
			ipHeader = (p.get(ip) & 0xF0) == 0x60 ? IPV6_HEADER : IPV4_HEADER;
			ports = p.getInt(ip + ipHeader);
			mss = payload;
			size = p.remaining();
			bytes = size;
			nextSeq = transport == TCP ? p.getInt(ip + ipHeader + 4) + payload : 0;
			full = false;
		}

		/** Whether {@code p} (of this flow's family) has this flow's addresses, read in place. */
		boolean sameAddresses(ByteBuffer p, int ip) {
			int a = packet.position();
			if (ipHeader == IPV4_HEADER) {
				return packet.getLong(a + 12) == p.getLong(ip + 12);
			}
			return packet.getLong(a + 8) == p.getLong(ip + 8) && packet.getLong(a + 16) == p.getLong(ip + 16)
					&& packet.getLong(a + 24) == p.getLong(ip + 24) && packet.getLong(a + 32) == p.getLong(ip + 32);
		}

		/** Whether {@code p} (same flow) may follow: its payload fits behind and the IP fields match. */
		private boolean fits(ByteBuffer p, int payload) {
			int a = packet.position();
			int b = p.position();
			if (full || payload > mss || packet.limit() - a + payload > MAX_IP_LENGTH) {
				return false;
			}
			return ipHeader == IPV4_HEADER // TOS, flags, TTL (IPv6: class, flow label, hop limit)
					? packet.get(a + 1) == p.get(b + 1) && packet.getShort(a + 6) == p.getShort(b + 6) && packet.get(a + 8) == p.get(b + 8)
					: packet.getInt(a) == p.getInt(b) && packet.get(a + 7) == p.get(b + 7);
		}

		/** Whether the UDP datagram {@code p} (same flow) can be cut back from this segment as it came. */
		boolean joinsUdp(ByteBuffer p, int payload) {
			return segments < UDP_SEGMENTS && fits(p, payload) && (segments > 1 || Checksums.valid(packet));
		}

		/** Whether {@code p} (same ports and addresses) continues this flow's segment exactly. */
		boolean joinsTcp(ByteBuffer p, int payload) {
			int tcpA = packet.position() + ipHeader;
			int tcpB = p.position() + ipHeader;
			int tcpHeader = tcpHeader(packet, tcpA);
			if (!fits(p, payload) || p.getInt(tcpB + 4) != nextSeq || tcpHeader(p, tcpB) != tcpHeader) {
				return false;
			}
			if (packet.getInt(tcpA + 8) != p.getInt(tcpB + 8) || packet.getShort(tcpA + 14) != p.getShort(tcpB + 14)) {
				return false; // ack, window
			}
			for (int k = 20; k < tcpHeader; k++) {
				if (packet.get(tcpA + k) != p.get(tcpB + k)) {
					return false; // options
				}
			}
			return segments > 1 || Checksums.valid(packet);
		}

		void append(ByteBuffer p, int payload) {
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
			segments++;
			bytes += p.remaining();
			nextSeq += payload;
			full = payload < mss;
		}

		/** The TCP segment ends with a push: the merged one carries it (on its last packet, once cut). */
		void markPush() {
			int flags = Offload.HEADER + ipHeader + 13;
			merged.put(flags, (byte) (merged.get(flags) | PSH));
		}

		void clear() {
			segments = 0;
			packet = null;
			session = null;
		}

		/**
		 * The IP length (IPv4: and header checksum), the UDP length and the virtio header of the
		 * merged segment; the transport checksum is left to the kernel.
		 */
		void finish() {
			ByteBuffer m = merged;
			int ip = Offload.HEADER;
			int length = m.limit() - ip;
			int l4Length = length - ipHeader;
			long pseudo;
			if (ipHeader == IPV4_HEADER) {
				m.putShort(ip + 2, (short) length).putShort(ip + 10, (short) 0);
				m.putShort(ip + 10, (short) Checksums.finish(Checksums.add(m, ip, ip + IPV4_HEADER, 0)));
				pseudo = (m.getInt(ip + 12) & 0xFFFFFFFFL) + (m.getInt(ip + 16) & 0xFFFFFFFFL) + protocol + l4Length;
			} else {
				m.putShort(ip + 4, (short) l4Length);
				pseudo = Checksums.add(m, ip + 8, ip + IPV6_HEADER, protocol + l4Length);
			}
			int l4 = ip + ipHeader;
			// CHECKSUM_PARTIAL: the field holds the pseudo-header sum, the kernel adds the rest
			short partial = (short) (~Checksums.finish(pseudo));
			if (protocol == UDP) {
				m.putShort(l4 + 4, (short) l4Length).putShort(l4 + 6, partial);
				Offload.writeSegmentHeader(m, 0, Offload.GSO_UDP_L4, ipHeader + UDP_HEADER, mss, ipHeader, 6);
			} else {
				m.putShort(l4 + 16, partial);
				Offload.writeSegmentHeader(m, 0, ipHeader == IPV4_HEADER ? Offload.GSO_TCPV4 : Offload.GSO_TCPV6,
						ipHeader + tcpHeader(m, l4), mss, ipHeader, 16);
			}
		}
	}
}
