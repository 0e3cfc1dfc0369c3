package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * What a service's operator and monitoring get: /metrics and /health on their own port, which
 * knows nothing of the console and its credentials; health that follows the TUN device; the
 * connection log of a client that connects, moves and is kicked.
 */
@RequiresRoot
class OperatorDataTest {

	private static final String USER = "operator";
	private static final String PASSWORD = "e2e-Console-pw";
	private static final String TOKEN = "e2e-Scrape-token";
	private static final int PORT = 9464;
	private static final Duration WAIT = Duration.ofSeconds(20);

	@Test
	void metricsAndHealthStandApartFromTheConsoleAndFollowTheTunDevice() throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "OperatorDataTest/metrics").conf("mobilegt.auth", Map.of("key", KEY))
						.conf("mobilegt.console", Map.of("username", USER, "password", PASSWORD)).interactive().start()) {
			gw.awaitTunnel(START);
			gw.awaitConsole(Duration.ofSeconds(30));

			Http.Response scrape = await(t.gw(), "/metrics", null, r -> r.status() == 200);
			assertThat(scrape.body()).contains("mobilegt_sessions", "mobilegt_tun_up 1");
			assertThat(get(t.gw(), "/system/console", null).status()).as("console path on the metrics port").isEqualTo(404);
			assertThat(Http.get(t.gw(), url("/system/console/bundles"), USER, PASSWORD, WAIT).status())
					.as("console path with the console's credentials").isEqualTo(404);
			assertThat(gw.http("/metrics", USER, PASSWORD).status()).as("/metrics on the console's port").isEqualTo(404);

			Http.Response healthy = await(t.gw(), "/health", null, r -> r.status() == 200);
			JsonObject h = JsonParser.parseString(healthy.body()).getAsJsonObject();
			assertThat(h.get("healthy").getAsBoolean()).isTrue();
			assertThat(h.getAsJsonObject("checks").keySet()).containsExactly("tun", "socket", "key", "forwarding");

			long tun = gw.bundles().get("org.mobilegt.gateway.tun.driver").id();
			gw.gogo("stop " + tun);
			Http.Response down = await(t.gw(), "/health", null, r -> r.status() == 503);
			JsonObject d = JsonParser.parseString(down.body()).getAsJsonObject();
			assertThat(d.getAsJsonObject("checks").getAsJsonObject("tun").get("ok").getAsBoolean()).isFalse();
			gw.gogo("start " + tun);
			await(t.gw(), "/health", null, r -> r.status() == 200);

			// a port that cannot be bound (the console's) is refused, and the running server stays
			assertThat(gw.gogo("vpn:set mobilegt.metrics port " + gw.consolePort())).contains("rejected", "the previous value is kept");
			assertThat(get(t.gw(), "/metrics", null).status()).isEqualTo(200);

			// with a token: the token and nothing else, the console's credentials least of all
			assertThat(gw.gogo("vpn:set mobilegt.metrics token " + TOKEN)).contains("applied");
			await(t.gw(), "/metrics", null, r -> r.status() == 403);
			assertThat(Http.get(t.gw(), url("/metrics"), USER, PASSWORD, WAIT).status()).as("console credentials").isEqualTo(403);
			assertThat(get(t.gw(), "/metrics", PASSWORD).status()).as("console password as bearer token").isEqualTo(403);
			assertThat(get(t.gw(), "/metrics", TOKEN).status()).isEqualTo(200);
			assertThat(get(t.gw(), "/system/console", TOKEN).status()).isEqualTo(404);
			assertThat(String.join("\n", gw.log())).doesNotContain(TOKEN);
		}
	}

	@Test
	void theConnectionLogHasTheOpenTheMoveAndTheClose() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "OperatorDataTest/connlog").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			String address;
			int after;
			try (ToyVpnClient first = ToyVpnClient.open(t.phone(), server); ToyVpnClient second = ToyVpnClient.open(t.phone(), server)) {
				address = first.handshake(KEY, "logged").address();
				second.handshake(KEY, "logged");
				after = second.localPort();
				second.send(Packets.icmpEchoRequest(address, t.inetAddress(), 1, 1, "ping".getBytes()));
				second.receive(r -> r.isEchoReply(1, 1), WAIT);
				gw.gogo("vpn:kick logged");
			}
			Path file = gw.workDir().resolve("connections.jsonl");
			List<JsonObject> lines = awaitLines(file, 3);
			assertThat(lines).extracting(o -> o.get("event").getAsString()).containsExactly("open", "roam", "close");
			JsonObject close = lines.get(2);
			assertThat(close.get("client").getAsString()).isEqualTo("logged");
			assertThat(close.get("address").getAsString()).isEqualTo(address);
			assertThat(close.get("endpoint").getAsString()).isEqualTo(t.phoneAddress() + ":" + after);
			assertThat(close.get("reason").getAsString()).isEqualTo("KICKED");
			assertThat(close.get("packets_from_client").getAsLong()).isEqualTo(1);
			assertThat(close.get("packets_to_client").getAsLong()).isEqualTo(1);
			assertThat(close.get("bytes_from_client").getAsLong()).isPositive();
			assertThat(close.has("start") && close.has("duration_s")).isTrue();
			assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
		}
	}

	private static List<JsonObject> awaitLines(Path file, int n) throws Exception {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (true) {
			List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
			if (lines.size() >= n || System.nanoTime() > deadline) {
				return lines.stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
			}
			Sleep.millis(200);
		}
	}

	private static String url(String path) {
		return "http://127.0.0.1:" + PORT + path;
	}

	private static Http.Response get(String ns, String path, String bearer) {
		Map<String, String> headers = bearer == null ? Map.of() : Map.of("Authorization", "Bearer " + bearer);
		return Http.request(ns, "GET", url(path), null, null, headers, null, WAIT);
	}

	/** Polls until {@code done}: the server starts, and health changes, asynchronously. */
	private static Http.Response await(String ns, String path, String bearer, Predicate<Http.Response> done) {
		long deadline = System.nanoTime() + WAIT.toNanos();
		Http.Response last = null;
		while (System.nanoTime() < deadline) {
			try {
				last = get(ns, path, bearer);
				if (done.test(last)) {
					return last;
				}
			} catch (RuntimeException e) {
				// not listening yet
			}
			Sleep.millis(250);
		}
		throw new AssertionError(path + " did not get there within " + WAIT + "; last: " + last);
	}
}
