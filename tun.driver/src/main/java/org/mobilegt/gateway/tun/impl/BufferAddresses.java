package org.mobilegt.gateway.tun.impl;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;

import org.mobilegt.gateway.common.LibC;

/**
 * The native addresses of the direct buffers callers read into and write from. Asking JNA for an
 * address allocates, so each buffer's address is looked up once and remembered; a data path
 * reuses a fixed set of buffers, so in steady state every lookup hits and nothing is allocated.
 * <p>
 * Open addressing by identity hash with a short probe: entries are immutable and replaced whole,
 * so a racing reader sees an old or a new entry, never a buffer with another buffer's address.
 * Buffers are held weakly: a replaced pump's buffers are not kept alive by the device.
 */
final class BufferAddresses {

	private static final int SLOTS = 1024; // a power of two, far above the buffers of a pump
	private static final int PROBES = 8;

	private final Entry[] entries = new Entry[SLOTS];

	/** The address of {@code buffer}'s first byte (not of its position). */
	long of(ByteBuffer buffer) {
		int home = System.identityHashCode(buffer);
		int free = -1;
		for (int i = 0; i < PROBES; i++) {
			int slot = (home + i) & (SLOTS - 1);
			Entry e = entries[slot];
			ByteBuffer held = e == null ? null : e.buffer.get();
			if (held == buffer) {
				return e.address;
			}
			if (held == null && free < 0) {
				free = slot;
			}
		}
		Entry e = new Entry(new WeakReference<>(buffer), LibC.address(buffer));
		entries[free >= 0 ? free : home & (SLOTS - 1)] = e;
		return e.address;
	}

	private record Entry(WeakReference<ByteBuffer> buffer, long address) {
	}
}
