package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.REPLY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Per-client keys as an operator and an attacker see them: a client with its own key gets in with
 * it; someone holding only the shared key cannot take that client's session; rotating or removing
 * the key ends the session at once and the old key stops working.
 */
@RequiresRoot
class ClientKeysTest {

	private static final Duration REFUSED = Duration.ofMillis(700);

	@Test
	void ownKeyAdmitsHijackWithTheSharedKeyIsRefusedRotateAndRemoveEndTheSession() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "ClientKeysTest/lifecycle").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			String key = keys(gw, "add", "alice");
			Path file = gw.workDir().resolve("conf/clients");
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
			assertThat(Files.readString(file)).contains("alice").doesNotContain(key);
			assertThat(gw.gogo("vpn:keys list")).contains("alice");
			assertThat(gw.gogoJson("vpn:keys --json").getAsJsonArray()).singleElement()
					.satisfies(e -> assertThat(e.getAsJsonObject().get("clientId").getAsString()).isEqualTo("alice"));

			try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server);
					ToyVpnClient mallory = ToyVpnClient.open(t.phone(), server);
					ToyVpnClient legacy = ToyVpnClient.open(t.phone(), server)) {
				String address = alice.handshake(key, "alice").address();
				alice.send(Packets.icmpEchoRequest(address, t.inetAddress(), 1, 1, "own key".getBytes()));
				alice.receive(r -> r.isEchoReply(1, 1), REPLY);

				// the shared key no longer speaks for alice: no reply, no move, a wrong key on record
				int mark = gw.logMark();
				assertThat(mallory.tryHandshake(KEY, "alice", 2, REFUSED)).as("hijack with the shared key").isEmpty();
				assertThat(mallory.tryHandshake(key.substring(1) + "x", "alice", 1, REFUSED)).as("a wrong own key").isEmpty();
				assertThat(VpnShell.clients(gw)).singleElement().satisfies(c -> {
					assertThat(c.clientId()).isEqualTo("alice");
					assertThat(c.endpoint()).isEqualTo(t.phoneAddress() + ":" + alice.localPort());
				});
				assertThat(VpnShell.illegal(gw, 5)).anySatisfy(a -> {
					assertThat(a.reason()).isEqualTo("BAD_KEY");
					assertThat(a.detail()).contains("own key").contains("alice");
					assertThat(a.port()).isEqualTo(mallory.localPort());
				});
				try (var logs = Files.list(gw.workDir().resolve("log"))) {
					for (Path log : logs.toList()) {
						assertThat(Files.readString(log)).as("log file " + log).contains("alice").doesNotContain(key);
					}
				}
				// clients without a key of their own keep the shared key
				assertThat(legacy.handshake(KEY, "bob").address()).isNotEqualTo(address);

				// rotate: the session ends at once, the old key is refused, the new one admits
				mark = gw.logMark();
				String rotated = keys(gw, "rotate", "alice");
				assertThat(rotated).isNotEqualTo(key);
				gw.awaitLog("closed: its key was revoked", mark, REPLY);
				assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::clientId).containsExactly("bob");
				assertThat(alice.tryHandshake(key, "alice", 2, REFUSED)).as("the old key after rotation").isEmpty();
				assertThat(alice.handshake(rotated, "alice").address()).as("same lease with the new key").isEqualTo(address);

				// remove: the session ends, the key is refused, and the id falls back to the shared key
				mark = gw.logMark();
				JsonObject removed = gw.gogoJson("vpn:keys --json remove alice").getAsJsonObject();
				assertThat(removed.get("ok").getAsBoolean()).isTrue();
				gw.awaitLog("Key of client alice removed", mark, REPLY);
				assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::clientId).containsExactly("bob");
				assertThat(alice.tryHandshake(rotated, "alice", 2, REFUSED)).as("a removed key").isEmpty();
				assertThat(gw.gogo("vpn:keys list")).doesNotContain("alice");
				assertThat(gw.gogoJson("vpn:keys --json remove alice").getAsJsonObject().get("ok").getAsBoolean()).isFalse();
			}
		}
	}

	@Test
	void theVpnPageAddsListsAndRotatesKeysBehindItsCsrfDefence() {
		String user = "operator", password = "e2e-Console-pw", vpn = "/system/console/vpn";
		Map<String, String> csrf = Map.of("X-Requested-With", "XMLHttpRequest");
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "ClientKeysTest/page")
						.conf("mobilegt.console", Map.of("username", user, "password", password)).start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			gw.awaitConsole(Duration.ofSeconds(30));
			assertThat(gw.http("POST", vpn + "/keys", user, password, Map.of(), "action=add&client=page-alice").status())
					.as("without X-Requested-With").isEqualTo(403);
			assertThat(gw.http("POST", vpn + "/keys", "admin", "admin", csrf, "action=add&client=page-alice").status())
					.as("admin/admin").isEqualTo(401);
			assertThat(gw.http("POST", vpn + "/keys", user, password, csrf, "action=drop&client=page-alice").status()).isEqualTo(400);
			Http.Response added = gw.http("POST", vpn + "/keys", user, password, csrf, "action=add&client=page-alice");
			assertThat(added.status()).as(added.body()).isEqualTo(200);
			String key = JsonParser.parseString(added.body()).getAsJsonObject().get("key").getAsString();
			assertThat(gw.http(vpn + "/data.json", user, password).body()).contains("\"keys\":[{\"clientId\":\"page-alice\"")
					.doesNotContain(key);
			try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
				alice.handshake(key, "page-alice");
				int mark = gw.logMark();
				Http.Response rotated = gw.http("POST", vpn + "/keys", user, password, csrf, "action=rotate&client=page-alice");
				assertThat(rotated.status()).isEqualTo(200);
				gw.awaitLog("closed: its key was revoked", mark, REPLY);
				assertThat(VpnShell.clients(gw)).isEmpty();
				assertThat(alice.tryHandshake(key, "page-alice", 1, REFUSED)).isEmpty();
			}
		}
	}

	/** {@code vpn:keys add|rotate <id>}: the key it shows once. */
	private static String keys(Gateway gw, String action, String id) {
		JsonObject o = gw.gogoJson("vpn:keys --json " + action + " " + id).getAsJsonObject();
		assertThat(o.get("ok").getAsBoolean()).as(o.toString()).isTrue();
		return o.get("key").getAsString();
	}
}
