package org.mobilegt.gateway.session.impl;

import java.util.function.LongSupplier;

/**
 * When the state file may be written again: a save copies and writes every session, so under a
 * flood of handshakes with tens of thousands of sessions saving every second would take the CPU
 * the handshakes need. After a save the next waits {@value #IDLE_PER_SAVE} times as long as it
 * took, which keeps saving under 5 % of one core whatever the number of sessions; a small
 * registry still saves at every housekeeping tick. Used by the housekeeping thread only.
 */
final class SavePacer {

	static final int IDLE_PER_SAVE = 19;

	private final LongSupplier nanoTime;
	private long notBeforeNanos;
	private boolean saved;

	SavePacer(LongSupplier nanoTime) {
		this.nanoTime = nanoTime;
	}

	boolean due() {
		return !saved || nanoTime.getAsLong() - notBeforeNanos >= 0;
	}

	/** Runs {@code save} and schedules the next after its cost. */
	void run(Runnable save) {
		long start = nanoTime.getAsLong();
		save.run();
		long end = nanoTime.getAsLong();
		saved = true;
		notBeforeNanos = end + (end - start) * IDLE_PER_SAVE;
	}
}
