package org.mobilegt.gateway.app.ops;

import java.util.Locale;
import java.util.Map;

import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.Latency;
import org.mobilegt.gateway.tunnel.api.Totals;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The gateway's metrics in the Prometheus data model, read from the counters the tunnel, the
 * sessions and the key check already keep (nothing is counted twice).
 */
@Component(service = GatewayMetrics.class)
public final class GatewayMetrics {

	/** Processing-time bucket bounds: 1 µs to 10 ms. */
	static final long[] BOUNDS_NANOS = { 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
			10_000_000 };

	private final Operations ops;

	@Activate
	public GatewayMetrics(@Reference Operations ops) {
		this.ops = ops;
	}

	public MetricSnapshots snapshot() {
		Operations.Stats stats = ops.stats();
		Operations.Status status = ops.status();
		Operations.PoolView pool = ops.pool();
		Totals t = stats.totals();
		MetricSnapshots.Builder b = MetricSnapshots.builder();
		b.metricSnapshot(gauge("mobilegt_sessions", "Connected clients", t.sessions()));
		b.metricSnapshot(gauge("mobilegt_tun_up", "1 when the TUN device is up", status.tunUp() ? 1 : 0));
		b.metricSnapshot(gauge("mobilegt_serving", "1 when the UDP socket is bound, the TUN attached and key check and sessions available", status.serving() ? 1 : 0));
		b.metricSnapshot(GaugeSnapshot.builder().name("mobilegt_pool_addresses").help("Addresses of the client pool by state")
				.dataPoint(gaugePoint(pool.used(), "state", "used")).dataPoint(gaugePoint(pool.reserved(), "state", "reserved"))
				.dataPoint(gaugePoint(pool.free(), "state", "free")).build());
		if (pool.subnet6() != null) {
			// a /64's free addresses are too many to count: used and reserved only
			b.metricSnapshot(GaugeSnapshot.builder().name("mobilegt_pool6_addresses").help("Addresses of the IPv6 client pool by state")
					.dataPoint(gaugePoint(pool.used6(), "state", "used")).dataPoint(gaugePoint(pool.reserved6(), "state", "reserved"))
					.build());
		}
		b.metricSnapshot(CounterSnapshot.builder().name("mobilegt_packets").help("Data packets forwarded, by direction")
				.dataPoint(counterPoint(t.rxPackets(), "direction", "from_client"))
				.dataPoint(counterPoint(t.txPackets(), "direction", "to_client")).build());
		b.metricSnapshot(CounterSnapshot.builder().name("mobilegt_bytes").help("Data bytes forwarded, by direction")
				.dataPoint(counterPoint(t.rxBytes(), "direction", "from_client"))
				.dataPoint(counterPoint(t.txBytes(), "direction", "to_client")).build());
		b.metricSnapshot(CounterSnapshot.builder().name("mobilegt_handshakes").help("Handshakes by result")
				.dataPoint(counterPoint(t.handshakesOk(), "result", "ok"))
				.dataPoint(counterPoint(t.handshakesFailed(), "result", "refused")).build());
		b.metricSnapshot(CounterSnapshot.builder().name("mobilegt_keepalives").help("Keepalives by direction")
				.dataPoint(counterPoint(t.keepalivesIn(), "direction", "from_client"))
				.dataPoint(counterPoint(t.keepalivesOut(), "direction", "to_client")).build());
		b.metricSnapshot(CounterSnapshot.builder().name("mobilegt_rehandshake_hints").help("Re-handshake hints sent")
				.dataPoint(counterPoint(t.hints())).build());
		b.metricSnapshot(byReason("mobilegt_drops", "Dropped datagrams and packets by reason", stats.drops()));
		b.metricSnapshot(byReason("mobilegt_illegal_attempts", "Illegal attempts by reason", stats.rejections()));
		HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("mobilegt_processing_seconds")
				.help("Sampled per-packet processing time in the gateway, by direction");
		double[] bounds = new double[BOUNDS_NANOS.length + 1];
		for (int i = 0; i < BOUNDS_NANOS.length; i++) {
			bounds[i] = BOUNDS_NANOS[i] / 1e9;
		}
		bounds[BOUNDS_NANOS.length] = Double.POSITIVE_INFINITY;
		for (Direction d : Direction.values()) {
			Latency l = stats.processingNanos().get(d.name());
			long[] counts = ops.processingTimeCounts(d, BOUNDS_NANOS);
			h.dataPoint(HistogramDataPointSnapshot.builder().classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
					.sum(l == null ? 0 : l.mean() * (double) l.samples() / 1e9)
					.labels(Labels.of("direction", d.name().toLowerCase(Locale.ROOT))).build());
		}
		b.metricSnapshot(h.build());
		return b.build();
	}

	private static GaugeSnapshot gauge(String name, String help, double value) {
		return GaugeSnapshot.builder().name(name).help(help).dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
	}

	private static GaugeDataPointSnapshot gaugePoint(double value, String label, String labelValue) {
		return GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(label, labelValue)).build();
	}

	private static CounterDataPointSnapshot counterPoint(double value, String... labels) {
		return CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
	}

	private static CounterSnapshot byReason(String name, String help, Map<String, Long> counts) {
		CounterSnapshot.Builder c = CounterSnapshot.builder().name(name).help(help);
		counts.forEach((reason, n) -> c.dataPoint(counterPoint(n, "reason", reason.toLowerCase(Locale.ROOT))));
		return c.build();
	}
}
