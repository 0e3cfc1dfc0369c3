package org.mobilegt.gateway.tunnel.impl;

import java.util.function.IntSupplier;

import org.mobilegt.gateway.session.api.SessionManager;

/**
 * The tunnel's tick besides its hand-overs: keepalives to clients that were sent nothing for a
 * while, the deprecated tunnel idle timeout passed on to the session manager (which expires idle
 * sessions itself), the number of uplinks that leases should spread over (said again every tick,
 * so that a session manager bound or replaced since learns it within a second), and the reply
 * budget's pruning.
 */
final class Housekeeping {

	private final Bindings.Cell bound;
	private final TunnelMetrics metrics;
	private final Control control;
	private final ControlSender keepalives = new ControlSender();
	private final IntSupplier leaseWays;

	Housekeeping(Bindings.Cell bound, TunnelMetrics metrics, Control control, IntSupplier leaseWays) {
		this.bound = bound;
		this.metrics = metrics;
		this.control = control;
		this.leaseWays = leaseWays;
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
		sm.spreadLeases(leaseWays.getAsInt());
		if (sock != null) { // none while a previous revision still forwards
			metrics.keepalivesOut.add(keepalives.keepalives(sock, sm.sessions(), s.keepaliveMillis()));
		}
		control.prune();
	}
}
