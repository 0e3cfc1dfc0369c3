package org.mobilegt.gateway.common;

/**
 * Lets at most {@code permits} events through per window and counts the rest, so that a flood
 * (of illegal attempts, of errors) cannot fill the log or the event queue. The caller reports
 * how many were held back when the next one passes.
 */
public final class RateGate {

	private final int permits;
	private final long windowMillis;
	private long windowStart;
	private int used;
	private long suppressed;

	public RateGate(int permits, long windowMillis) {
		this.permits = permits;
		this.windowMillis = windowMillis;
	}

	/**
	 * @return -1 when this event is held back; otherwise how many were held back since the last
	 *         one that passed (0 usually)
	 */
	public synchronized long admit(long nowMillis) {
		if (nowMillis - windowStart >= windowMillis) {
			windowStart = nowMillis;
			used = 0;
		}
		if (used >= permits) {
			suppressed++;
			return -1;
		}
		used++;
		long held = suppressed;
		suppressed = 0;
		return held;
	}

	/** What a log line that passed adds about the {@code held} ({@link #admit}'s answer) before it: "" for none. */
	public static String heldBack(long held) {
		return held > 0 ? " (" + held + " more not logged)" : "";
	}
}
