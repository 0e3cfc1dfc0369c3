package org.mobilegt.gateway.tun.impl;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** IPv4 ICMP echo packets for the TUN integration test and benchmark. */
final class Icmp {

	static final int IP_HEADER = 20;
	static final int ICMP_HEADER = 8;
	static final int ECHO_REPLY = 0;
	static final int ECHO_REQUEST = 8;

	private Icmp() {
	}

	static byte[] address(String dotted) {
		try {
			return ((Inet4Address) InetAddress.getByName(dotted)).getAddress();
		} catch (UnknownHostException e) {
			throw new IllegalArgumentException(dotted, e);
		}
	}

	/**
	 * Puts an echo request at {@code b}'s position (payload: bytes 0, 1, 2, ...) and leaves
	 * position..limit around the packet.
	 */
	static void echoRequest(ByteBuffer b, byte[] src, byte[] dst, int id, int seq, int payloadLength) {
		int start = b.position();
		int total = IP_HEADER + ICMP_HEADER + payloadLength;
		b.limit(start + total);
		b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) seq).putShort((short) 0x4000) // DF
				.put((byte) 64).put((byte) 1).putShort((short) 0).put(src).put(dst);
		b.putShort(start + 10, (short) checksum(b, start, IP_HEADER));
		int icmp = start + IP_HEADER;
		b.put((byte) ECHO_REQUEST).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq);
		for (int i = 0; i < payloadLength; i++) {
			b.put((byte) i);
		}
		b.putShort(icmp + 2, (short) checksum(b, icmp, ICMP_HEADER + payloadLength));
		b.position(start);
	}

	/** The Internet checksum of {@code length} bytes from {@code from}; 0 over a correct header. */
	static int checksum(ByteBuffer b, int from, int length) {
		long sum = 0;
		for (int i = 0; i + 1 < length; i += 2) {
			sum += b.getShort(from + i) & 0xffff;
		}
		if ((length & 1) != 0) {
			sum += (b.get(from + length - 1) & 0xff) << 8;
		}
		while ((sum >> 16) != 0) {
			sum = (sum & 0xffff) + (sum >> 16);
		}
		return (int) (~sum & 0xffff);
	}

	/** A parsed IPv4 packet, as far as the tests look at it. */
	record Packet(int version, int protocol, String src, String dst, int ipChecksum, int type, int code, int icmpChecksum,
			int id, int seq, int payloadLength, boolean payloadIsCounting) {

		/** Parses the packet between {@code b}'s position and limit. */
		static Packet parse(ByteBuffer b) {
			int start = b.position();
			int length = b.remaining();
			int version = (b.get(start) & 0xff) >> 4;
			if (version != 4 || length < IP_HEADER) {
				return new Packet(version, -1, null, null, -1, -1, -1, -1, -1, -1, -1, false);
			}
			int ihl = (b.get(start) & 0x0f) * 4;
			int protocol = b.get(start + 9) & 0xff;
			String src = dotted(b, start + 12);
			String dst = dotted(b, start + 16);
			int ipSum = checksum(b, start, ihl);
			if (protocol != 1 || length < ihl + ICMP_HEADER) {
				return new Packet(version, protocol, src, dst, ipSum, -1, -1, -1, -1, -1, -1, false);
			}
			int icmp = start + ihl;
			int payload = length - ihl - ICMP_HEADER;
			boolean counting = true;
			for (int i = 0; i < payload; i++) {
				counting &= b.get(icmp + ICMP_HEADER + i) == (byte) i;
			}
			return new Packet(version, protocol, src, dst, ipSum, b.get(icmp) & 0xff, b.get(icmp + 1) & 0xff,
					checksum(b, icmp, length - ihl), b.getShort(icmp + 4) & 0xffff, b.getShort(icmp + 6) & 0xffff, payload, counting);
		}

		private static String dotted(ByteBuffer b, int at) {
			return (b.get(at) & 0xff) + "." + (b.get(at + 1) & 0xff) + "." + (b.get(at + 2) & 0xff) + "." + (b.get(at + 3) & 0xff);
		}

		boolean isEchoReply(int id) {
			return version == 4 && protocol == 1 && type == ECHO_REPLY && this.id == id;
		}
	}
}
