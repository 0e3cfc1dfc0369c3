package org.mobilegt.gateway.capture.impl;

import java.nio.ByteBuffer;

/** Hand-built IPv4 ICMP echo packets with correct checksums, for the pcap tests. */
final class Ipv4 {

	private Ipv4() {
	}

	static int address(String dotted) {
		String[] p = dotted.split("\\.");
		return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 | Integer.parseInt(p[3]);
	}

	/** An ICMP echo request (type 8) or reply (type 0) from {@code src} to {@code dst}. */
	static byte[] echo(String src, String dst, boolean request, int id, int seq, int payload) {
		int length = 20 + 8 + payload;
		ByteBuffer b = ByteBuffer.allocate(length);
		b.put((byte) 0x45).put((byte) 0).putShort((short) length).putShort((short) seq).putShort((short) 0x4000)
				.put((byte) 64).put((byte) 1).putShort((short) 0).putInt(address(src)).putInt(address(dst));
		b.putShort(10, checksum(b.array(), 0, 20));
		b.put((byte) (request ? 8 : 0)).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq);
		for (int i = 0; i < payload; i++) {
			b.put((byte) i);
		}
		b.putShort(22, checksum(b.array(), 20, length - 20));
		return b.array();
	}

	private static short checksum(byte[] b, int from, int length) {
		long sum = 0;
		for (int i = 0; i < length; i += 2) {
			sum += (b[from + i] & 0xFF) << 8 | (i + 1 < length ? b[from + i + 1] & 0xFF : 0);
		}
		while (sum >> 16 != 0) {
			sum = (sum & 0xFFFF) + (sum >> 16);
		}
		return (short) ~sum;
	}
}
