package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.LibC;

class BufferAddressesTest {

	private final BufferAddresses addresses = new BufferAddresses();

	@Test
	void eachSliceHasItsOwnAddressAndKeepsIt() {
		ByteBuffer data = ByteBuffer.allocateDirect(64 * 1024);
		long base = LibC.address(data);
		ByteBuffer[] slices = new ByteBuffer[64];
		for (int i = 0; i < slices.length; i++) {
			slices[i] = data.slice(i * 1024, 1024);
		}
		for (int round = 0; round < 3; round++) {
			for (int i = 0; i < slices.length; i++) {
				assertThat(addresses.of(slices[i])).as("slice %d, round %d", i, round).isEqualTo(base + i * 1024L);
			}
		}
	}

	@Test
	void positionIsNotPartOfTheAddress() {
		ByteBuffer b = ByteBuffer.allocateDirect(100);
		long first = addresses.of(b);
		b.position(40);
		assertThat(addresses.of(b)).isEqualTo(first);
	}

	@Test
	void manyMoreBuffersThanSlotsStillGetTheirOwnAddresses() {
		Set<Long> seen = new HashSet<>();
		ByteBuffer[] buffers = new ByteBuffer[3000];
		for (int i = 0; i < buffers.length; i++) {
			buffers[i] = ByteBuffer.allocateDirect(16);
			long a = addresses.of(buffers[i]);
			assertThat(a).isEqualTo(LibC.address(buffers[i]));
			seen.add(a);
		}
		assertThat(seen).hasSize(buffers.length);
		for (ByteBuffer b : buffers) { // evicted or not, the answer is right
			assertThat(addresses.of(b)).isEqualTo(LibC.address(b));
		}
	}

	@Test
	void heapBuffersAreRefused() {
		assertThatThrownBy(() -> addresses.of(ByteBuffer.allocate(16))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("direct buffer");
	}
}
