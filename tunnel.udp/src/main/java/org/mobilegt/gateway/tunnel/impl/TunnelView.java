package org.mobilegt.gateway.tunnel.impl;

import java.util.Map;

import org.mobilegt.gateway.session.api.SessionManager;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.DropReason;
import org.mobilegt.gateway.tunnel.api.Latency;
import org.mobilegt.gateway.tunnel.api.Totals;
import org.mobilegt.gateway.tunnel.api.TunnelStats;

/**
 * What the tunnel shows operators ({@code vpn:stats}, the console, health): its counters and the
 * bindings in use. {@link TunnelServer} is the component that keeps both up to date.
 */
abstract class TunnelView implements TunnelStats {

	final TunnelMetrics metrics = new TunnelMetrics();
	/** What the pumps and workers use; replaced whole, under the server's lock. */
	final Bindings.Cell bound = new Bindings.Cell();
	volatile String socketError;

	@Override
	public Totals totals() {
		SessionManager sm = bound.get().sessions();
		return metrics.totals(sm == null ? 0 : sm.sessions().size());
	}

	@Override
	public Map<DropReason, Long> drops() {
		return metrics.drops();
	}

	@Override
	public Latency processingTime(Direction direction) {
		return metrics.latency(direction);
	}

	@Override
	public long[] processingTimeCounts(Direction direction, long[] upperBoundsNanos) {
		return metrics.counts(direction, upperBoundsNanos);
	}

	@Override
	public String socketStatus() {
		UdpSocket s = bound.get().socket();
		if (s != null) {
			return "listening on " + s.where();
		}
		return "not listening: " + (socketError == null ? "not started" : socketError);
	}

	@Override
	public boolean serving() {
		return bound.get().serving();
	}
}
