package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.tun.api.TunDevice;

/**
 * What a TUN device with offloads hands over: a {@code struct virtio_net_hdr} in front of each
 * packet, checksums left for us to finish, and TCP segments of up to 64 KiB that we cut into
 * packets of the client's MTU ourselves (TSO in software, at the point where the packets must
 * exist anyway: one datagram each for the client).
 */
final class Offload {

	/** The size of {@code struct virtio_net_hdr}: the TUN API's contract, every offset below ends within it. */
	static final int HEADER = TunDevice.VIRTIO_NET_HDR;
	// the fields of struct virtio_net_hdr (little-endian)
	static final int FLAGS = 0;
	static final int GSO_TYPE = 1;
	static final int HDR_LEN = 2;
	static final int GSO_SIZE = 4;
	static final int CSUM_START = 6;
	static final int CSUM_OFFSET = 8;
	static final int F_NEEDS_CSUM = 1;
	static final int GSO_NONE = 0;
	static final int GSO_TCPV4 = 1;
	/** Written only (coalesced IPv6 segments): reading it needs TSO6, which is never enabled. */
	static final int GSO_TCPV6 = 4;
	/** Written only (coalesced UDP datagrams, IPv4 and IPv6; TunDevice#writesUdpSegments). */
	static final int GSO_UDP_L4 = 5;
	static final int GSO_ECN = 0x80;
	private static final int TCP = 6;
	private static final int FIN = 0x01;
	private static final int PSH = 0x08;
	private static final int CWR = 0x80;

	private Offload() {
	}

	static int flags(ByteBuffer b, int header) {
		return b.get(header + FLAGS) & 0xFF;
	}

	static int gsoType(ByteBuffer b, int header) {
		return b.get(header + GSO_TYPE) & 0xFF & ~GSO_ECN;
	}

	static int gsoSize(ByteBuffer b, int header) {
		return Short.toUnsignedInt(Short.reverseBytes(b.getShort(header + GSO_SIZE)));
	}

	static int csumStart(ByteBuffer b, int header) {
		return Short.toUnsignedInt(Short.reverseBytes(b.getShort(header + CSUM_START)));
	}

	static int csumOffset(ByteBuffer b, int header) {
		return Short.toUnsignedInt(Short.reverseBytes(b.getShort(header + CSUM_OFFSET)));
	}

	/**
	 * Writes at {@code at} the header of a segment ({@code gsoType} TCPv4, TCPv6 or UDP) for the
	 * kernel to cut into packets of {@code gsoSize} payload bytes, its checksum partial
	 * (pseudo-header sum only).
	 */
	static void writeSegmentHeader(ByteBuffer b, int at, int gsoType, int headers, int gsoSize, int csumStart, int csumOffset) {
		b.put(at + FLAGS, (byte) F_NEEDS_CSUM).put(at + GSO_TYPE, (byte) gsoType);
		b.putShort(at + HDR_LEN, Short.reverseBytes((short) headers)).putShort(at + GSO_SIZE, Short.reverseBytes((short) gsoSize));
		b.putShort(at + CSUM_START, Short.reverseBytes((short) csumStart))
				.putShort(at + CSUM_OFFSET, Short.reverseBytes((short) csumOffset));
	}

	/**
	 * Finishes the checksum the kernel left partial: the field at csum_start + csum_offset holds the
	 * pseudo-header sum; the checksum covers everything from csum_start to the end.
	 *
	 * @param packet the packet between position and limit
	 */
	static void finishChecksum(ByteBuffer packet, int csumStart, int csumOffset) {
		int start = packet.position() + csumStart;
		int field = start + csumOffset;
		if (start >= packet.limit() || field + 2 > packet.limit()) {
			return; // nonsense from the kernel: leave the packet as it is
		}
		int c = Checksums.finish(Checksums.add(packet, start, packet.limit(), 0));
		packet.putShort(field, (short) (c == 0 ? 0xFFFF : c));
	}

	/**
	 * Cuts the IPv4 TCP segment between {@code src}'s position and limit into packets carrying at
	 * most {@code mss} payload bytes each, written one after the other into {@code out} from its
	 * position, with their own IP id, total length, sequence number, flags and both checksums.
	 *
	 * @return the size of each packet but the last (which may be shorter), or -1 when the segment
	 *         is not an IPv4 TCP packet that can be cut or its packets do not fit into {@code out}
	 */
	static int segment(ByteBuffer src, int mss, ByteBuffer out) {
		int ip = src.position();
		int end = src.limit();
		int ipHeader = (src.get(ip) & 0x0F) * 4;
		if ((src.get(ip) & 0xF0) != 0x40 || src.get(ip + 9) != TCP || ipHeader < 20 || ip + ipHeader + 20 > end || mss <= 0) {
			return -1;
		}
		int tcp = ip + ipHeader;
		int tcpHeader = ((src.get(tcp + 12) & 0xF0) >>> 4) * 4;
		int headers = ipHeader + tcpHeader;
		int payload = end - ip - headers;
		if (tcpHeader < 20 || payload < 0 || (long) headers + mss > 0xFFFF) {
			return -1;
		}
		int id = Short.toUnsignedInt(src.getShort(ip + 4));
		int seq = src.getInt(tcp + 4);
		int flags = src.get(tcp + 13) & 0xFF;
		long pseudo = (src.getInt(ip + 12) & 0xFFFFFFFFL) + (src.getInt(ip + 16) & 0xFFFFFFFFL) + TCP;
		int segments = Math.max(1, (payload + mss - 1) / mss);
		if ((long) segments * headers + payload > out.remaining()) {
			return -1;
		}
		for (int i = 0; i < segments; i++) {
			int size = Math.min(mss, payload - i * mss);
			int p = out.position();
			int t = p + ipHeader;
			for (int k = 0; k < headers; k++) {
				out.put(p + k, src.get(ip + k));
			}
			out.put(p + headers, src, ip + headers + i * mss, size);
			out.putShort(p + 2, (short) (headers + size));
			out.putShort(p + 4, (short) (id + i));
			out.putShort(p + 10, (short) 0);
			out.putShort(p + 10, (short) Checksums.finish(Checksums.add(out, p, t, 0)));
			out.putInt(t + 4, seq + i * mss);
			int f = flags;
			if (i < segments - 1) {
				f &= ~(FIN | PSH);
			}
			if (i > 0) {
				f &= ~CWR;
			}
			out.put(t + 13, (byte) f);
			out.putShort(t + 16, (short) 0);
			int tcpLength = tcpHeader + size;
			out.putShort(t + 16, (short) Checksums.finish(Checksums.add(out, t, t + tcpLength, pseudo + tcpLength)));
			out.position(p + headers + size);
		}
		return headers + Math.min(mss, payload);
	}
}
