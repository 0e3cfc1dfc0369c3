package org.mobilegt.gateway.auth.impl;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-source failure counting in fixed one-minute windows: a source that reaches the limit within
 * its window is blocked until the window ends. The table is bounded: when full, windows that have
 * ended are dropped first, then the table is cleared (a flood from many sources cannot grow it).
 */
final class Throttle {

	static final long WINDOW_MILLIS = 60_000;
	static final int MAX_SOURCES = 65_536;

	private static final class Window {
		final long start;
		int failures;

		Window(long start) {
			this.start = start;
		}
	}

	private final Map<Integer, Window> windows = new ConcurrentHashMap<>();
	private volatile int limit;

	Throttle(int limit) {
		this.limit = limit;
	}

	void limit(int limit) {
		this.limit = limit;
	}

	int limit() {
		return limit;
	}

	/** Counts a failure of {@code source}; true when this failure makes it blocked. */
	boolean fail(int source, long now) {
		if (windows.size() >= MAX_SOURCES) {
			prune(now);
		}
		Window w = windows.compute(source, (k, old) -> old == null || now - old.start >= WINDOW_MILLIS ? new Window(now) : old);
		synchronized (w) {
			return ++w.failures == limit;
		}
	}

	boolean blocked(int source, long now) {
		Window w = windows.get(source);
		if (w == null) {
			return false;
		}
		synchronized (w) {
			return w.failures >= limit && now - w.start < WINDOW_MILLIS;
		}
	}

	private void prune(long now) {
		for (Iterator<Window> it = windows.values().iterator(); it.hasNext();) {
			if (now - it.next().start >= WINDOW_MILLIS) {
				it.remove();
			}
		}
		if (windows.size() >= MAX_SOURCES) {
			windows.clear();
		}
	}
}
