package org.mobilegt.gateway.auth.impl;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.mobilegt.gateway.auth.api.IllegalAttempt;
import org.mobilegt.gateway.auth.api.Reason;

/** A bounded ring of the newest illegal attempts, and exact counts by reason. */
final class AttemptLog {

	private final Map<Reason, LongAdder> counts = new EnumMap<>(Reason.class);
	private IllegalAttempt[] ring;
	private int next;
	private int size;

	AttemptLog(int capacity) {
		for (Reason r : Reason.values()) {
			counts.put(r, new LongAdder());
		}
		ring = new IllegalAttempt[capacity];
	}

	void count(Reason reason) {
		counts.get(reason).increment();
	}

	synchronized void add(IllegalAttempt attempt) {
		ring[next] = attempt;
		next = (next + 1) % ring.length;
		size = Math.min(size + 1, ring.length);
	}

	/** Newest first. */
	synchronized List<IllegalAttempt> newest(int max) {
		int n = Math.min(Math.max(max, 0), size);
		List<IllegalAttempt> out = new ArrayList<>(n);
		for (int i = 1; i <= n; i++) {
			out.add(ring[(next - i + ring.length) % ring.length]);
		}
		return out;
	}

	/** Keeps the newest entries that fit a new capacity. */
	synchronized void capacity(int capacity) {
		if (capacity == ring.length) {
			return;
		}
		List<IllegalAttempt> keep = newest(capacity);
		ring = new IllegalAttempt[capacity];
		next = 0;
		size = 0;
		for (int i = keep.size() - 1; i >= 0; i--) {
			add(keep.get(i));
		}
	}

	Map<Reason, Long> counts() {
		Map<Reason, Long> out = new EnumMap<>(Reason.class);
		counts.forEach((r, c) -> {
			long v = c.sum();
			if (v > 0) {
				out.put(r, v);
			}
		});
		return out;
	}
}
