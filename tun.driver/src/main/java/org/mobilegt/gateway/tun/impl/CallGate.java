package org.mobilegt.gateway.tun.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * Counts the threads inside a system call on one file descriptor path (the readers of a queue, or
 * the writers), so that closing can wait for them to leave before the descriptors are closed. One
 * gate per direction, padded to a cache line of its own: the two packet directions never write
 * the same cache line.
 */
final class CallGate {

	private static final VarHandle INSIDE;
	static {
		try {
			INSIDE = MethodHandles.lookup().findVarHandle(CallGate.class, "inside", int.class);
		} catch (ReflectiveOperationException e) {
			throw new ExceptionInInitializerError(e);
		}
	}

	long p0, p1, p2, p3, p4, p5, p6;
	private volatile int inside;
	/** Set by a closer before it waits: only then does the last one out take the monitor. */
	private volatile boolean awaited;
	long q0, q1, q2, q3, q4, q5, q6;

	void enter() {
		INSIDE.getAndAdd(this, 1);
	}

	void leave() {
		if ((int) INSIDE.getAndAdd(this, -1) == 1 && awaited) {
			synchronized (this) {
				notifyAll();
			}
		}
	}

	/** Waits until nobody is inside, at most until {@code deadlineNanos} (System.nanoTime()). */
	synchronized void awaitEmpty(long deadlineNanos) {
		awaited = true; // before reading inside: a leave() that this misses sees the flag
		long left;
		while (inside > 0 && (left = deadlineNanos - System.nanoTime()) > 0) {
			try {
				TimeUnit.NANOSECONDS.timedWait(this, left);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}
}
