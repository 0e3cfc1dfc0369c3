package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.service.log.Logger;

/**
 * The pump threads and their hand-overs: one uplink per UDP socket ({@link UplinkSockets}), one
 * downlink per TUN queue. New sockets get new uplinks after the old ones stopped. A TUN device going away waits only
 * until the uplink left the batch that may still write to it ({@link UplinkPump#quiesce}, a park
 * woken by the pump); its downlinks are told to stop but not waited for, since a device's reads
 * return -1 once it is closed (the TunDevice contract). A downlink of a new device first waits for
 * its queue's predecessor, on its own thread, so each queue's counters keep one writer. Called
 * under the server's lock, except once frozen for a hand-over to the next revision of the bundle
 * ({@link SocketHandOver}), when only the stop methods act, on the hand-over's thread.
 * <p>
 * A one-queue device's {@link Turn} says whether the first uplink or queue 0's downlink reads it; the
 * pumps pass it between them by load, these methods only take it from the uplink when it stops
 * and from a device that goes.
 */
final class Pumps {

	private static final long JOIN_MILLIS = 2000;

	private final Bindings.Cell bound;
	private final TunnelMetrics metrics;
	private final Control control;
	private final Logger log;
	private final List<UplinkPump> uplinks = new ArrayList<>();
	private final List<Thread> uplinkThreads = new ArrayList<>();
	private UplinkSockets uplinkSockets;
	private final List<DownlinkPump> downlinks = new ArrayList<>();
	/** Wakes the uplink's wait when it gets the turn; null when no eventfd could be had (the downlinks read alone). */
	private final Kick kick;
	/** The turn of the newest device, read by the uplink before each wait. */
	private volatile Turn turn = Turn.NONE;
	/** A pump did not end in time: the kick is not closed under it. */
	private boolean stuck;
	/** The newest downlink thread of each queue, running or retiring. */
	private final Thread[] lastOnQueue = new Thread[TunnelMetrics.MAX_QUEUES];
	/** A new revision waiting to take over from the old one's pumps: no downlink starts yet. */
	private volatile boolean held;
	/** An old revision handing over: its pumps run on as they are until stopped, whatever is unbound. */
	private volatile boolean frozen;

	Pumps(Bindings.Cell bound, TunnelMetrics metrics, Control control, Logger log) {
		this.bound = bound;
		this.metrics = metrics;
		this.control = control;
		this.log = log;
		this.kick = newKick(log);
	}

	private static Kick newKick(Logger log) {
		try {
			return new Kick();
		} catch (IOException e) {
			log.warn("The uplink will not read the TUN device at low load: {}", e.getMessage());
			return null;
		}
	}

	/**
	 * Stops the uplinks of the previous sockets (closing them to wake the pumps) and starts one on
	 * each of {@code sockets}; the first may read the TUN device at low load ({@link Turn}).
	 */
	void uplinks(UplinkSockets sockets) {
		if (frozen) {
			return;
		}
		stopUplinks();
		for (int i = 0; i < sockets.size(); i++) {
			UdpSocket socket = sockets.all().get(i);
			UplinkPump pump = i == 0 ? new UplinkPump(bound, socket, 0, metrics, control, log, () -> turn, kick)
					: new UplinkPump(bound, socket, i, metrics, control, log);
			uplinks.add(pump);
			uplinkThreads.add(Daemons.start(pump, i == 0 ? "mobilegt-uplink" : "mobilegt-uplink-" + i));
		}
		uplinkSockets = sockets;
		turn.uplinkStarted();
	}

	/** Stops the uplinks; their sockets are closed, the caller releases them. */
	void stopUplinks() {
		if (uplinkSockets != null) {
			turn.uplinkStopping(); // the downlink reads on
			uplinks.forEach(UplinkPump::stop);
			uplinkSockets.all().forEach(UdpSocket::close); // wakes the pumps
			uplinkThreads.forEach(t -> stuck |= !join(t));
			uplinks.clear();
			uplinkThreads.clear();
			uplinkSockets = null;
		}
	}

	/** Replaces the downlinks by one per queue of {@code device}; each starts once its queue's predecessor ended. */
	void downlinks(TunDevice device) {
		if (held || frozen) {
			return;
		}
		retireDownlinks();
		turn = Turn.of(device, kick, !uplinks.isEmpty());
		for (int q = 0; q < Math.min(device.queues(), TunnelMetrics.MAX_QUEUES); q++) {
			DownlinkPump pump = new DownlinkPump(bound, device, q, metrics, log, q == 0 ? turn : Turn.split(device));
			Thread predecessor = lastOnQueue[q];
			downlinks.add(pump);
			lastOnQueue[q] = Daemons.start(() -> {
				join(predecessor);
				pump.run();
			}, "mobilegt-downlink-" + q);
		}
	}

	/** Stops the downlinks and waits (bounded) until they ended. */
	void stopDownlinks() {
		retireDownlinks();
		for (int q = 0; q < lastOnQueue.length; q++) {
			stuck |= !join(lastOnQueue[q]);
			lastOnQueue[q] = null;
		}
	}

	private void retireDownlinks() {
		turn.retire(); // the uplink no longer reads the device, nor waits for it
		turn = Turn.NONE;
		downlinks.forEach(DownlinkPump::stop);
		downlinks.clear();
	}

	/** Frees the kick once every pump stopped ({@link #stopUplink}, {@link #stopDownlinks}), unless one did not end. */
	void close() {
		if (kick != null && uplinks.isEmpty() && downlinks.isEmpty() && !stuck) {
			kick.close();
		}
	}

	/** The TUN device is going away: the uplinks no longer write to it once this returns (bounded). */
	void detach() {
		if (frozen) {
			return;
		}
		retireDownlinks();
		quiesceUplinks();
	}

	/** Waits (bounded) until each uplink left the batch it is in, and with it that batch's snapshot. */
	void quiesceUplinks() {
		if (!frozen) {
			uplinks.forEach(UplinkPump::quiesce);
		}
	}

	/** Starts no downlink until {@link #release}: the previous revision's still forward. */
	void hold() {
		held = true;
	}

	void release() {
		held = false;
	}

	/** Keeps the running pumps as they are; only the stop methods still act. */
	void freeze() {
		frozen = true;
	}

	/** Waits (bounded) for {@code t} to end; whether it did. */
	private static boolean join(Thread t) {
		if (t == null) {
			return true;
		}
		try {
			t.join(JOIN_MILLIS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		return !t.isAlive();
	}
}
