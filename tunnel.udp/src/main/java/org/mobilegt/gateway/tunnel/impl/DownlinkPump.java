package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.osgi.service.log.Logger;

/**
 * The TUN to UDP direction for one TUN queue: a thread that waits for packets on its queue and
 * hands them to its own {@link DownlinkPath}, which sends them on in batches. While the uplink has
 * the queue's {@link Turn} (low load) it is parked instead, and when its own load falls it passes
 * the turn to the uplink.
 */
final class DownlinkPump implements Runnable {

	private static final int POLL_MILLIS = 250;

	private final TunDevice tun;
	private final int queue;
	private final Turn turn;
	private final DownlinkPath path;
	private final Logger log;
	private final RateGate errorLog = new RateGate(5, 60_000);
	private volatile boolean running = true;
	/** How long a wait lasts at most; {@link #waitMillis(int)}. */
	private int waitMillis = POLL_MILLIS;
	private volatile Thread thread;
	/** Packets read since the queue was last found empty, and stretches in a row that stayed under a batch. */
	private int stretch;
	private int quiet;

	/** A pump that always reads its queue itself. */
	DownlinkPump(Bindings.Cell bound, TunDevice tun, int queue, TunnelMetrics metrics, Logger log) {
		this(bound, tun, queue, metrics, log, Turn.split(tun));
	}

	DownlinkPump(Bindings.Cell bound, TunDevice tun, int queue, TunnelMetrics metrics, Logger log, Turn turn) {
		this.tun = tun;
		this.queue = queue;
		this.turn = turn;
		this.path = new DownlinkPath(bound, metrics.downlink[queue], metrics.sampler(Direction.TO_CLIENT));
		this.log = log;
	}

	@Override
	public void run() {
		thread = Thread.currentThread();
		turn.downlinkThread(thread);
		boolean parked = false;
		while (running) {
			parked = turn.uplinkReads();
			if (parked) {
				LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(waitMillis)); // not waiting on the TUN: the uplink reads it
			} else if (!read(path.pending() == 0 ? waitMillis : 0)) {
				break;
			}
		}
		if (parked && !turn.uplinkReads()) {
			// stopped before it woke to the turn the stopping uplink gave back: the read a stop waits for is still due
			read(waitMillis);
		}
		path.flush(); // what was read is sent, and counted before the pump ends (a successor reads on)
	}

	/** {@link #step}, a failure logged (rate-limited); false when the device was closed. */
	private boolean read(int timeoutMillis) {
		try {
			return step(timeoutMillis);
		} catch (IOException | RuntimeException e) {
			long held = errorLog.admit(System.currentTimeMillis());
			if (held >= 0) {
				log.error("TUN queue {} read failed: {}{}", queue, e.toString(), RateGate.heldBack(held));
			}
			return true;
		}
	}

	/**
	 * Reads one packet (waiting up to {@code timeoutMillis}) and queues it, sending the batch when
	 * it is full or nothing was read; false when the device was closed. Once the queue was found
	 * empty {@link Turn#QUIET} times in a row, each time before a batch's worth (or a bulk segment)
	 * was read, the turn goes to the uplink (if it may have it).
	 */
	boolean step(int timeoutMillis) throws IOException {
		int n = path.step(tun, queue, timeoutMillis);
		if (n > 0) {
			stretch = n >= Turn.BULK_BYTES ? UplinkPump.BATCH : Math.min(stretch + 1, UplinkPump.BATCH);
			return true;
		}
		if (n < 0) {
			return false;
		}
		quiet = stretch < UplinkPump.BATCH ? Math.min(quiet + 1, Turn.QUIET) : 0;
		stretch = 0;
		if (quiet >= Turn.QUIET && turn.toUplink()) {
			quiet = 0;
		}
		return true;
	}

	/**
	 * Sets how long a wait lasts at most (before the thread starts): tests make it long, so that a
	 * lost wake-up leaves a packet unread instead of late.
	 */
	DownlinkPump waitMillis(int millis) {
		waitMillis = millis;
		return this;
	}

	void stop() {
		running = false;
		Thread t = thread;
		if (t != null) {
			LockSupport.unpark(t);
		}
	}
}
