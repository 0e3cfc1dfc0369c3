package org.mobilegt.gateway.tunnel.impl;

import java.util.concurrent.locks.LockSupport;

/**
 * The hand-off between a pump and a thread that replaces what the pump uses (the TUN device): the
 * pump marks each batch's start and end, and {@link #quiesce} parks until the batch that was
 * running when it was called has ended. The pump pays two volatile writes and one volatile read
 * per batch; no lock, no allocation.
 */
final class BatchGate {

	private volatile boolean inBatch;
	private volatile long batches;
	private volatile Thread waiter;

	/** The pump starts a batch. Pump thread only. */
	void enter() {
		inBatch = true;
	}

	/** The pump ended a batch: wakes a thread waiting in {@link #quiesce}. Pump thread only. */
	void leave() {
		inBatch = false;
		batches++; // one writer
		Thread w = waiter;
		if (w != null) {
			LockSupport.unpark(w);
		}
	}

	/**
	 * Waits until the pump is not inside the batch it was in when called, at most
	 * {@code timeoutNanos} (a pump stuck in a write must not hold up an unbind). One waiter at a time.
	 *
	 * @return whether the pump left it in time
	 */
	boolean quiesce(long timeoutNanos) {
		long seen = batches;
		long deadline = System.nanoTime() + timeoutNanos;
		waiter = Thread.currentThread(); // before the check: a leave() after it sees us and unparks
		try {
			while (inBatch && batches == seen) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				LockSupport.parkNanos(this, left);
			}
			return true;
		} finally {
			waiter = null;
		}
	}
}
