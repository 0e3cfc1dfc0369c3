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
		values.lazySet(PACKETS, values.get(PACKETS) + 1);
		values.lazySet(BYTES, values.get(BYTES) + bytes);
	}

	void dropped(DropReason reason) {
		int i = DROPS + reason.ordinal();
		values.lazySet(i, values.get(i) + 1);
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
