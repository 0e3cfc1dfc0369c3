package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The runnable gateway in its namespace: TUN, route, NAT, operator surface, clean stop. */
@RequiresRoot
class GatewaySmokeTest {

	@Test
	void startsWithTunRouteNatAndConsoleAndRemovesThemOnSigterm() {
		try (Topology t = Topology.create();
				Gateway gw = Gateway.in(t, "GatewaySmokeTest/startAndStop")
						.conf("mobilegt.auth", Map.of("key", "s3cret"))
						.conf("mobilegt.console", Map.of("password", "e2e-console"))
						.interactive()
						.start()) {
			gw.awaitLog("TUN mgt0 up", Duration.ofSeconds(60));

			assertThat(ip(t, "link", "show", "mgt0")).contains("mtu 1400").containsPattern("<[^>]*\\bUP\\b[^>]*>");
			assertThat(ip(t, "route", "show", "10.77.0.0/16")).contains("10.77.0.0/16 dev mgt0");
			Exec.Result nat = Netns.exec(t.gw(), "nft", "list", "table", "inet", "mobilegt_mgt0");
			assertThat(nat.ok()).as(nat.toString()).isTrue();
			// egress=auto: out of any interface but the TUN, so NAT follows the default route
			assertThat(nat.out()).contains("ip saddr 10.77.0.0/16 oifname != \"mgt0\" masquerade");

			gw.awaitConsole(Duration.ofSeconds(30));
			assertThat(gw.http("/system/console", "admin", "admin").status()).as("default credentials").isEqualTo(401);
			assertThat(gw.http("/system/console/bundles", "admin", "e2e-console").status()).isEqualTo(200);

			assertThat(gw.gogo("lb")).containsPattern("Active.*mobilegt tun.driver");

			assertThat(gw.stop()).isEqualTo(143); // the JVM's exit status after SIGTERM
			assertThat(gw.log()).anyMatch(l -> l.contains("TUN mgt0 closed"));
			assertThat(ip(t, "route", "show", "10.77.0.0/16")).isEmpty();
			assertThat(Netns.exec(t.gw(), "nft", "list", "tables").out()).doesNotContain("mobilegt_mgt0");
		}
	}

	@Test
	void restartsInItsWorkingDirectoryAfterACrash() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Gateway.in(t, "GatewaySmokeTest/restartAfterCrash").start()) {
			gw.awaitLog("TUN mgt0 up", Duration.ofSeconds(60));
			gw.kill9();
			assertThat(ip(t, "route", "show", "10.77.0.0/16")).as("a crash leaves the route behind").contains("dev mgt0");

			gw.start();
			assertThat(gw.awaitLog("TUN mgt0 up", Duration.ofSeconds(60))).contains("nft table inet mobilegt_mgt0");
			assertThat(Netns.exec(t.gw(), "nft", "list", "tables").out()).containsOnlyOnce("mobilegt_mgt0");
			assertThat(Files.readString(gw.outputFile())).contains("===== start 1", "===== start 2");

			gw.stop();
			assertThat(ip(t, "route", "show", "10.77.0.0/16")).isEmpty();
		}
	}

	private static String ip(Topology t, String... args) {
		String[] argv = new String[args.length + 1];
		argv[0] = "ip";
		System.arraycopy(args, 0, argv, 1, args.length);
		return Netns.exec(t.gw(), argv).check().out().strip();
	}
}
