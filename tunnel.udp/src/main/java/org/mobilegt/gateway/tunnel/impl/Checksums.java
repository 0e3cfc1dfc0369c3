package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

/** The Internet checksum (RFC 1071) over big-endian buffers, 32 bits at a time. */
final class Checksums {

	private Checksums() {
	}

	/** The ones' complement sum, not yet folded, of {@code b[from, to)} added to {@code sum}. */
	static long add(ByteBuffer b, int from, int to, long sum) {
		int i = from;
		for (; i + 4 <= to; i += 4) {
			sum += b.getInt(i) & 0xFFFFFFFFL;
		}
		// 2^16 = 1 in ones' complement arithmetic: a 16-bit word counts the same at any 16-bit offset
		if (i + 2 <= to) {
			sum += b.getShort(i) & 0xFFFF;
			i += 2;
		}
		if (i < to) {
			sum += (b.get(i) & 0xFF) << 8; // an odd last byte is the high byte of a zero-padded word
		}
		return sum;
	}

	/**
	 * Whether the TCP or UDP checksum of the IP packet between position and limit verifies: IPv4,
	 * or IPv6 whose next header is the transport (no extension headers).
	 */
	static boolean valid(ByteBuffer p) {
		int ip = p.position();
		if ((p.get(ip) & 0xF0) == 0x60) {
			long pseudo = add(p, ip + 8, ip + Ipv6.HEADER, (p.get(ip + 6) & 0xFF) + (p.limit() - ip - Ipv6.HEADER));
			return finish(add(p, ip + Ipv6.HEADER, p.limit(), pseudo)) == 0;
		}
		int ipHeader = (p.get(ip) & 0x0F) * 4;
		long pseudo = (p.getInt(ip + 12) & 0xFFFFFFFFL) + (p.getInt(ip + 16) & 0xFFFFFFFFL) + (p.get(ip + 9) & 0xFF)
				+ (p.limit() - ip - ipHeader);
		return finish(add(p, ip + ipHeader, p.limit(), pseudo)) == 0;
	}

	/** Folds a sum to 16 bits and complements it: the value to store in a checksum field. */
	static int finish(long sum) {
		while ((sum >>> 16) != 0) {
			sum = (sum & 0xFFFF) + (sum >>> 16);
		}
		return (int) (~sum & 0xFFFF);
	}
}
