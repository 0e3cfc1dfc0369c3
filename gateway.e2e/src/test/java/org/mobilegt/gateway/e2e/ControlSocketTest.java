package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The operator's CLI, {@code scripts/mobilegt}, against a headless gateway (no Gogo shell on a
 * terminal: the service case) over its control socket: output, exit statuses, JSON, the vpn:
 * commands that change things, and who may connect.
 */
@RequiresRoot
class ControlSocketTest {

	private static final Path CLI = Path.of(System.getProperty("mobilegt.cli", "../scripts/mobilegt")).toAbsolutePath().normalize();
	private static final Duration CLI_TIMEOUT = Duration.ofSeconds(30);

	@Test
	void cliRunsEveryKindOfCommandWithExitStatusesAndJsonErrors() throws Exception {
		// a directory anyone may enter, so that only the socket's own mode keeps other accounts out
		Path dir = Files.createTempDirectory("mgt-" + ProcessHandle.current().pid() + "-ctl");
		Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path sock = dir.resolve("control.sock");
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "ControlSocketTest/cli").conf("mobilegt.auth", Map.of("key", KEY))
						.jvmArgs("-Dmobilegt.control=" + sock).start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			awaitSocket(gw, sock);

			boolean group = Exec.run(CLI_TIMEOUT, "getent", "group", "mobilegt").ok();
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).as("socket mode")
					.isEqualTo(group ? "rw-rw----" : "rw-------");
			assertThat(dir.toFile().list()).as("no temporary file or directory left next to the socket").containsExactly("control.sock");
			assertThat(Files.getOwner(sock).getName()).isEqualTo("root");

			Exec.Result status = cli(t, sock, "vpn:status");
			assertThat(status.exitCode()).as(status.toString()).isZero();
			assertThat(status.out()).contains("serving   yes").contains("listening on [::]:" + Gateway.DEFAULT_TUNNEL_PORT);
			assertThat(json(cli(t, sock, "vpn:status", "--json"), 0).getAsJsonObject().get("serving").getAsBoolean()).isTrue();
			assertThat(cli(t, sock, "help").out()).as("Gogo's own commands too").contains("vpn:kick", "lb");

			Exec.Result unknown = cli(t, sock, "vpn:nonesuch");
			assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(1);
			assertThat(unknown.out()).contains("vpn:nonesuch");
			assertError(json(cli(t, sock, "vpn:nonesuch", "--json"), 1));

			// a refused vpn:set: non-zero, the reason, and the running value stays
			Exec.Result refused = cli(t, sock, "vpn:set", "mobilegt.tunnel", "port", "70000");
			assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
			assertThat(refused.out()).contains("nothing changed");
			assertError(json(cli(t, sock, "vpn:set", "--json", "mobilegt.tunnel", "port", "70000"), 1));
			Exec.Result applied = cli(t, sock, "vpn:set", "mobilegt.sessions", "maxClients", "50");
			assertThat(applied.exitCode()).as(applied.toString()).isZero();
			assertThat(applied.out()).contains("applied");
			assertThat(json(cli(t, sock, "vpn:set", "--json", "mobilegt.sessions", "maxClients", "60"), 0).getAsJsonObject()
					.get("ok").getAsBoolean()).isTrue();
			assertThat(gw.awaitConf("mobilegt.sessions", "maxClients", "60", START)).containsEntry("maxClients", "60");
			// an argument with spaces and quotes reaches the command as one value
			assertThat(cli(t, sock, "vpn:client", "bob's \"phone\" $HOME").out().strip()).isEqualTo("no client bob's \"phone\" $HOME");

			// a client to look at, capture and kick
			try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
				String address = alice.handshake(KEY, "alice").address();
				JsonElement clients = json(cli(t, sock, "vpn:clients", "--json"), 0);
				assertThat(clients.getAsJsonArray()).hasSize(1);
				assertThat(json(cli(t, sock, "vpn:client", "--json", "alice"), 0).getAsJsonObject().get("address").getAsString())
						.isEqualTo(address);
				assertError(json(cli(t, sock, "vpn:client", "--json", "bob"), 1));
				for (String cmd : List.of("vpn:stats", "vpn:pool", "vpn:illegal", "vpn:config")) {
					json(cli(t, sock, cmd, "--json"), 0);
				}

				assertThat(cli(t, sock, "vpn:set", "mobilegt.capture", "method", "builtin").exitCode()).isZero();
				assertThat(cli(t, sock, "vpn:set", "mobilegt.capture", "mode", "demand").exitCode()).isZero();
				JsonObject capture = json(cli(t, sock, "vpn:capture", "--json", "start", "alice"), 0).getAsJsonObject();
				assertThat(capture.get("method").getAsString()).isEqualTo("builtin");
				assertThat(json(cli(t, sock, "vpn:capture", "--json"), 0).getAsJsonObject().getAsJsonArray("captures")).hasSize(1);
				assertThat(cli(t, sock, "vpn:capture", "stop", "alice").exitCode()).isZero();
				assertError(json(cli(t, sock, "vpn:capture", "--json", "stop", "alice"), 1));

				assertError(json(cli(t, sock, "vpn:kick", "--json", "bob"), 1));
				Exec.Result kick = cli(t, sock, "vpn:kick", "alice");
				assertThat(kick.exitCode()).as(kick.toString()).isZero();
				assertThat(kick.out()).startsWith("kicked session");
				assertThat(json(cli(t, sock, "vpn:clients", "--json"), 0).getAsJsonArray()).isEmpty();
			}

			// another account cannot connect at all (it runs a copy of the CLI it can read, with the system python)
			Path copy = Files.copy(CLI, dir.resolve("mobilegt"));
			Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
			List<String> nobody = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
					"/usr/bin/python3", copy.toString(), "--socket", sock.toString(), "vpn:status"));
			Exec.Result refusedUser = Exec.run(CLI_TIMEOUT, nobody);
			assertThat(refusedUser.exitCode()).as(refusedUser.toString()).isEqualTo(2);
			assertThat(refusedUser.err()).contains("Permission denied");

			Files.delete(copy);

			gw.stop();
			assertThat(sock).as("the socket goes with the gateway").doesNotExist();
		} finally {
			Files.deleteIfExists(dir.resolve("mobilegt"));
			Files.deleteIfExists(sock);
			Files.deleteIfExists(dir);
		}
	}

	@Test
	void aSocketLeftByAKilledGatewayIsReplacedAndASilentClientIsDropped() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Gateway.in(t, "ControlSocketTest/stale").start()) {
			Path sock = gw.workDir().resolve("control.sock");
			awaitSocket(gw, sock);
			gw.kill9();
			assertThat(sock).as("left behind by SIGKILL").exists();

			gw.start();
			long deadline = System.nanoTime() + START.toNanos();
			Exec.Result status;
			while ((status = cli(t, sock, "vpn:status")).exitCode() != 0 && System.nanoTime() < deadline) {
				Sleep.millis(200);
			}
			assertThat(status.exitCode()).as("the restarted gateway answers on the same path: %s", status).isZero();

			// a client that connects and says nothing is dropped after a while; the socket keeps serving
			Exec.Result silent = Netns.exec(t.gw(), Duration.ofSeconds(30), "python3", "-c",
					"import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(len(s.recv(100)))", sock.toString());
			assertThat(silent.out().strip()).as(silent.toString()).isEqualTo("0");
			assertThat(cli(t, sock, "vpn:status").exitCode()).isZero();
		}
	}

	/** Bound once gateway.app is active: polled, as its log line may come before the log configuration. */
	static void awaitSocket(Gateway gw, Path sock) {
		long deadline = System.nanoTime() + START.toNanos();
		while (!Files.exists(sock)) {
			if (System.nanoTime() > deadline || !gw.running()) {
				throw new AssertionError("no control socket " + sock + " within " + START);
			}
			Sleep.millis(100);
		}
	}

	static Exec.Result cli(Topology t, Path sock, String... command) {
		List<String> argv = new ArrayList<>(List.of("python3", CLI.toString(), "--socket", sock.toString()));
		argv.addAll(List.of(command));
		return Netns.exec(t.gw(), CLI_TIMEOUT, argv.toArray(String[]::new));
	}

	/** The output as JSON, after checking the exit status. */
	private static JsonElement json(Exec.Result r, int exitCode) {
		assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
		return JsonParser.parseString(r.out());
	}

	private static void assertError(JsonElement e) {
		assertThat(e.isJsonObject()).as("%s", e).isTrue();
		assertThat(e.getAsJsonObject().keySet()).as("%s", e).containsExactly("error");
		assertThat(e.getAsJsonObject().get("error").getAsString()).isNotBlank();
	}

}
