package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.ConsoleGuardTest.PASSWORD;
import static org.mobilegt.gateway.e2e.ConsoleGuardTest.USER;
import static org.mobilegt.gateway.e2e.ConsoleGuardTest.XHR;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * A bad value saved through the Web Console's Configuration HTTP API (the request the page sends,
 * with the header that lets it past the CSRF guard) is refused for every gateway PID: 400 with a
 * message naming pid, key, value and rule; the previous configuration keeps running; the file
 * {@code conf/<pid>.cfg} stays byte for byte as it was. Issue 13's finding first: {@code logSize=0}
 * for mobilegt.auth used to be saved and then killed the control workers.
 */
@RequiresRoot
class ConsoleValidationTest {

	private static final int BUSY_PORT = 8091;

	@Test
	void authLogSizeZeroIsRefusedAndHandshakesStillWork() {
		try (Topology t = Topology.create(); Gateway gw = start(t, "auth")) {
			InetSocketAddress server = gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			refused(gw, "mobilegt.auth", "logSize", "0", "is invalid");
			assertThat(gw.gogo("vpn:config mobilegt.auth")).containsPattern("logSize\\s+\\*?\\s*1000\\b");
			// what used to kill the control workers: wrong keys, then a correct handshake must be answered
			try (ToyVpnClient intruder = ToyVpnClient.open(t.phone(), server);
					ToyVpnClient phone = ToyVpnClient.open(t.phone(), server)) {
				for (int i = 0; i < 8; i++) {
					assertThat(intruder.tryHandshake("wrong-" + i, null, 1, Duration.ofMillis(300))).isEmpty();
				}
				assertThat(phone.tryHandshake(KEY, "phone-1", 3, Duration.ofSeconds(2))).as("a correct handshake").isPresent();
			}
			assertThat(gw.log()).noneMatch(l -> l.contains("ArrayIndexOutOfBoundsException"));
		}
	}

	@Test
	void tunnelPortOutOfRangeIsRefused() {
		try (Topology t = Topology.create(); Gateway gw = start(t, "tunnel")) {
			InetSocketAddress server = gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			refused(gw, "mobilegt.tunnel", "port", "70000", "is invalid");
			assertThat(gw.gogo("vpn:status")).contains("listening on [::]:" + Gateway.DEFAULT_TUNNEL_PORT);
			try (ToyVpnClient phone = ToyVpnClient.open(t.phone(), server)) {
				assertThat(phone.tryHandshake(KEY, "phone-1", 3, Duration.ofSeconds(2))).isPresent();
			}
		}
	}

	@Test
	void tunMtuOutOfRangeAndASubnetWithHostBitsAreRefused() {
		try (Topology t = Topology.create(); Gateway gw = start(t, "tun")) {
			gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			refused(gw, "mobilegt.tun", "mtu", "100", "is invalid");
			// a rule only the TUN driver knows: its own verdict comes back to the console
			refused(gw, "mobilegt.tun", "subnet", "10.77.0.5/16", "host bits");
			assertThat(Netns.exec(t.gw(), "ip", "route", "show", "10.77.0.0/16").out()).contains("10.77.0.0/16 dev mgt0");
			assertThat(Netns.exec(t.gw(), "ip", "link", "show", "mgt0").out()).contains("mtu 1400");
		}
	}

	@Test
	void sessionsNegativeMaxClientsIsRefused() {
		try (Topology t = Topology.create(); Gateway gw = start(t, "sessions")) {
			InetSocketAddress server = gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			refused(gw, "mobilegt.sessions", "maxClients", "-1", "is invalid");
			assertThat(gw.gogo("vpn:config mobilegt.sessions")).containsPattern("maxClients\\s+\\*?\\s*0\\b");
			try (ToyVpnClient phone = ToyVpnClient.open(t.phone(), server)) {
				assertThat(phone.tryHandshake(KEY, "phone-1", 3, Duration.ofSeconds(2))).isPresent();
			}
		}
	}

	@Test
	void captureUnknownModeIsRefused() {
		try (Topology t = Topology.create(); Gateway gw = start(t, "capture")) {
			gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			refused(gw, "mobilegt.capture", "mode", "everything", "is invalid");
			assertThat(gw.gogo("vpn:config mobilegt.capture")).containsPattern("mode\\s+\\*?\\s*off\\b");
		}
	}

	@Test
	void consolePortZeroIsRefusedAndTheConsoleStaysWhereItIs() {
		try (Topology t = Topology.create(); Gateway gw = start(t, "console")) {
			gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			refused(gw, "mobilegt.console", "port", "0", "is invalid");
			assertThat(gw.http("/system/console/vpn/data.json", USER, PASSWORD).status()).isEqualTo(200);
		}
	}

	/**
	 * Values only the console itself can judge, through {@code vpn:set}: a port another socket
	 * holds (Jetty would fail after the fact, with the console gone) and a user name Basic
	 * authentication cannot carry. Both are rejected, and the console keeps serving as before.
	 */
	@Test
	void consoleValuesItCannotUseAreRejectedAndTheConsoleStays() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = start(t, "console-use")) {
			gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			int port = gw.consolePort();
			try (ServerSocket squatter = Netns.inside(t.gw(), () -> {
				ServerSocket s = new ServerSocket();
				s.bind(new InetSocketAddress("127.0.0.1", BUSY_PORT));
				return s;
			})) {
				assertThat(gw.gogo("vpn:set mobilegt.console port " + BUSY_PORT)).as("vpn:set port in use")
						.contains("rejected", "cannot be bound on 127.0.0.1", "the previous value is kept");
			}
			assertThat(gw.gogo("vpn:set mobilegt.console username ad:min")).as("vpn:set username with a colon")
					.contains("rejected", "without ':'", "the previous value is kept");
			assertThat(gw.consolePort()).isEqualTo(port);
			// every update of mobilegt.console, even one set back, modifies the security provider's
			// service properties, and the Web Console re-checks it: it answers again shortly after
			int status = 0;
			for (int i = 0; i < 50 && status != 200; i++) {
				Sleep.millis(200);
				status = gw.http("/system/console/vpn/data.json", USER, PASSWORD).status();
			}
			assertThat(status).as("the console after the refused values").isEqualTo(200);
			assertThat(gw.gogo("vpn:config mobilegt.console")).doesNotContain("ad:min").doesNotContain(Integer.toString(BUSY_PORT));
		}
	}

	private static Gateway start(Topology t, String name) {
		return Scenarios.gateway(t, "ConsoleValidationTest/" + name)
				.conf("mobilegt.console", Map.of("username", USER, "password", PASSWORD)).start();
	}

	/**
	 * POSTs {@code key=value} for {@code pid} as the Configuration page does and checks the
	 * refusal: 400, a message naming pid, key, value and {@code why}, the file unchanged.
	 */
	private static void refused(Gateway gw, String pid, String key, String value, String why) {
		Path file = gw.workDir().resolve("conf").resolve(pid + ".cfg");
		byte[] before = read(file);
		String form = "apply=true&action=ajaxConfigManager&propertylist=" + key + "&" + key + "="
				+ URLEncoder.encode(value, StandardCharsets.UTF_8);
		Http.Response r = gw.http("POST", "/system/console/configMgr/" + pid, USER, PASSWORD, XHR, form);
		for (int i = 0; r.status() == 404 && i < 50; i++) {
			Sleep.millis(200); // the console's Configuration plugin registers a little after the console
			r = gw.http("POST", "/system/console/configMgr/" + pid, USER, PASSWORD, XHR, form);
		}
		assertThat(r.status()).as("%s %s=%s through the console: %s", pid, key, value, r.body()).isEqualTo(400);
		assertThat(r.body()).as("the console's answer").contains(pid, key, value, why);
		Sleep.millis(1500); // a write-back, had one been let through, is asynchronous
		assertThat(read(file)).as("conf/%s.cfg after the refused %s=%s", pid, key, value).isEqualTo(before);
		assertThat(gw.log()).anyMatch(l -> l.contains(pid) && l.contains(key));
	}

	private static byte[] read(Path file) {
		try {
			return Files.readAllBytes(file);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
