package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A quick measurement, not a benchmark and not an assertion on the figures (bench/ does it
 * properly): ping RTT and iperf3 TCP throughput through the gateway with one TUN-mode client,
 * against the direct path phone to gw without the tunnel. The figures are printed and written to
 * {@code target/e2e/MeasurementTest/quick/figures.txt}; the test fails only if a tool fails.
 */
@RequiresRoot
class MeasurementTest {

	private static final int PINGS = 50;
	private static final int IPERF_SECONDS = 5;
	private static final Pattern RTT = Pattern.compile("rtt min/avg/max/mdev = ([\\d.]+)/([\\d.]+)/([\\d.]+)/([\\d.]+) ms");

	@Test
	void pingAndTcpThroughputThroughTheGatewayVersusDirect() throws IOException {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "MeasurementTest/quick").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			List<String> figures = new ArrayList<>();
			try (ToyVpnClient phone = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "bench");
					Background tunnelled = Servers.iperf3Server(t.inet(), 5201);
					Background direct = Servers.iperf3Server(t.gw(), 5202)) {
				figures.add(rtt("ping phone -> inet through the gateway", ping(t.phone(), "-I", phone.tunName(), t.inetAddress())));
				figures.add(rtt("ping phone -> gw directly (no tunnel)", ping(t.phone(), t.gwAddress())));
				String address = phone.parameters().address();
				figures.add(iperf3("iperf3 TCP phone -> inet through the gateway",
						Netns.exec(t.phone(), Duration.ofSeconds(IPERF_SECONDS + 30), "iperf3", "-c", t.inetAddress(), "-p", "5201",
								"-B", address, "-t", Integer.toString(IPERF_SECONDS), "-O", "1", "-J")));
				figures.add(iperf3("iperf3 TCP inet -> phone through the gateway (-R)",
						Netns.exec(t.phone(), Duration.ofSeconds(IPERF_SECONDS + 30), "iperf3", "-c", t.inetAddress(), "-p", "5201",
								"-B", address, "-t", Integer.toString(IPERF_SECONDS), "-O", "1", "-R", "-J")));
				figures.add(iperf3("iperf3 TCP phone -> gw directly (no tunnel)",
						Netns.exec(t.phone(), Duration.ofSeconds(IPERF_SECONDS + 30), "iperf3", "-c", t.gwAddress(), "-p", "5202",
								"-t", Integer.toString(IPERF_SECONDS), "-O", "1", "-J")));
				figures.add("client: " + phone);
				VpnShell.Stats stats = VpnShell.stats(gw);
				figures.add("gateway: " + stats.totals() + ", drops " + stats.drops());
				figures.add("UDP counters in the phone namespace: " + udpCounters(t.phone()));
				figures.add("UDP counters in the gw namespace: " + udpCounters(t.gw()));
				figures.add("vpn:stats\n" + gw.gogo("vpn:stats"));
			}
			figures.forEach(f -> E2e.log("MEASURED " + f));
			Files.write(gw.workDir().resolve("figures.txt"), figures);
		}
	}

	/** {@code ping -q} at 20 per second: the summary line is all that is needed. */
	private static Exec.Result ping(String ns, String... target) {
		List<String> cmd = new ArrayList<>(List.of("ping", "-n", "-q", "-c", Integer.toString(PINGS), "-i", "0.05", "-W", "2"));
		cmd.addAll(List.of(target));
		return Netns.exec(ns, Duration.ofSeconds(30), cmd.toArray(String[]::new));
	}

	/** The kernel's UDP counters (/proc/net/snmp) of {@code ns}: where datagrams were lost, if they were. */
	private static String udpCounters(String ns) {
		List<String> udp = Netns.exec(ns, "cat", "/proc/net/snmp").check().out().lines().filter(l -> l.startsWith("Udp: ")).toList();
		if (udp.size() < 2) {
			return "(none)";
		}
		String[] names = udp.get(0).split("\\s+");
		String[] values = udp.get(1).split("\\s+");
		StringBuilder sb = new StringBuilder();
		for (int i = 1; i < Math.min(names.length, values.length); i++) {
			sb.append(i > 1 ? ", " : "").append(names[i]).append(' ').append(values[i]);
		}
		return sb.toString();
	}

	private static String rtt(String what, Exec.Result ping) {
		assertThat(ping.ok()).as("%s", ping).isTrue();
		Matcher m = RTT.matcher(ping.out());
		assertThat(m.find()).as("rtt summary in %s", ping).isTrue();
		return String.format(Locale.ROOT, "%s: rtt avg %s ms (min %s, max %s, mdev %s), %d pings", what, m.group(2), m.group(1),
				m.group(3), m.group(4), PINGS);
	}

	private static String iperf3(String what, Exec.Result run) {
		assertThat(run.ok()).as("%s", run).isTrue();
		JsonObject end = JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonObject("end");
		double received = end.getAsJsonObject("sum_received").get("bits_per_second").getAsDouble();
		JsonObject sent = end.getAsJsonObject("sum_sent");
		long retransmits = sent.has("retransmits") ? sent.get("retransmits").getAsLong() : -1;
		return String.format(Locale.ROOT, "%s: %.1f Mbit/s received, %d retransmits, %d s", what, received / 1e6, retransmits,
				IPERF_SECONDS);
	}
}
