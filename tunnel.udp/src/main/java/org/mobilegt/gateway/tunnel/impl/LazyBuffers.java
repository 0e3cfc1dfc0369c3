package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;

/**
 * Large native buffers of the data path whose pages become resident only when written.
 * {@code ByteBuffer.allocateDirect} zeroes its memory and so makes all of it resident at once; a
 * large malloc is fresh mmap'd memory instead, of which a pump's small packets touch one page per
 * 64 KiB slot (BENCHMARKS.md, "Footprint"). The contents are undefined: callers zero what they
 * read before writing.
 */
final class LazyBuffers {

	private LazyBuffers() {
	}

	/**
	 * A direct buffer of {@code size} bytes in network byte order, as {@code allocateDirect} gives
	 * (JNA's are in native order); JNA frees its memory once the buffer is unreachable.
	 */
	static ByteBuffer allocate(int size) {
		return new Memory(size).getByteBuffer(0, size).order(ByteOrder.BIG_ENDIAN);
	}
}
