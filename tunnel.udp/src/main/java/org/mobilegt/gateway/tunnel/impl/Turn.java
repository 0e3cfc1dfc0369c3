package org.mobilegt.gateway.tunnel.impl;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.mobilegt.gateway.tun.api.TunDevice;

/**
 * Whose turn it is to read a one-queue TUN device. At low load the uplink's: it waits for the
 * socket and the TUN together, as a one-thread relay does, so a reply needs no second thread's wake-up,
 * and the downlink thread is parked, not waiting on the TUN (the kernel would wake it for every
 * packet and it would race the uplink). At high load the downlink's, so each direction has its
 * own core. One atomic role; each switch is made by the thread that sees the load change:
 * <ul>
 * <li>the downlink passes the turn to the uplink after {@link #QUIET} stretches in a row ended
 * with its queue empty before a batch filled (a {@link #BULK_BYTES} read fills one), then raises
 * the {@link Kick} in the uplink's wait (level-triggered: the uplink, wherever it is, waits for
 * the TUN next);</li>
 * <li>the uplink passes it back when a batch of either direction filled or it read a bulk
 * segment, then unparks the downlink (a permit: an unpark before the park is kept).</li>
 * </ul>
 * The TUN is never left unread: the reader of the new role was either told (kick, unpark) or
 * looks at the role before it next waits, and a packet read by the one that lost the turn on the
 * way is sent by it. Each keeps its own counters ({@link DownlinkPath}).
 */
final class Turn {

	/** The downlink reads and waits; the uplink never reads this device (several queues, no poll descriptor, retired). */
	static final int SPLIT = 0;
	/** No uplink to take over: the downlink reads and waits. */
	static final int ALONE = 1;
	/** The downlink reads and waits, and passes the turn on when its load is low. */
	static final int DOWNLINK = 2;
	/** The uplink reads between its batches; the downlink is parked. */
	static final int UPLINK = 3;
	/** Stretches in a row (reads until the queue was empty) that stayed under a batch before the downlink passes the turn. */
	static final int QUIET = 32;

	/**
	 * A read this large is a TCP segment the kernel built from a stream (TSO): bulk traffic, which
	 * counts as a full batch.
	 */
	static final int BULK_BYTES = 16384;

	/** No device. */
	static final Turn NONE = new Turn(null, -1, null, SPLIT);

	final TunDevice tun;
	/** The queue's descriptor for the uplink's wait. */
	final int fd;
	private final Kick kick;
	private final AtomicInteger role;
	private volatile Thread downlink;

	private Turn(TunDevice tun, int fd, Kick kick, int role) {
		this.tun = tun;
		this.fd = fd;
		this.kick = kick;
		this.role = new AtomicInteger(role);
	}

	/**
	 * The turn of queue 0 of {@code tun}: shared when the device has one queue and a poll
	 * descriptor, and there is a kick (else the downlink always reads).
	 */
	static Turn of(TunDevice tun, Kick kick, boolean uplinkRuns) {
		int fd = tun.queues() == 1 && kick != null ? tun.pollFd(0) : -1;
		return fd < 0 ? split(tun) : new Turn(tun, fd, kick, uplinkRuns ? DOWNLINK : ALONE);
	}

	/** A turn that stays with the downlink. */
	static Turn split(TunDevice tun) {
		return new Turn(tun, -1, null, SPLIT);
	}

	int role() {
		return role.get();
	}

	boolean uplinkReads() {
		return role.get() == UPLINK;
	}

	/** The downlink pump's thread, before it first looks at the role. */
	void downlinkThread(Thread t) {
		downlink = t;
	}

	/** The downlink, its load low: the uplink reads from now on. */
	boolean toUplink() {
		if (role.compareAndSet(DOWNLINK, UPLINK)) {
			kick.raise();
			return true;
		}
		return false;
	}

	/** The uplink, a batch full: the downlink reads from now on. */
	boolean toDownlink() {
		if (role.compareAndSet(UPLINK, DOWNLINK)) {
			unpark();
			return true;
		}
		return false;
	}

	/** An uplink started: the downlink may pass it the turn. */
	void uplinkStarted() {
		role.compareAndSet(ALONE, DOWNLINK);
	}

	/** The uplink is stopping: the downlink reads, whatever the load. */
	void uplinkStopping() {
		int r;
		do {
			r = role.get();
		} while (r != SPLIT && !role.compareAndSet(r, ALONE));
		unpark();
	}

	/** The device is being replaced or going: its downlink reads until it ends, the uplink no more. */
	void retire() {
		role.set(SPLIT);
		unpark();
		if (kick != null) {
			kick.raise(); // the uplink may be waiting for this device's descriptor
		}
	}

	private void unpark() {
		Thread t = downlink;
		if (t != null) {
			LockSupport.unpark(t);
		}
	}
}
