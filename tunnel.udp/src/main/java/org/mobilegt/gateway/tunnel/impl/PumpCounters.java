package org.mobilegt.gateway.tunnel.impl;

import java.util.concurrent.atomic.AtomicLongArray;

import org.mobilegt.gateway.tunnel.api.DropReason;

/**
 * Counters written by exactly one thread (a pump): plain increments published with lazySet, no
 * atomic read-modify-write and nothing shared with the other direction. Readers sum all pumps.
 * Counts carried over from an earlier revision of the tunnel sit apart, so they may be added at
 * any time, also while the pump counts (a hand-over restores them after the new pumps started).
 */
final class PumpCounters {

	private static final int PACKETS = 0;
	private static final int BYTES = 1;
	private static final int DROPS = 2;

	private final AtomicLongArray values = new AtomicLongArray(DROPS + DropReason.values().length);
	private final AtomicLongArray carried = new AtomicLongArray(DROPS + DropReason.values().length);

	void forwarded(int bytes) {
		forwarded(1, bytes);
	}

	void forwarded(int packets, long bytes) {
		values.lazySet(PACKETS, values.get(PACKETS) + packets);
		values.lazySet(BYTES, values.get(BYTES) + bytes);
	}

	void dropped(DropReason reason) {
		int i = DROPS + reason.ordinal();
		values.lazySet(i, values.get(i) + 1);
	}

	/** Adds counts carried over from an earlier run of the tunnel; safe while the pump counts. */
	void carry(long packets, long bytes, long[] drops) {
		carried.addAndGet(PACKETS, packets);
		carried.addAndGet(BYTES, bytes);
		for (int r = 0; r < drops.length && r < DropReason.values().length; r++) {
			carried.addAndGet(DROPS + r, drops[r]);
		}
	}

	long packets() {
		return get(PACKETS);
	}

	long bytes() {
		return get(BYTES);
	}

	long drops(DropReason reason) {
		return get(DROPS + reason.ordinal());
	}

	private long get(int i) {
		return values.get(i) + carried.get(i);
	}
}
