package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Hot updates of every gateway bundle while clients carry traffic: a ping every 10 ms through one
 * client and a paced TCP stream through another. Each update must keep the sessions (same session
 * ids, addresses and endpoints, counters carried on), need no new handshake, leave the TUN device
 * in place and the TCP connection intact; what it costs is measured as ping requests lost and the
 * longest silence of forwarding: between ping replies (each a round trip through the tunnel, both
 * directions) and between arrivals of the TCP stream (its data downlink, its ACKs uplink: a lost
 * packet shows as a retransmission's delay). The larger of the two is the update's silence. All is
 * printed as a table ({@code MEASURED ...}) and written to {@code target/e2e/HotUpdateTest/<test>/figures.txt}.
 * <p>
 * In the runnable jar the bundles were installed from locations inside it ({@code jar/x.jar}), so
 * Gogo's plain {@code update <id>} has nowhere to read from; {@code update <id> <url>} names the
 * new jar. Here it is the bundle's own jar, extracted from gateway.jar: the update changes no code
 * but swaps everything a real one would.
 */
@RequiresRoot
class HotUpdateTest {

	/** In the order of the issue: the data path first, then what only handshakes or operators use. */
	private static final List<String> MODULES = List.of("tunnel.udp", "session.manager", "auth.keycheck", "capture.hook",
			"tun.driver", "gateway.app");
	private static final String BSN_PREFIX = "org.mobilegt.gateway.";
	private static final Duration PING_INTERVAL = Duration.ofMillis(10);
	private static final long STREAM_BYTES_PER_SECOND = 1_000_000;
	private static final int STREAM_PORT = 5301;
	/** Generous: an update costs a fraction of a second; more means forwarding broke. */
	private static final Duration MAX_GAP = Duration.ofSeconds(3);
	/** Waiting after each update, so that what follows is measured apart from it. */
	private static final Duration SETTLE = Duration.ofMillis(1500);
	/** The gap is looked for until this long after the command returned (a late effect would show). */
	private static final long GAP_TAIL_MILLIS = 500;
	private static final String CONSOLE_PASSWORD = "e2e-console";

	/**
	 * One measured update; {@code tookMillis}: from the request until the update was done;
	 * {@code streamStallMillis}: the TCP stream's longest stall around it, -1 when not measured.
	 */
	record Measured(String bundle, String how, long tookMillis, PingLog.Gap gap, Duration interval, long streamStallMillis) {

		/** The longest forwarding silence: of the ping or of the stream. */
		long silenceMillis() {
			return Math.max(Math.round(gap.silenceMillis()), streamStallMillis);
		}

		String row() {
			return String.format(Locale.ROOT, "%-16s %-12s %8d %10d %10.0f %12.0f %12s %10d", bundle, how, tookMillis, gap.lost(),
					gap.lossMillis(interval), gap.silenceMillis(), streamStallMillis < 0 ? "-" : Long.toString(streamStallMillis),
					silenceMillis());
		}

		static String header() {
			return String.format(Locale.ROOT, "%-16s %-12s %8s %10s %10s %12s %12s %10s", "bundle", "via", "took ms", "pings lost",
					"loss ms", "ping gap ms", "tcp stall ms", "silence ms");
		}
	}

	@Test
	void everyBundleInTurnUnderTrafficKeepsSessionsAndConnections() throws IOException {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "HotUpdateTest/gogo").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			// the streamer's TUN comes first: unbound traffic (the Java TCP socket) takes its routes
			try (ToyVpnClient streamer = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "streamer");
					ToyVpnClient pinger = ToyVpnClient.withTun(t.phone(), server, "mgtc1", KEY, "pinger");
					TcpStream stream = TcpStream.start(t.phone(), t.inet(), t.inetAddress(), STREAM_PORT, STREAM_BYTES_PER_SECOND);
					PingLog ping = PingLog.start(t.phone(), pinger.tunName(), t.inetAddress(), PING_INTERVAL, Duration.ofMinutes(4))) {
				assertThat(ping.awaitReplyAfter(System.currentTimeMillis(), Duration.ofSeconds(10))).as("ping through %s: %s", pinger,
						ping.tail()).isTrue();
				assertThat(stream.awaitProgress(100_000, Duration.ofSeconds(10))).as("TCP stream through %s", streamer).isTrue();

				Background forwarding = HostStateTest.watchForwarding(t);
				List<VpnShell.Client> initial = VpnShell.clients(gw);
				assertThat(initial).extracting(VpnShell.Client::clientId).containsExactlyInAnyOrder("streamer", "pinger");
				long handshakes = VpnShell.stats(gw).totals().handshakesOk();
				int ifindex = tunIndex(t);
				Map<String, Gateway.Bundle> bundles = gw.bundles();

				List<Measured> table = new ArrayList<>();
				List<VpnShell.Client> before = initial;
				VpnShell.Totals totalsBefore = VpnShell.stats(gw).totals();
				for (String module : MODULES) {
					Gateway.Bundle bundle = bundles.get(BSN_PREFIX + module);
					assertThat(bundle).as("bundle %s in %s", module, bundles.keySet()).isNotNull();
					long modified = gw.lastModified(bundle.id());
					String url = gw.embeddedBundle(module).toUri().toString();

					long t0 = System.currentTimeMillis();
					String out = gw.gogo("update " + bundle.id() + " " + url);
					long t1 = System.currentTimeMillis();
					assertThat(out).as("update %s", module).isBlank();
					assertThat(gw.lastModified(bundle.id())).as("%s was updated", module).isGreaterThan(modified);
					assertThat(gw.bundles().get(BSN_PREFIX + module).state()).as("state of %s", module).isEqualTo("Active");

					PingLog.Gap gap = settle(ping, t0, t1);
					assertThat(stream.awaitProgress(1, MAX_GAP)).as("TCP stream after updating %s", module).isTrue();
					Measured m = new Measured(module, "gogo update", t1 - t0, gap, PING_INTERVAL,
							stream.stall(t0, t1 + GAP_TAIL_MILLIS));
					table.add(m);
					E2e.log("updated " + module + " in " + (t1 - t0) + " ms: " + gap + "; TCP stream stalled " + m.streamStallMillis()
							+ " ms");

					List<VpnShell.Client> after = clientsAfter(gw, module);
					assertSameSessions(module, before, after);
					VpnShell.Totals totals = VpnShell.stats(gw).totals();
					assertThat(totals.rxPackets()).as("packets from clients after updating %s", module)
							.isGreaterThan(totalsBefore.rxPackets());
					assertThat(totals.txPackets()).as("packets to clients after updating %s", module)
							.isGreaterThan(totalsBefore.txPackets());
					totalsBefore = totals;
					assertThat(tunIndex(t)).as("ifindex of mgt0 after updating %s", module).isEqualTo(ifindex);
					assertThat(stream.awaitProgress(100_000, Duration.ofSeconds(10))).as("TCP stream after updating %s", module)
							.isTrue();
					before = after;
				}

				TcpStream.Outcome outcome = stream.finish(Duration.ofSeconds(30));
				List<String> figures = new ArrayList<>();
				figures.add("hot updates under traffic: ping every " + PING_INTERVAL.toMillis() + " ms through " + pinger.tunName()
						+ ", TCP stream of " + STREAM_BYTES_PER_SECOND + " B/s through " + streamer.tunName());
				figures.add(Measured.header());
				table.forEach(m -> figures.add(m.row()));
				figures.add("TCP stream: " + outcome);
				figures.add("clients: " + streamer + "; " + pinger);
				figures.forEach(f -> E2e.log("MEASURED " + f));
				Files.write(gw.workDir().resolve("figures.txt"), figures);

				assertThat(outcome.intact()).as("the TCP stream across all updates: %s", outcome).isTrue();
				assertThat(table).allSatisfy(m -> assertThat(m.silenceMillis()).as("silence while updating %s", m.bundle())
						.isLessThan(MAX_GAP.toMillis()));
				assertThat(VpnShell.stats(gw).totals().handshakesOk()).as("handshakes: nobody had to connect again")
						.isEqualTo(handshakes);
				assertThat(streamer.rehandshakeHintsReceived() + pinger.rehandshakeHintsReceived()).as("re-handshake hints")
						.isZero();
				assertNothingDuplicated(t);
				assertThat(forwarding.output()).as("ip_forward while updating (sampled every 10 ms)").doesNotContain("ip_forward=");
			}
		}
	}

	@Test
	void anUploadOnTheWebConsolesBundlesPageUpdatesTheTunnelInPlace() throws IOException {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "HotUpdateTest/webConsole").conf("mobilegt.console", Map.of("password", CONSOLE_PASSWORD))
						.start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			gw.awaitConsole(Duration.ofSeconds(30));
			try (ToyVpnClient pinger = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "pinger");
					PingLog ping = PingLog.start(t.phone(), pinger.tunName(), t.inetAddress(), PING_INTERVAL, Duration.ofMinutes(2))) {
				assertThat(ping.awaitReplyAfter(System.currentTimeMillis(), Duration.ofSeconds(10))).as(ping.tail()).isTrue();
				List<VpnShell.Client> before = VpnShell.clients(gw);
				Gateway.Bundle tunnel = gw.bundles().get(BSN_PREFIX + "tunnel.udp");
				long modified = gw.lastModified(tunnel.id());
				Path jar = gw.embeddedBundle("tunnel.udp");

				// what the page's "Install/Update" dialog posts for a bundle chosen by id: the console
				// updates it from the upload in the background and answers with a redirect to the page
				int mark = gw.logMark();
				long t0 = System.currentTimeMillis();
				Http.Response response = gw.upload("/system/console/bundles", "admin", CONSOLE_PASSWORD,
						Map.of("action", "install", "uploadid", Long.toString(tunnel.id())), "bundlefile", jar);
				assertThat(response.status()).as("POST %s: %s", jar.getFileName(), response.body()).isIn(200, 302);
				gw.awaitLog("Tunnel stopped", mark, Duration.ofSeconds(30));
				gw.awaitTunnelAfter(mark, Duration.ofSeconds(30));
				long t1 = System.currentTimeMillis();

				assertThat(gw.lastModified(tunnel.id())).as("tunnel.udp was updated").isGreaterThan(modified);
				PingLog.Gap gap = settle(ping, t0, t1);
				Measured m = new Measured("tunnel.udp", "web console", t1 - t0, gap, PING_INTERVAL, -1);
				List<String> figures = List.of("hot update through the Web Console (POST /system/console/bundles, action=install, "
						+ "uploadid, bundlefile), ping every " + PING_INTERVAL.toMillis() + " ms", Measured.header(), m.row());
				figures.forEach(f -> E2e.log("MEASURED " + f));
				Files.write(gw.workDir().resolve("figures.txt"), figures);

				assertThat(gap.silenceMillis()).as("silence while updating").isLessThan(MAX_GAP.toMillis());
				assertSameSessions("tunnel.udp", before, VpnShell.clients(gw));
				assertThat(pinger.rehandshakeHintsReceived()).as("re-handshake hints").isZero();
				assertThat(gw.bundles().keySet().stream().filter(b -> b.equals(BSN_PREFIX + "tunnel.udp"))).as("installed once")
						.hasSize(1);
			}
		}
	}

	/**
	 * Waits until ping replies again after an update that ran from {@code t0} to {@code t1}, and a
	 * little longer so that the next update is measured apart; the gap around it.
	 */
	static PingLog.Gap settle(PingLog ping, long t0, long t1) {
		long end = t1 + GAP_TAIL_MILLIS;
		assertThat(ping.awaitReplyAfter(end, MAX_GAP.plusSeconds(10))).as("ping replies after the update: %s", ping.tail()).isTrue();
		Sleep.millis(SETTLE.toMillis());
		return ping.gap(t0, end);
	}

	/** The sessions after an update: the vpn: commands are back at once, except while gateway.app itself restarts. */
	private static List<VpnShell.Client> clientsAfter(Gateway gw, String module) {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (true) {
			try {
				return VpnShell.clients(gw);
			} catch (AssertionError e) {
				if (System.nanoTime() > deadline) {
					throw new AssertionError("vpn:clients after updating " + module + ": " + e.getMessage(), e);
				}
				Sleep.millis(200);
			}
		}
	}

	private static void assertSameSessions(String module, List<VpnShell.Client> before, List<VpnShell.Client> after) {
		Map<Long, VpnShell.Client> now = after.stream().collect(Collectors.toMap(VpnShell.Client::id, Function.identity()));
		assertThat(now.keySet()).as("session ids after updating %s", module)
				.containsExactlyInAnyOrderElementsOf(before.stream().map(VpnShell.Client::id).toList());
		for (VpnShell.Client b : before) {
			VpnShell.Client a = now.get(b.id());
			assertThat(a.clientId()).as("client id of session %d after updating %s", b.id(), module).isEqualTo(b.clientId());
			assertThat(a.address()).as("address of %s after updating %s", b.clientId(), module).isEqualTo(b.address());
			assertThat(a.endpoint()).as("endpoint of %s after updating %s", b.clientId(), module).isEqualTo(b.endpoint());
			assertThat(a.since()).as("since of %s after updating %s", b.clientId(), module).isEqualTo(b.since());
			// carried on, not reset: only ever growing, and the traffic meanwhile shows
			assertThat(a.rxPackets()).as("rx packets of %s after updating %s", b.clientId(), module).isGreaterThan(b.rxPackets());
			assertThat(a.txPackets()).as("tx packets of %s after updating %s", b.clientId(), module).isGreaterThan(b.txPackets());
			assertThat(a.rxBytes()).as("rx bytes of %s after updating %s", b.clientId(), module).isGreaterThan(b.rxBytes());
		}
	}

	/** The interface index of the gateway's TUN device: the same index is the same device. */
	static int tunIndex(Topology t) {
		String line = Netns.exec(t.gw(), "ip", "-o", "link", "show", "mgt0").check().out().strip();
		return Integer.parseInt(line.substring(0, line.indexOf(':')));
	}

	/**
	 * Exactly one route to the client subnet, one IPv6 address on the device (subnet6 is 'auto' by
	 * default) and one NAT table with one masquerade rule per family: an update re-installs, never adds.
	 */
	static void assertNothingDuplicated(Topology t) {
		assertThat(Netns.exec(t.gw(), "ip", "route", "show", "10.77.0.0/16").check().out().strip().lines())
				.as("routes to the client subnet").containsExactly("10.77.0.0/16 dev mgt0 scope link");
		assertThat(Netns.exec(t.gw(), "ip", "-6", "-o", "addr", "show", "dev", "mgt0", "scope", "global").check().out()
				.strip().lines()).as("the gateway's IPv6 address").singleElement().asString().containsPattern("inet6 fd[0-9a-f:]+::1/64 ");
		assertThat(Netns.exec(t.gw(), "nft", "list", "tables").check().out().strip().lines()).as("nft tables")
				.containsExactly("table inet mobilegt_mgt0");
		assertThat(Netns.exec(t.gw(), "nft", "list", "table", "inet", "mobilegt_mgt0").check().out().lines()
				.filter(l -> l.contains("masquerade")).map(l -> l.strip().replaceAll("saddr \\S+", "saddr *")))
				.as("masquerade rules").containsExactly("ip saddr * oifname != \"mgt0\" masquerade",
						"ip6 saddr * oifname != \"mgt0\" masquerade");
	}
}
