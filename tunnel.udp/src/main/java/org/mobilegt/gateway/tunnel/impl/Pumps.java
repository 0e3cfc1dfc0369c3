package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.service.log.Logger;

/**
 * The pump threads and their hand-overs: one uplink on the UDP socket, one downlink per TUN queue.
 * A new socket gets a new uplink after the old one stopped. A TUN device going away waits only
 * until the uplink left the batch that may still write to it ({@link UplinkPump#quiesce}, a park
 * woken by the pump); its downlinks are told to stop but not waited for, since a device's reads
 * return -1 once it is closed (the TunDevice contract). A downlink of a new device first waits for
 * its queue's predecessor, on its own thread, so each queue's counters keep one writer. Called
 * under the server's lock, except once frozen for a hand-over to the next revision of the bundle
 * ({@link SocketHandOver}), when only the stop methods act, on the hand-over's thread.
 * <p>
 * A one-queue device's {@link Turn} says whether the uplink or queue 0's downlink reads it; the
 * pumps pass it between them by load, these methods only take it from the uplink when it stops
 * and from a device that goes.
 */
final class Pumps {

	private static final long JOIN_MILLIS = 2000;

	private final Bindings.Cell bound;
	private final TunnelMetrics metrics;
	private final Control control;
	private final Logger log;
	private UplinkPump uplink;
	private UdpSocket uplinkSocket;
	private Thread uplinkThread;
	private final List<DownlinkPump> downlinks = new ArrayList<>();
	/** Wakes the uplink's poll when it gets the turn; null when no eventfd could be had (the downlinks read alone). */
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

	/** Stops the uplink of the previous socket (closing it to wake the pump) and starts one on {@code socket}. */
	void uplink(UdpSocket socket) {
		if (frozen) {
			return;
		}
		stopUplink();
		uplink = new UplinkPump(bound, socket, metrics, control, log, () -> turn, kick);
		uplinkSocket = socket;
		uplinkThread = Daemons.start(uplink, "mobilegt-uplink");
		turn.uplinkStarted();
	}

	/** Stops the uplink; its socket is closed, the caller releases it. */
	void stopUplink() {
		if (uplink != null) {
			turn.uplinkStopping(); // the downlink reads on
			uplink.stop();
			uplinkSocket.close(); // wakes the pump
			stuck |= !join(uplinkThread);
			uplink = null;
			uplinkSocket = null;
		}
	}

	/** Replaces the downlinks by one per queue of {@code device}; each starts once its queue's predecessor ended. */
	void downlinks(TunDevice device) {
		if (held || frozen) {
			return;
		}
		retireDownlinks();
		turn = Turn.of(device, kick, uplink != null);
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
		turn.retire(); // the uplink no longer reads the device, nor polls it
		turn = Turn.NONE;
		downlinks.forEach(DownlinkPump::stop);
		downlinks.clear();
	}

	/** Frees the kick once every pump stopped ({@link #stopUplink}, {@link #stopDownlinks}), unless one did not end. */
	void close() {
		if (kick != null && uplink == null && downlinks.isEmpty() && !stuck) {
			kick.close();
		}
	}

	/** The TUN device is going away: the uplink no longer writes to it once this returns (bounded). */
	void detach() {
		if (frozen) {
			return;
		}
		retireDownlinks();
		quiesceUplink();
	}

	/** Waits (bounded) until the uplink left the batch it is in, and with it that batch's snapshot. */
	void quiesceUplink() {
		if (!frozen && uplink != null) {
			uplink.quiesce();
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
