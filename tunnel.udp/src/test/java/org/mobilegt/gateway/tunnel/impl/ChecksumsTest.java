package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.Ipv4Packets;

/** The 32-bit checksums agree with the textbook algorithm, 16 bits at a time ({@link Ipv4Packets#checksum}). */
class ChecksumsTest {

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
					.isEqualTo(Ipv4Packets.checksum(data, from, to, seed));
		}
	}
}
