package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ChecksumsTest {

	/** The textbook algorithm, 16 bits at a time: what the 32-bit version must agree with. */
	static int naive(byte[] data, int from, int to, long sum) {
		for (int i = from; i < to; i += 2) {
			int hi = data[i] & 0xFF;
			int lo = i + 1 < to ? data[i + 1] & 0xFF : 0;
			sum += (hi << 8) | lo;
		}
		while ((sum >>> 16) != 0) {
			sum = (sum & 0xFFFF) + (sum >>> 16);
		}
		return (int) (~sum & 0xFFFF);
	}

	@Test
	void rfc1071Example() {
		ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex("0001f203f4f5f6f7"));
		assertThat(Checksums.finish(Checksums.add(b, 0, 8, 0))).isEqualTo(~0xddf2 & 0xFFFF);
	}

	@Test
	void anIpv4HeaderWithItsChecksumSumsToZero() {
		ByteBuffer header = ByteBuffer.wrap(HexFormat.of().parseHex("450000730000400040110000c0a80001c0a800c7"));
		assertThat(Checksums.finish(Checksums.add(header, 0, 20, 0))).isEqualTo(0xb861);
		header.putShort(10, (short) 0xb861);
		assertThat(Checksums.finish(Checksums.add(header, 0, 20, 0))).isZero();
	}

	@Test
	void agreesWithTheTextbookAtAnyOffsetAndLength() {
		Random random = new Random(7);
		for (int round = 0; round < 2000; round++) {
			byte[] data = new byte[1 + random.nextInt(200)];
			random.nextBytes(data);
			int from = random.nextInt(data.length);
			int to = from + random.nextInt(data.length - from + 1);
			long seed = random.nextInt(0x40000);
			assertThat(Checksums.finish(Checksums.add(ByteBuffer.wrap(data), from, to, seed)))
					.as("bytes [%d, %d) of %d", from, to, data.length)
					.isEqualTo(naive(data, from, to, seed));
		}
	}
}
