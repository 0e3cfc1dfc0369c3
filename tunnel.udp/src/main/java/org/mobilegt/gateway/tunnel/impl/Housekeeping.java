package org.mobilegt.gateway.tunnel.impl;

import java.util.Collection;
import java.util.function.Supplier;

import org.mobilegt.gateway.session.api.Session;
import org.mobilegt.gateway.session.api.SessionManager;

/**
 * The tunnel's tick besides its hand-overs: keepalives to clients that were sent nothing for a
 * while, the deprecated tunnel idle timeout passed on to the session manager (which expires idle
 * sessions itself), the number of uplinks that leases should spread over (said again every tick,
 * so that a session manager bound or replaced since learns it within a second), busy clients
 * moved between the uplinks when these are uneven ({@link TrafficBalance}), and the reply
 * budget's pruning.
 */
final class Housekeeping {

	private final Bindings.Cell bound;
	private final TunnelMetrics metrics;
	private final Control control;
	private final ControlSender keepalives = new ControlSender();
	private final Supplier<UplinkSockets> uplinks;
	private final TrafficBalance balance = new TrafficBalance();

	Housekeeping(Bindings.Cell bound, TunnelMetrics metrics, Control control, Supplier<UplinkSockets> uplinks) {
		this.bound = bound;
		this.metrics = metrics;
		this.control = control;
		this.uplinks = uplinks;
	}

	void tick() {
		Bindings b = bound.get();
		TunnelSettings s = b.settings();
		SessionManager sm = b.sessions();
		UdpSocket sock = b.socket();
		if (s == null || sm == null) {
			return;
		}
		sm.legacyIdleTimeout(s.legacyIdleSeconds());
		UplinkSockets u = uplinks.get();
		sm.spreadLeases(UplinkSockets.leaseWays(u));
		Collection<Session> sessions = sm.sessions();
		balance.tick(u, sessions);
		if (sock != null) { // none while a previous revision still forwards
			metrics.keepalivesOut.add(keepalives.keepalives(sock, sessions, s.keepaliveMillis()));
		}
		control.prune();
	}
}
