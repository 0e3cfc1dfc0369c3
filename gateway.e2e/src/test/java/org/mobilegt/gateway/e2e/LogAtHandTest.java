package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

/**
 * The log at hand: {@code mobilegt vpn:log} through the control socket, and the Web Console's
 * Log Service page, both with messages formatted (arguments in, no bare {@code {}}).
 */
@RequiresRoot
class LogAtHandTest {

	private static final String USER = "operator";
	private static final String PASSWORD = "e2e-Log-pw";
	private static final Pattern LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} (ERROR|WARN |INFO |DEBUG|TRACE|AUDIT) \\[.*");

	@Test
	void theNewestLinesAreFormattedInTheCliAndInTheConsole() throws Exception {
		Path dir = Files.createTempDirectory("mgt-" + ProcessHandle.current().pid() + "-log");
		Path sock = dir.resolve("control.sock");
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "LogAtHandTest/log").conf("mobilegt.auth", Map.of("key", KEY))
						.conf("mobilegt.console", Map.of("username", USER, "password", PASSWORD))
						.jvmArgs("-Dmobilegt.control=" + sock).start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			ControlSocketTest.awaitSocket(gw, sock);
			gw.awaitConsole(Duration.ofSeconds(30));

			Exec.Result all = ControlSocketTest.cli(t, sock, "vpn:log", "-n", "2000");
			assertThat(all.exitCode()).as(all.toString()).isZero();
			assertThat(all.out()).containsPattern("Tunnel attached to TUN \\S+ \\(\\d+ queue\\(s\\)\\)").doesNotContain("{}");

			Exec.Result twenty = ControlSocketTest.cli(t, sock, "vpn:log", "-n", "20");
			List<String> lines = Arrays.stream(twenty.out().split("\n")).filter(l -> LINE.matcher(l).matches()).toList();
			assertThat(lines).hasSizeBetween(1, 20);
			assertThat(all.out()).endsWith(twenty.out().strip());

			// a wrong key is logged as a warning: --level keeps those, and only those
			try (ToyVpnClient intruder = ToyVpnClient.open(t.phone(), server)) {
				assertThat(intruder.tryHandshake("not-the-key", null, 1, Scenarios.SILENCE)).isEmpty();
				gw.awaitLog("Illegal attempt from ", Scenarios.REPLY);
			}
			Exec.Result warnings = ControlSocketTest.cli(t, sock, "vpn:log", "--level", "WARN");
			List<String> severe = Arrays.stream(warnings.out().split("\n")).filter(l -> LINE.matcher(l).matches()).toList();
			assertThat(severe).isNotEmpty().allMatch(l -> l.contains(" WARN ") || l.contains(" ERROR "));
			Exec.Result bogus = ControlSocketTest.cli(t, sock, "vpn:log", "--level", "LOUD");
			assertThat(bogus.exitCode()).as(bogus.toString()).isNotZero();

			// secrets changed at run time appear nowhere in what the log shows
			String secret = "e2e-New-Key-" + ProcessHandle.current().pid();
			assertThat(ControlSocketTest.cli(t, sock, "vpn:set", "mobilegt.auth", "key", secret).out()).contains("applied");
			assertThat(ControlSocketTest.cli(t, sock, "vpn:set", "mobilegt.metrics", "token", secret).out()).contains("applied");
			assertThat(ControlSocketTest.cli(t, sock, "vpn:log", "-n", "2000").out()).doesNotContain(secret);

			// the Web Console's Log Service page (its data as the page loads it)
			Http.Response page = gw.http("/system/console/logs.json?minLevel=INFO", USER, PASSWORD);
			assertThat(page.status()).as(page.body()).isEqualTo(200);
			JsonElement data = JsonParser.parseString(page.body()).getAsJsonObject().get("data");
			List<String> messages = data.getAsJsonArray().asList().stream().map(e -> e.getAsJsonObject().get("message").getAsString()).toList();
			assertThat(messages).anyMatch(m -> m.matches("Tunnel attached to TUN \\S+ \\(\\d+ queue\\(s\\)\\)"))
					.noneMatch(m -> m.contains("{}"));
		} finally {
			Files.deleteIfExists(sock);
			Files.deleteIfExists(dir);
		}
	}
}
