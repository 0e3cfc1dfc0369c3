package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Benchmark, not a test (surefire does not pick up *Bench): TCP throughput of one TUN-mode client
 * through the gateway (iperf3, phone to inet host) without capture and with the built-in pcap
 * writer capturing that session, alternating, RUNS times each; prints the medians and the ratio.
 *
 * <pre>
 * mvn -B package -DskipTests &amp;&amp; mvn -B test -pl gateway.e2e -am -Dtest=CaptureCostBench -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@RequiresRoot
class CaptureCostBench {

	private static final String SECRET = "s3cret";
	private static final int RUNS = Integer.getInteger("mobilegt.bench.runs", 5);
	private static final int SECONDS = Integer.getInteger("mobilegt.bench.seconds", 10);
	private static final int PORT = 5201;

	@Test
	@Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES)
	void builtinCaptureCostOnOneSession() {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "CaptureCostBench/iperf3").conf("mobilegt.auth", Map.of("key", SECRET))
						.conf("mobilegt.capture", Map.of("mode", "demand", "method", "builtin", "maxBytes", "0", "maxTotalBytes", "0"))
						.interactive().start();
				Background iperf = Servers.iperf3Server(t.inet(), PORT)) {
			InetSocketAddress server = gw.awaitTunnel(Duration.ofSeconds(60));
			try (ToyVpnClient client = ToyVpnClient.withTun(t.phone(), server, "mgtc0", SECRET, "bench")) {
				iperf3(t); // warm-up: JIT, socket buffers
				List<Double> plain = new ArrayList<>();
				List<Double> captured = new ArrayList<>();
				for (int i = 0; i < RUNS; i++) {
					plain.add(iperf3(t));
					assertThat(gw.gogo("vpn:capture start bench")).contains("(builtin");
					captured.add(iperf3(t));
					assertThat(gw.gogo("vpn:capture stop bench")).isEqualTo("capture of bench stopped");
					E2e.log(String.format(Locale.ROOT, "run %d: %.1f Mbit/s without capture, %.1f Mbit/s with", i + 1, plain.get(i),
							captured.get(i)));
				}
				double p = median(plain);
				double c = median(captured);
				E2e.log(String.format(Locale.ROOT, "iperf3 TCP %d s x %d runs, one TUN-mode client: median %.1f Mbit/s without capture, "
						+ "%.1f Mbit/s with the built-in capture (%.1f%% of it); runs %s vs %s", SECONDS, RUNS, p, c, 100 * c / p, plain,
						captured));
				gw.log().stream().filter(l -> l.contains("Built-in capture of session")).forEach(E2e::log);
			}
		}
	}

	/** One iperf3 run from the phone to the inet host, through the tunnel: received Mbit/s. */
	private static double iperf3(Topology t) {
		Exec.Result r = Netns.exec(t.phone(), Duration.ofSeconds(SECONDS + 30), "iperf3", "-c", t.inetAddress(), "-p",
				Integer.toString(PORT), "-t", Integer.toString(SECONDS), "-J");
		assertThat(r.ok()).as("%s", r).isTrue();
		// "sum_received": { ... "bits_per_second": N ... }
		Matcher m = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)").matcher(r.out());
		assertThat(m.find()).as("iperf3 JSON: %s", r.out()).isTrue();
		return Double.parseDouble(m.group(1)) / 1e6;
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		int n = sorted.size();
		return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}
}
