package org.mobilegt.gateway.tunnel.impl;

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
	}

	/** Stops the uplink of the previous socket (closing it to wake the pump) and starts one on {@code socket}. */
	void uplink(UdpSocket socket) {
		if (frozen) {
			return;
		}
		stopUplink();
		uplink = new UplinkPump(bound, socket, metrics, control, log);
		uplinkSocket = socket;
		uplinkThread = Daemons.start(uplink, "mobilegt-uplink");
	}

	/** Stops the uplink; its socket is closed, the caller releases it. */
	void stopUplink() {
		if (uplink != null) {
			uplink.stop();
			uplinkSocket.close(); // wakes the pump
			join(uplinkThread);
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
		for (int q = 0; q < Math.min(device.queues(), TunnelMetrics.MAX_QUEUES); q++) {
			DownlinkPump pump = new DownlinkPump(bound, device, q, metrics, log);
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
			join(lastOnQueue[q]);
			lastOnQueue[q] = null;
		}
	}

	private void retireDownlinks() {
		downlinks.forEach(DownlinkPump::stop);
		downlinks.clear();
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

	private static void join(Thread t) {
		if (t == null) {
			return;
		}
		try {
			t.join(JOIN_MILLIS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
