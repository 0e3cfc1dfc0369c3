package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class PcapFormatTest {

	@Test
	void globalHeaderIsClassicLibpcapLittleEndianMicrosecondsRawIp() {
		byte[] b = new byte[PcapFormat.GLOBAL_HEADER];
		PcapFormat.globalHeader(b);
		assertThat(HexFormat.of().formatHex(b)).isEqualTo(
				"d4c3b2a1" // magic 0xa1b2c3d4: microsecond timestamps, little-endian
						+ "0200" + "0400" // version 2.4
						+ "00000000" + "00000000" // thiszone, sigfigs
						+ "ffff0000" // snaplen 65535
						+ "65000000"); // LINKTYPE_RAW 101
	}

	@Test
	void recordHeaderSplitsTheTimestampIntoSecondsAndMicroseconds() {
		byte[] b = new byte[PcapFormat.RECORD_HEADER];
		PcapFormat.recordHeader(b, 1_700_000_000_123_456L, 84, 1500);
		assertThat(HexFormat.of().formatHex(b)).isEqualTo(
				"00f15365" // 1700000000 s
						+ "40e20100" // 123456 us
						+ "54000000" // 84 bytes included
						+ "dc050000"); // 1500 on the wire
	}

	@Test
	void secondsBeyond2038StillFitTheUnsignedField() {
		byte[] b = new byte[PcapFormat.RECORD_HEADER];
		PcapFormat.recordHeader(b, 3_000_000_000L * 1_000_000L, 1, 1);
		assertThat(HexFormat.of().formatHex(b, 0, 8)).isEqualTo("005ed0b2" + "00000000");
	}
}
