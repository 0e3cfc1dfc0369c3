package org.mobilegt.gateway.tun.impl;

import java.nio.ByteBuffer;

import org.mobilegt.gateway.net.api.IpAddress;

/** IPv6 ICMPv6 echo packets for the TUN integration test. */
final class Icmp6 {

	static final int IP_HEADER = 40;
	static final int ICMP_HEADER = 8;
	static final int NEXT_HEADER_ICMPV6 = 58;
	static final int ECHO_REQUEST = 128;
	static final int ECHO_REPLY = 129;

	private Icmp6() {
	}

	/** Puts an echo request at {@code b}'s position and leaves position..limit around the packet. */
	static void echoRequest(ByteBuffer b, String src, String dst, int id, int seq, int payloadLength) {
		int start = b.position();
		int icmpLength = ICMP_HEADER + payloadLength;
		b.limit(start + IP_HEADER + icmpLength);
		b.putInt(0x6000_0000).putShort((short) icmpLength).put((byte) NEXT_HEADER_ICMPV6).put((byte) 64)
				.put(IpAddress.parse(src).bytes()).put(IpAddress.parse(dst).bytes());
		int icmp = b.position();
		b.put((byte) ECHO_REQUEST).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq);
		for (int i = 0; i < payloadLength; i++) {
			b.put((byte) i);
		}
		b.putShort(icmp + 2, (short) checksum(b, start, icmpLength));
		b.position(start);
	}

	/** The ICMPv6 checksum (RFC 4443 2.3) of the packet at {@code start}: 0 over a correct one. */
	static int checksum(ByteBuffer b, int start, int icmpLength) {
		long sum = icmpLength + NEXT_HEADER_ICMPV6; // pseudo-header: length, next header
		for (int i = 8; i < IP_HEADER; i += 2) { // source and destination
			sum += b.getShort(start + i) & 0xffff;
		}
		int icmp = start + IP_HEADER;
		for (int i = 0; i + 1 < icmpLength; i += 2) {
			sum += b.getShort(icmp + i) & 0xffff;
		}
		if ((icmpLength & 1) != 0) {
			sum += (b.get(icmp + icmpLength - 1) & 0xff) << 8;
		}
		while ((sum >> 16) != 0) {
			sum = (sum & 0xffff) + (sum >> 16);
		}
		return (int) (~sum & 0xffff);
	}

	/** The packet between {@code b}'s position and limit is an echo reply with {@code id}, to {@code dst}. */
	static boolean isEchoReply(ByteBuffer b, int id, String dst) {
		int start = b.position();
		if (b.remaining() < IP_HEADER + ICMP_HEADER || (b.get(start) & 0xf0) != 0x60
				|| (b.get(start + 6) & 0xff) != NEXT_HEADER_ICMPV6) {
			return false;
		}
		byte[] to = new byte[16];
		b.get(start + 24, to);
		return (b.get(start + IP_HEADER) & 0xff) == ECHO_REPLY && (b.getShort(start + IP_HEADER + 4) & 0xffff) == id
				&& IpAddress.of(to).equals(IpAddress.parse(dst))
				&& checksum(b, start, b.remaining() - IP_HEADER) == 0;
	}
}
