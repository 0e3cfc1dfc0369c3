package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * The whole gateway restarts: once cleanly (SIGTERM, then start in the same working directory) and
 * once after a crash ({@code kill -9}). The clients keep their sockets and keep sending; the
 * restarted gateway knows their leases and recent endpoints, tells them to handshake again, and
 * they come back with the same addresses. Routes and NAT are never duplicated, and after the final
 * SIGTERM nothing the gateway added is left. The outages are measured with a ping every 50 ms.
 */
@RequiresRoot
class RestartTest {

	private static final Duration PING_INTERVAL = Duration.ofMillis(50);
	/** A restart is a JVM start: seconds, more on a loaded machine. */
	private static final Duration BACK = Duration.ofSeconds(60);

	@Test
	void cleanRestartAndCrashBothBringTheClientsBackWithTheirAddresses() throws IOException {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "RestartTest/restarts").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			long started = System.currentTimeMillis();
			try (ToyVpnClient alice = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "alice").rehandshakeOnHint(true);
					ToyVpnClient anonymous = ToyVpnClient.withTun(t.phone(), server, "mgtc1", KEY, null).rehandshakeOnHint(true);
					PingLog ping = PingLog.start(t.phone(), alice.tunName(), t.inetAddress(), PING_INTERVAL, Duration.ofMinutes(4))) {
				String aliceAddress = alice.parameters().address();
				String anonymousAddress = anonymous.parameters().address();
				assertThat(ping.awaitReplyAfter(System.currentTimeMillis(), Duration.ofSeconds(10))).as(ping.tail()).isTrue();
				assertThat(Scenarios.ping(t.phone(), anonymous.tunName(), t.inetAddress(), 3).out()).contains(Scenarios.allReplied(3));
				awaitSessionsSaved(gw, started, 2);
				List<String> figures = new ArrayList<>();

				// 1. SIGTERM: everything the gateway added goes; a start in place restores the leases
				long t0 = System.currentTimeMillis();
				assertThat(gw.stop()).as("exit code after SIGTERM").isEqualTo(143);
				assertNothingLeft(t);
				gw.start();
				gw.awaitTunnel(BACK);
				long t1 = System.currentTimeMillis();
				assertLeasesRestored(gw, aliceAddress, anonymousAddress);
				comeBack(t, gw, alice, anonymous, aliceAddress, anonymousAddress, 1);
				figures.add(outage("SIGTERM + start", ping, t0, t1));

				// 2. kill -9: the route and NAT stay behind; the next start takes them over, no duplicates
				awaitSessionsSaved(gw, t1, 2);
				t0 = System.currentTimeMillis();
				gw.kill9();
				assertThat(Netns.exec(t.gw(), "ip", "route", "show", "10.77.0.0/16").out()).as("a crash leaves the route")
						.contains("dev mgt0");
				gw.start();
				gw.awaitTunnel(BACK);
				t1 = System.currentTimeMillis();
				HotUpdateTest.assertNothingDuplicated(t);
				assertLeasesRestored(gw, aliceAddress, anonymousAddress);
				comeBack(t, gw, alice, anonymous, aliceAddress, anonymousAddress, 2);
				figures.add(outage("kill -9 + start", ping, t0, t1));
				HotUpdateTest.assertNothingDuplicated(t);

				figures.add("clients: " + alice + "; " + anonymous);
				figures.forEach(f -> E2e.log("MEASURED " + f));
				Files.write(gw.workDir().resolve("figures.txt"), figures);

				// 3. the final SIGTERM leaves nothing behind but the persistent device
				assertThat(gw.stop()).isEqualTo(143);
				assertNothingLeft(t);
				assertThat(Netns.exec(t.gw(), "ip", "-o", "link", "show", "mgt0").out()).as("the persistent TUN device")
						.contains("mgt0");
			}
		}
	}

	/**
	 * Both clients send again until each got a hint, handshook again and answers pings; same
	 * addresses, {@code hints} hints at least each (one per restart).
	 */
	private static void comeBack(Topology t, Gateway gw, ToyVpnClient alice, ToyVpnClient anonymous, String aliceAddress,
			String anonymousAddress, int hints) {
		for (ToyVpnClient c : List.of(alice, anonymous)) {
			long deadline = System.nanoTime() + BACK.toNanos();
			Exec.Result ping;
			do {
				ping = Scenarios.ping(t.phone(), c.tunName(), t.inetAddress(), 3);
			} while (!ping.out().contains(Scenarios.allReplied(3)) && System.nanoTime() < deadline);
			assertThat(ping.out()).as("ping through %s after the restart: %s", c, ping).contains(Scenarios.allReplied(3));
			assertThat(c.rehandshakeHintsReceived()).as("re-handshake hints at %s", c).isGreaterThanOrEqualTo(hints);
		}
		assertThat(alice.parameters().address()).as("alice's address after the restart").isEqualTo(aliceAddress);
		assertThat(anonymous.parameters().address()).as("the anonymous client's address after the restart")
				.isEqualTo(anonymousAddress);
		assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::address).containsExactlyInAnyOrder(aliceAddress,
				anonymousAddress);
	}

	/** Right after the start, before any client is back: their addresses are reserved for them. */
	private static void assertLeasesRestored(Gateway gw, String aliceAddress, String anonymousAddress) {
		VpnShell.Pool pool = VpnShell.pool(gw);
		assertThat(pool.leases()).filteredOn(l -> "alice".equals(l.clientId())).singleElement()
				.satisfies(l -> assertThat(l.address()).isEqualTo(aliceAddress));
		assertThat(pool.leases()).filteredOn(l -> l.clientId() == null).singleElement()
				.satisfies(l -> assertThat(l.address()).isEqualTo(anonymousAddress));
	}

	private static void assertNothingLeft(Topology t) {
		assertThat(Netns.exec(t.gw(), "ip", "route", "show", "10.77.0.0/16").check().out()).as("route after SIGTERM").isBlank();
		assertThat(Netns.exec(t.gw(), "nft", "list", "tables").check().out()).as("nft tables after SIGTERM")
				.doesNotContain("mobilegt");
	}

	/**
	 * Waits until session.manager's state file, written after {@code sinceMillis}, holds
	 * {@code sessions} live sessions (it saves at most once a second after a change): what a crash
	 * leaves is what it wrote last.
	 */
	private static void awaitSessionsSaved(Gateway gw, long sinceMillis, int sessions) {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		String last = "no sessions.json";
		while (System.nanoTime() < deadline) {
			Path state = stateFile(gw);
			try {
				if (state != null) {
					last = Files.readString(state);
					JsonObject saved = JsonParser.parseString(last).getAsJsonObject();
					if (saved.get("savedAt").getAsLong() >= sinceMillis && saved.getAsJsonArray("sessions").size() == sessions) {
						return;
					}
				}
				Thread.sleep(100);
			} catch (IOException | JsonParseException e) {
				last = e.toString(); // read while being replaced: try again
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted", e);
			}
		}
		throw new AssertionError("no sessions.json with " + sessions + " sessions saved after " + sinceMillis + ": " + last);
	}

	private static Path stateFile(Gateway gw) {
		try (Stream<Path> files = Files.walk(gw.workDir().resolve("data"))) {
			return files.filter(p -> p.getFileName().toString().equals("sessions.json")).findFirst().orElse(null);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static String outage(String what, PingLog ping, long t0, long t1) {
		PingLog.Gap gap = ping.gap(t0, t1);
		return String.format(Locale.ROOT, "%s: gateway back after %d ms; ping every %d ms: %d lost (%.0f ms), longest silence %.0f ms",
				what, t1 - t0, PING_INTERVAL.toMillis(), gap.lost(), gap.lossMillis(PING_INTERVAL), gap.silenceMillis());
	}
}
