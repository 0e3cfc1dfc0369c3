package org.mobilegt.gateway.tun.impl;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

import org.mobilegt.gateway.common.testing.Ipv4Packets;

/** IPv4 ICMP echo packets for the TUN integration test and benchmark, on common's {@link Ipv4Packets}. */
final class Icmp {

	static final int IP_HEADER = Ipv4Packets.IP_HEADER;
	static final int ICMP_HEADER = Ipv4Packets.ICMP_HEADER;
	static final int ECHO_REPLY = Ipv4Packets.ECHO_REPLY;

	private Icmp() {
	}

	static byte[] address(String dotted) {
		try {
			return ((Inet4Address) InetAddress.getByName(dotted)).getAddress();
		} catch (UnknownHostException e) {
			throw new IllegalArgumentException(dotted, e);
		}
	}

	/** Puts an echo request at {@code b}'s position and leaves position..limit around the packet. */
	static void echoRequest(ByteBuffer b, byte[] src, byte[] dst, int id, int seq, int payloadLength) {
		Ipv4Packets.icmpEcho(b, ByteBuffer.wrap(src).getInt(), ByteBuffer.wrap(dst).getInt(), true, id, seq, payloadLength);
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
			int ipSum = Ipv4Packets.checksum(b, start, ihl);
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
					Ipv4Packets.checksum(b, icmp, length - ihl), b.getShort(icmp + 4) & 0xffff, b.getShort(icmp + 6) & 0xffff, payload, counting);
		}

		private static String dotted(ByteBuffer b, int at) {
			return (b.get(at) & 0xff) + "." + (b.get(at + 1) & 0xff) + "." + (b.get(at + 2) & 0xff) + "." + (b.get(at + 3) & 0xff);
		}

		boolean isEchoReply(int id) {
			return version == 4 && protocol == 1 && type == ECHO_REPLY && this.id == id;
		}
	}
}
