package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.PacketTap;

class TapSelectionTest {

	static final class Recorder implements PacketTap {
		final List<Integer> seen = new ArrayList<>();

		@Override
		public void packet(int tunnelAddress, Direction direction, ByteBuffer packet) {
			seen.add(tunnelAddress);
			packet.position(packet.limit()); // a careless tap: the tunnel must restore the buffer
		}
	}

	@Test
	void nothingSelectedMeansNoSelectionAtAll() {
		assertThat(TapSelection.of(Map.of())).isNull();
		assertThat(TapSelection.of(Map.of(new Recorder(), new String[0]))).isNull();
	}

	@Test
	void whatIsNotAnIpv4LiteralSelectsNothing() {
		assertThat(TapSelection.of(Map.of(new Recorder(), new String[] { "localhost", "::1", "10.77.0.02", "10.77.2" })))
				.as("names are never looked up, odd forms are not guessed at").isNull();
	}

	@Test
	void tapsGetTheirAddressesOnlyAndTheBufferIsLeftAsItWas() {
		Recorder one = new Recorder();
		Recorder all = new Recorder();
		Map<PacketTap, Object> taps = new LinkedHashMap<>();
		taps.put(one, new String[] { "10.77.0.2" });
		taps.put(all, "*");
		TapSelection selection = TapSelection.of(taps);
		ByteBuffer packet = ByteBuffer.allocate(40);
		packet.position(4).limit(30);
		selection.offer(0x0A4D0002, Direction.FROM_CLIENT, packet);
		selection.offer(0x0A4D0003, Direction.TO_CLIENT, packet);
		assertThat(one.seen).containsExactly(0x0A4D0002);
		assertThat(all.seen).containsExactly(0x0A4D0002, 0x0A4D0003);
		assertThat(packet.position()).isEqualTo(4);
		assertThat(packet.limit()).isEqualTo(30);
	}
}
