package org.mobilegt.gateway.common.testing;

import java.nio.ByteBuffer;

/**
 * Hand-built IPv4 packets for unit tests, and the Internet checksum (RFC 1071) in its plainest
 * form: the reference the optimised checksums of the main code are tested against.
 */
public final class Ipv4Packets {

	public static final int IP_HEADER = 20;
	public static final int ICMP_HEADER = 8;
	public static final int ECHO_REPLY = 0;
	public static final int ECHO_REQUEST = 8;

	private Ipv4Packets() {
	}

	/** A dotted IPv4 address as an int, most significant byte first. */
	public static int address(String dotted) {
		String[] p = dotted.split("\\.");
		return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 | Integer.parseInt(p[3]);
	}

	/** The Internet checksum of {@code data[from..to)} added to {@code seed}: 0 over a correct header. */
	public static int checksum(byte[] data, int from, int to, long seed) {
		long sum = seed;
		for (int i = from; i < to; i += 2) {
			sum += (data[i] & 0xFF) << 8 | (i + 1 < to ? data[i + 1] & 0xFF : 0);
		}
		while ((sum >>> 16) != 0) {
			sum = (sum & 0xFFFF) + (sum >>> 16);
		}
		return (int) (~sum & 0xFFFF);
	}

	/** The same over {@code length} bytes of {@code b} from absolute index {@code from}. */
	public static int checksum(ByteBuffer b, int from, int length) {
		byte[] bytes = new byte[length];
		b.get(from, bytes);
		return checksum(bytes, 0, length, 0);
	}

	/**
	 * Puts an ICMP echo request (or reply) at {@code b}'s position, payload bytes 0, 1, 2, ..., with
	 * correct checksums, and leaves position..limit around the packet.
	 */
	public static void icmpEcho(ByteBuffer b, int src, int dst, boolean request, int id, int seq, int payloadLength) {
		int start = b.position();
		int total = IP_HEADER + ICMP_HEADER + payloadLength;
		b.limit(start + total);
		b.put((byte) 0x45).put((byte) 0).putShort((short) total).putShort((short) seq).putShort((short) 0x4000) // DF
				.put((byte) 64).put((byte) 1).putShort((short) 0).putInt(src).putInt(dst);
		b.putShort(start + 10, (short) checksum(b, start, IP_HEADER));
		int icmp = start + IP_HEADER;
		b.put((byte) (request ? ECHO_REQUEST : ECHO_REPLY)).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq);
		for (int i = 0; i < payloadLength; i++) {
			b.put((byte) i);
		}
		b.putShort(icmp + 2, (short) checksum(b, icmp, ICMP_HEADER + payloadLength));
		b.position(start);
	}

	/** {@link #icmpEcho(ByteBuffer, int, int, boolean, int, int, int)} as an array. */
	public static byte[] icmpEcho(String src, String dst, boolean request, int id, int seq, int payloadLength) {
		ByteBuffer b = ByteBuffer.allocate(IP_HEADER + ICMP_HEADER + payloadLength);
		icmpEcho(b, address(src), address(dst), request, id, seq, payloadLength);
		return b.array();
	}
}
