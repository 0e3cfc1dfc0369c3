package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.tunnel.api.DropReason;

class PacketsTest {

	/** An IPv4 header (no options) with the given total length, in a buffer of {@code length} bytes. */
	static ByteBuffer ipv4(int total, int length) {
		ByteBuffer p = ByteBuffer.allocate(length);
		p.put(0, (byte) 0x45).putShort(2, (short) total);
		if (length >= 20) {
			p.putInt(12, 0x0A4D0002).putInt(16, 0xAC1F0102);
		}
		return p;
	}

	@Test
	void aWellFormedPacketPassesAndTrailingBytesAreCut() {
		ByteBuffer p = ipv4(60, 64);
		assertThat(Packets.checkIpv4(p, 1400)).isNull();
		assertThat(p.limit()).isEqualTo(60);
		assertThat(Packets.source(p)).isEqualTo(0x0A4D0002);
		assertThat(Packets.destination(p)).isEqualTo(0xAC1F0102);
	}

	@Test
	void malformedPacketsSayWhy() {
		assertThat(Packets.checkIpv4(ByteBuffer.allocate(0), 1400)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Packets.checkIpv4(ipv4(20, 19), 1400)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Packets.checkIpv4(ipv4(100, 60), 1400)).as("total beyond the datagram").isEqualTo(DropReason.TRUNCATED);
		ByteBuffer shortHeader = ipv4(40, 40);
		shortHeader.put(0, (byte) 0x44);
		assertThat(Packets.checkIpv4(shortHeader, 1400)).isEqualTo(DropReason.TRUNCATED);
		assertThat(Packets.checkIpv4(ipv4(1500, 1500), 1400)).isEqualTo(DropReason.OVERSIZED);
		ByteBuffer v6 = ipv4(40, 40);
		v6.put(0, (byte) 0x60);
		assertThat(Packets.checkIpv4(v6, 1400)).isEqualTo(DropReason.IPV6);
		ByteBuffer junk = ipv4(40, 40);
		junk.put(0, (byte) 0xFF);
		assertThat(Packets.checkIpv4(junk, 1400)).isEqualTo(DropReason.NOT_IP);
	}
}
