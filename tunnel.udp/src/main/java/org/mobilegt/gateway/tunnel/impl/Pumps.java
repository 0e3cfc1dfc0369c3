package org.mobilegt.gateway.tunnel.impl;

import java.util.ArrayList;
import java.util.List;

import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.service.log.Logger;

/**
 * The pump threads and their hand-overs: one uplink on the UDP socket, one downlink per TUN queue.
 * A new socket gets a new uplink after the old one stopped; a TUN device going away stops the
 * downlinks and waits until the uplink no longer writes to it. Called under the server's lock.
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
	private final List<Thread> downlinkThreads = new ArrayList<>();

	Pumps(Bindings.Cell bound, TunnelMetrics metrics, Control control, Logger log) {
		this.bound = bound;
		this.metrics = metrics;
		this.control = control;
		this.log = log;
	}

	/** Stops the uplink of the previous socket (closing it to wake the pump) and starts one on {@code socket}. */
	void uplink(UdpSocket socket) {
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

	/** Replaces the downlinks by one per queue of {@code device}. */
	void downlinks(TunDevice device) {
		stopDownlinks();
		for (int q = 0; q < Math.min(device.queues(), TunnelMetrics.MAX_QUEUES); q++) {
			DownlinkPump pump = new DownlinkPump(bound, device, q, metrics, log);
			downlinks.add(pump);
			downlinkThreads.add(Daemons.start(pump, "mobilegt-downlink-" + q));
		}
	}

	void stopDownlinks() {
		downlinks.forEach(DownlinkPump::stop);
		downlinkThreads.forEach(Pumps::join);
		downlinks.clear();
		downlinkThreads.clear();
	}

	/** The TUN device is going away: no pump may use it once this returns (bounded). */
	void detach() {
		stopDownlinks();
		if (uplink != null) {
			uplink.quiesce();
		}
	}

	private static void join(Thread t) {
		try {
			t.join(JOIN_MILLIS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
