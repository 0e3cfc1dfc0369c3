package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.HdrHistogram.Recorder;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.osgi.service.log.Logger;

/**
 * The TUN to UDP direction for one TUN queue: reads packets straight into the slots of a send
 * batch, looks the client up by destination address and sends the batch with one sendmmsg when
 * it is full or the device has nothing more to read.
 */
final class DownlinkPump implements Runnable {

	private static final int POLL_MILLIS = 250;

	private final TunnelServer server;
	private final TunDevice tun;
	private final int queue;
	private final PumpCounters counters;
	private final Recorder latency;
	private final Logger log;
	private final MessageBatch batch = new MessageBatch(UplinkPump.BATCH, UplinkPump.SLOT);
	private final RateGate errorLog = new RateGate(5, 60_000);
	private volatile boolean running = true;
	private long sequence;
	private long sampleStart;

	DownlinkPump(TunnelServer server, TunDevice tun, int queue, TunnelMetrics metrics, Logger log) {
		this.server = server;
		this.tun = tun;
		this.queue = queue;
		this.counters = metrics.downlink[queue];
		this.latency = metrics.recorder(Direction.TO_CLIENT);
		this.log = log;
	}

	@Override
	public void run() {
		long now = System.currentTimeMillis();
		while (running) {
			try {
				ByteBuffer slot = batch.next();
				int n = tun.read(queue, slot, batch.pending() == 0 ? POLL_MILLIS : 0);
				if (n < 0) {
					return; // the device was closed
				}
				if (n == 0) {
					flush();
					now = System.currentTimeMillis();
					continue;
				}
				slot.flip();
				packet(slot, n, now);
				if (batch.full()) {
					flush();
					now = System.currentTimeMillis();
				}
			} catch (IOException | RuntimeException e) {
				long held = errorLog.admit(System.currentTimeMillis());
				if (held >= 0) {
					log.error("TUN queue {} read failed: {}{}", queue, e.toString(), held > 0 ? " (" + held + " more not logged)" : "");
				}
			}
		}
	}

	private void packet(ByteBuffer p, int length, long now) {
		int version = (p.get(0) & 0xF0) >>> 4;
		if (version != 4 || length < Packets.IPV4_HEADER) {
			counters.dropped(version == 6 ? DropReason.IPV6 : DropReason.NOT_IP);
			return;
		}
		SessionManager sessions = server.sessions();
		int destination = Packets.destination(p);
		Session session = sessions == null ? null : sessions.byTunnelAddress(destination);
		if (session == null) {
			counters.dropped(DropReason.NO_SESSION);
			return;
		}
		if ((++sequence & TunnelMetrics.SAMPLE_MASK) == 0 && sampleStart == 0) {
			sampleStart = System.nanoTime();
		}
		TapSelection taps = server.taps();
		if (taps != null) {
			taps.offer(destination, Direction.TO_CLIENT, p);
		}
		batch.commit(length, session.endpoint());
		session.sent(length, true, now);
		counters.forwarded(length);
	}

	private void flush() {
		if (batch.pending() == 0) {
			return;
		}
		UdpSocket socket = server.socket();
		if (socket == null) {
			for (int i = batch.pending(); i > 0; i--) {
				counters.dropped(DropReason.NO_SERVICE);
			}
			batch.clear();
		} else {
			for (int failed = batch.flush(socket); failed > 0; failed--) {
				counters.dropped(DropReason.UDP_SEND_ERROR);
			}
		}
		if (sampleStart != 0) {
			latency.recordValue(System.nanoTime() - sampleStart);
			sampleStart = 0;
		}
	}

	void stop() {
		running = false;
	}
}
