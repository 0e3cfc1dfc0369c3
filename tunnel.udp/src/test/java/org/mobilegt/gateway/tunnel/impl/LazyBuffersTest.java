package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.LibC;

class LazyBuffersTest {

	@Test
	void aBufferIsDirectAndInNetworkOrderLikeAllocateDirect() {
		ByteBuffer b = LazyBuffers.allocate(65536);
		assertThat(b.isDirect()).isTrue();
		assertThat(b.capacity()).isEqualTo(65536);
		assertThat(b.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
		b.putShort(0, (short) 0x0102);
		assertThat(b.get(0)).isEqualTo((byte) 1);
	}

	@Test
	void theMemoryStaysWhileItsBufferIsReachable() {
		ByteBuffer b = LazyBuffers.allocate(4096);
		long address = LibC.address(b);
		b.putLong(4088, 0x1122334455667788L);
		for (int i = 0; i < 5; i++) {
			System.gc();
			LazyBuffers.allocate(4096).putLong(4088, -1L); // would reuse freed memory
		}
		assertThat(LibC.address(b)).isEqualTo(address);
		assertThat(b.getLong(4088)).isEqualTo(0x1122334455667788L);
	}
}
