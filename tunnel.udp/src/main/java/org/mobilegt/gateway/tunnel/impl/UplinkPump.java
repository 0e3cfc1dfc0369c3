package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.mobilegt.gateway.auth.api.KeyCheck;
import org.mobilegt.gateway.auth.api.Reason;
import org.mobilegt.gateway.common.RateGate;
import org.mobilegt.gateway.common.Wakeup;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.osgi.service.log.Logger;

/**
 * The UDP to TUN direction: receives datagrams in batches and writes each client's IP packets to
 * the TUN device, after checking the sender has a session and the packet's source is its lease.
 * Handshakes go to {@link Control}; keepalives and datagrams from unknown endpoints are handled
 * here. A malformed datagram is counted and dropped; nothing a client sends stops this thread.
 * With TUN offloads, a batch's consecutive TCP segments of one flow are written as one
 * ({@link TcpCoalescer}).
 */
final class UplinkPump implements Runnable {

	static final int BATCH = 32;
	static final int SLOT = 65536;
	private static final int POLL_MILLIS = 250;
	private static final long QUIESCE_NANOS = 500_000_000L;

	private final Bindings.Cell bound;
	private final UdpSocket socket;
	private final TunnelMetrics metrics;
	private final PumpCounters counters;
	private final TunnelMetrics.Sampler latency;
	private final Control control;
	private final Logger log;
	/** Datagrams land behind room for a virtio_net_hdr (left zero), in case the TUN device wants one. */
	private final MessageBatch batch = new MessageBatch(BATCH, SLOT, Offload.HEADER);
	private final ControlSender sender = new ControlSender();
	private final TcpCoalescer coalescer = new TcpCoalescer(this::write);
	private final RateGate errorLog = new RateGate(5, 60_000);
	private final RateGate spoofRecords = new RateGate(10, 1_000);
	private final RateGate shareLog = new RateGate(1, 10_000);
	private final BatchGate gate = new BatchGate();
	private volatile boolean running = true;
	private long sequence;
	/** The snapshot of the current batch. */
	private Bindings b = Bindings.NONE;

	UplinkPump(Bindings.Cell bound, UdpSocket socket, TunnelMetrics metrics, Control control, Logger log) {
		this.bound = bound;
		this.socket = socket;
		this.metrics = metrics;
		this.counters = metrics.uplink;
		this.latency = metrics.sampler(Direction.FROM_CLIENT);
		this.control = control;
		this.log = log;
	}

	@Override
	public void run() {
		boolean drained = false;
		while (running) {
			try {
				if (drained && socket.awaitReadable(POLL_MILLIS) == Wakeup.Ready.CLOSED) {
					return;
				}
				int n = batch.receive(socket);
				// A short batch emptied the socket: wait in poll next rather than ask it again first.
				drained = n < BATCH;
				if (n == 0) {
					continue;
				}
				gate.enter();
				long now = System.currentTimeMillis();
				b = bound.get();
				SessionManager sessions = b.sessions();
				TunDevice tun = b.tun();
				for (int i = 0; i < n; i++) {
					try {
						datagram(i, now, sessions, tun);
					} catch (RuntimeException e) {
						counters.dropped(DropReason.MALFORMED);
						logError("Datagram from " + EndpointKey.format(batch.endpoint(i)) + " failed", e);
					}
				}
				if (tun != null) {
					coalescer.flush(tun); // before the next receive overwrites the held packets
				}
			} catch (IOException | RuntimeException e) {
				drained = true; // never spin on a failing socket
				logError("UDP receive failed", e);
			} finally {
				gate.leave();
			}
		}
	}

	private void datagram(int i, long now, SessionManager sessions, TunDevice tun) {
		long endpoint = batch.endpoint(i);
		if (batch.truncated(i)) {
			counters.dropped(DropReason.OVERSIZED);
			return;
		}
		ByteBuffer p = batch.received(i);
		int length = p.remaining();
		if (length == 0) {
			counters.dropped(DropReason.TRUNCATED);
			return;
		}
		if (sessions == null) {
			counters.dropped(DropReason.NO_SERVICE);
			return;
		}
		Session session = sessions.byEndpoint(endpoint);
		if (p.get(p.position()) == 0) {
			control(endpoint, p, session, now);
			return;
		}
		if (session == null) {
			unknown(endpoint, sessions, p);
			return;
		}
		boolean timed = (++sequence & TunnelMetrics.SAMPLE_MASK) == 0;
		long start = timed ? System.nanoTime() : 0;
		DropReason why = Packets.checkIpv4(p, tun == null ? SLOT : tun.mtu());
		if (why == null && Packets.source(p) != session.tunnelAddress()) {
			why = DropReason.SPOOFED;
			spoofed(endpoint, p, session, now);
		}
		if (why == null && tun == null) {
			why = DropReason.NO_TUN;
		}
		if (why == null && !session.admit()) {
			why = DropReason.RATE_LIMITED;
			overShare(session);
		}
		if (why != null) {
			counters.dropped(why);
			session.dropped();
			session.received(0, false, now); // still alive, but nothing forwarded
			return;
		}
		TapSelection taps = b.taps();
		if (taps != null) {
			taps.offer(session.tunnelAddress(), Direction.FROM_CLIENT, p);
		}
		int header = tun.offloadHeader();
		if (header != 0 && !TcpCoalescer.wellFormed(p)) {
			counters.dropped(DropReason.TRUNCATED); // the kernel would refuse it; not a TUN error
			session.dropped();
			return;
		}
		if (header == 0 || !coalescer.offer(tun, p, session)) {
			p.position(p.position() - header); // the zero header: a plain, complete packet
			if (!write(tun, p, session, 1)) {
				return;
			}
		}
		session.received(length, true, now);
		counters.forwarded(length);
		if (timed) {
			latency.record(System.nanoTime() - start);
		}
	}

	/** Writes a packet to the TUN device, counting {@code packets} drops if that fails. */
	private boolean write(TunDevice tun, ByteBuffer p, Session session, int packets) {
		try {
			tun.write(p);
			return true;
		} catch (IOException e) {
			for (int i = 0; i < packets; i++) {
				counters.dropped(DropReason.TUN_WRITE_ERROR);
				session.dropped();
			}
			logError("Write to the TUN device failed", e);
			return false;
		}
	}

	/** A 0-leading datagram: keepalive (one byte) or handshake. */
	private void control(long endpoint, ByteBuffer p, Session session, long now) {
		if (p.remaining() == 1) {
			if (session != null) {
				session.received(1, false, now);
				metrics.keepalivesIn.increment();
			} else {
				unknown(endpoint, b.sessions(), null);
			}
			return;
		}
		KeyCheck keys = b.keyCheck();
		if (keys != null && keys.blocked(EndpointKey.toInetAddress(EndpointKey.address(endpoint)))) {
			metrics.dropped(DropReason.THROTTLED); // dropped without work
			return;
		}
		control.handshake(endpoint, p);
	}

	/**
	 * Data ({@code p}, or null for a keepalive) from an endpoint without a session. Data whose
	 * source is the live lease of a session from the same address is that client behind a NAT
	 * that changed its port; it and a client whose session ended recently are told to handshake
	 * again (within the reply budget). Anything else is an illegal attempt, recorded but never
	 * counted against the address's handshakes: only wrong keys are.
	 */
	private void unknown(long endpoint, SessionManager sessions, ByteBuffer p) {
		if (p != null && rebinding(endpoint, sessions, p)) {
			counters.dropped(DropReason.REBINDING);
			hint(endpoint);
			return;
		}
		counters.dropped(DropReason.UNKNOWN_ENDPOINT);
		KeyCheck keys = b.keyCheck();
		if (sessions.recentlyClosed(endpoint)) {
			hint(endpoint);
		} else if (keys != null) {
			keys.record(EndpointKey.toInetAddress(EndpointKey.address(endpoint)), EndpointKey.port(endpoint), Reason.UNKNOWN_ENDPOINT,
					"data from an endpoint without a session");
		}
	}

	private static boolean rebinding(long endpoint, SessionManager sessions, ByteBuffer p) {
		if (p.remaining() < Packets.IPV4_HEADER || (p.get(p.position()) >>> 4) != 4) {
			return false;
		}
		Session owner = sessions.byTunnelAddress(Packets.source(p));
		return owner != null && EndpointKey.address(owner.endpoint()) == EndpointKey.address(endpoint);
	}

	private void hint(long endpoint) {
		if (control.hint(endpoint) && sender.send(socket, TunnelSettings.REHANDSHAKE, endpoint)) {
			metrics.hints.increment();
		}
	}

	private void spoofed(long endpoint, ByteBuffer p, Session session, long now) {
		KeyCheck keys = b.keyCheck();
		if (keys != null && spoofRecords.admit(now) >= 0) {
			keys.record(EndpointKey.toInetAddress(EndpointKey.address(endpoint)), EndpointKey.port(endpoint), Reason.SPOOFED,
					"source " + IpAddress.formatIpv4(Packets.source(p)) + " is not the lease "
							+ IpAddress.formatIpv4(session.tunnelAddress()));
		}
	}

	private void overShare(Session session) {
		long held = shareLog.admit(System.currentTimeMillis());
		if (held >= 0) {
			log.warn("Client {} at {} sends more than its share (mobilegt.sessions maxPacketsPerSecond): the excess is dropped{}",
					session.clientId() == null ? "(anonymous)" : session.clientId(), EndpointKey.format(session.endpoint()),
					held > 0 ? " (" + held + " more not logged)" : "");
		}
	}

	private void logError(String what, Exception e) {
		long held = errorLog.admit(System.currentTimeMillis());
		if (held >= 0) {
			log.error("{}: {}{}", what, e.toString(), held > 0 ? " (" + held + " more not logged)" : "");
		}
	}

	/** Waits (bounded) until the pump is not inside a batch, so it no longer uses an old TUN device. */
	void quiesce() {
		gate.quiesce(QUIESCE_NANOS);
	}

	void stop() {
		running = false;
	}
}
