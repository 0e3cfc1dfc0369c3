package org.mobilegt.gateway.app.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.tunnel.api.Totals;
import org.mobilegt.gateway.tunnel.api.TunnelStats;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Samples the tunnel's totals once a second and keeps the last ten minutes, for the rates of
 * {@code vpn:stats} and the throughput chart of the console page.
 */
@Component(service = TrafficHistory.class, immediate = true)
public final class TrafficHistory {

	/** One second's totals. */
	public record Sample(long millis, long rxPackets, long rxBytes, long txPackets, long txBytes) {
	}

	/** Throughput over the second before {@code millis}, bits/s per direction. */
	public record Point(long millis, double rxBps, double txBps) {
	}

	/** Average rates over a window: packets/s and bits/s per direction. */
	public record Rate(int seconds, double rxPps, double rxBps, double txPps, double txBps) {
	}

	static final int CAPACITY = 601;

	private final Sample[] ring = new Sample[CAPACITY];
	private int next;
	private int size;
	private final ScheduledExecutorService sampler;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile TunnelStats tunnel;

	@Activate
	public TrafficHistory() {
		sampler = Daemons.scheduler("mobilegt-traffic-history");
		sampler.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
	}

	@Deactivate
	void deactivate() {
		sampler.shutdownNow();
	}

	private void sample() {
		TunnelStats t = tunnel;
		if (t != null) {
			Totals totals = t.totals();
			add(new Sample(System.currentTimeMillis(), totals.rxPackets(), totals.rxBytes(), totals.txPackets(), totals.txBytes()));
		}
	}

	synchronized void add(Sample s) {
		ring[next] = s;
		next = (next + 1) % CAPACITY;
		size = Math.min(size + 1, CAPACITY);
	}

	/** Samples oldest first, at most {@code max}. */
	public synchronized List<Sample> samples(int max) {
		int n = Math.min(max, size);
		List<Sample> out = new ArrayList<>(n);
		for (int i = n; i >= 1; i--) {
			out.add(ring[(next - i + CAPACITY) % CAPACITY]);
		}
		return out;
	}

	/**
	 * Bits/s between consecutive samples over the last {@code seconds}, oldest first: the console's
	 * chart. A counter that went back (the tunnel bundle restarted) counts as no traffic.
	 */
	public List<Point> throughput(int seconds) {
		List<Sample> s = samples(seconds + 1);
		List<Point> points = new ArrayList<>(Math.max(0, s.size() - 1));
		for (int i = 1; i < s.size(); i++) {
			Sample a = s.get(i - 1);
			Sample b = s.get(i);
			double dt = Math.max(1, b.millis() - a.millis()) / 1000.0;
			points.add(new Point(b.millis(), Math.max(0, b.rxBytes() - a.rxBytes()) * 8 / dt,
					Math.max(0, b.txBytes() - a.txBytes()) * 8 / dt));
		}
		return points;
	}

	/** The average rate over the last {@code seconds} (or as many as there are samples for). */
	public Rate rate(int seconds) {
		List<Sample> s = samples(seconds + 1);
		if (s.size() < 2) {
			return new Rate(0, 0, 0, 0, 0);
		}
		Sample a = s.get(0);
		Sample b = s.get(s.size() - 1);
		double dt = (b.millis() - a.millis()) / 1000.0;
		return new Rate((int) Math.round(dt), (b.rxPackets() - a.rxPackets()) / dt, (b.rxBytes() - a.rxBytes()) * 8 / dt,
				(b.txPackets() - a.txPackets()) / dt, (b.txBytes() - a.txBytes()) * 8 / dt);
	}
}
