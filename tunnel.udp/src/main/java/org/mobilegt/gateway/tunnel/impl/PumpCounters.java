package org.mobilegt.gateway.tunnel.impl;

import java.util.concurrent.atomic.AtomicLongArray;

import org.mobilegt.gateway.tunnel.api.DropReason;

/**
 * Counters written by exactly one thread (a pump): plain increments published with lazySet, no
 * atomic read-modify-write and nothing shared with the other direction. Readers sum all pumps.
 */
final class PumpCounters {

	private static final int PACKETS = 0;
	private static final int BYTES = 1;
	private static final int DROPS = 2;

	private final AtomicLongArray values = new AtomicLongArray(DROPS + DropReason.values().length);

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

	/** Adds counts carried over from an earlier run of the tunnel (before any pump writes). */
	void carry(long packets, long bytes, long[] drops) {
		values.addAndGet(PACKETS, packets);
		values.addAndGet(BYTES, bytes);
		for (int r = 0; r < drops.length && r < DropReason.values().length; r++) {
			values.addAndGet(DROPS + r, drops[r]);
		}
	}

	long packets() {
		return values.get(PACKETS);
	}

	long bytes() {
		return values.get(BYTES);
	}

	long drops(DropReason reason) {
		return values.get(DROPS + reason.ordinal());
	}
}
