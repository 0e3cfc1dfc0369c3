package org.mobilegt.gateway.auth.impl;

import org.mobilegt.gateway.common.BoundedTable;

/**
 * Per-source counting of wrong keys in fixed one-minute windows: a source that reaches the limit
 * within its window is throttled until the window ends. A throttled source still gets one key
 * check a second (the trickle), so a legitimate client behind an address shared with a guesser
 * (carrier-grade NAT) gets in, while guessing stays at one try a second.
 * <p>
 * The table is bounded: when full, the oldest window is forgotten, one at a time, so a flood from
 * many sources never unblocks every guesser at once.
 */
final class Throttle {

	static final long WINDOW_MILLIS = 60_000;
	static final long TRICKLE_MILLIS = 1_000;
	static final int MAX_SOURCES = 65_536;

	private static final class Window {
		final long start;
		int failures;
		long lastTrickle;
		boolean granted;

		Window(long start) {
			this.start = start;
		}

		boolean throttled(int limit, long now) {
			return failures >= limit && now - start < WINDOW_MILLIS;
		}
	}

	private final BoundedTable<Long, Window> windows = new BoundedTable<>(MAX_SOURCES);
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

	/** Counts a wrong key of {@code source}; true when this failure makes it throttled. */
	boolean fail(long source, long now) {
		Window w = windows.compute(source, (k, old) -> old == null || now - old.start >= WINDOW_MILLIS ? new Window(now) : old);
		synchronized (w) {
			if (++w.failures != limit) {
				return false;
			}
			w.lastTrickle = now; // the first trickle check comes a second from now
			return true;
		}
	}

	/**
	 * Whether a handshake of {@code source} is to be dropped before any work (on the receiving
	 * thread): it is throttled and has had its check this second. When the trickle is due, the
	 * answer is false once and the check is granted to that handshake ({@link #refuse}).
	 */
	boolean blocked(long source, long now) {
		return !admits(source, now, true);
	}

	/**
	 * Whether a handshake of {@code source} must be refused unchecked: it is throttled, and neither
	 * was its check granted by {@link #blocked} nor is the trickle due.
	 */
	boolean refuse(long source, long now) {
		return !admits(source, now, false);
	}

	private boolean admits(long source, long now, boolean preCheck) {
		Window w = windows.get(source);
		if (w == null) {
			return true;
		}
		synchronized (w) {
			if (!w.throttled(limit, now)) {
				return true;
			}
			boolean due = now - w.lastTrickle >= TRICKLE_MILLIS;
			if (preCheck ? !due : !(due || w.granted)) {
				return false;
			}
			w.lastTrickle = now;
			w.granted = preCheck; // the pre-check grants the check; the check uses the grant
			return true;
		}
	}

	/** Forgets windows that have ended (housekeeping, and what keeps the table small). */
	void prune(long now) {
		windows.removeIf(w -> now - w.start >= WINDOW_MILLIS);
	}

	int size() {
		return windows.size();
	}
}
