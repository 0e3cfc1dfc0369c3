package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The persistent TUN device keeps the offloads of its last user: the driver sets the ones its
 * configuration asks for on every attach. Switched both ways across a restart and live, a TCP
 * download (large segments with offloads) and a ping pass after each switch.
 */
@RequiresRoot
class OffloadTest {

	private static final long SIZE = 3L * 1024 * 1024 + 777;
	private static final int HTTP_PORT = 8080;
	private static final Duration LIVE = Duration.ofSeconds(30);

	@Test
	void offloadsFollowTheConfigurationAcrossRestartsAndLiveChanges() throws IOException {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "OffloadTest/switch").start()) {
			Path www = gw.workDir().resolve("www");
			Path served = Servers.randomFile(www, "blob.bin", SIZE, 4713);
			try (Background http = Servers.httpServer(t.inet(), www, HTTP_PORT)) {
				gw.awaitTunnel(START);
				passes(t, gw, true, "offload=true, fresh device");

				gw.stop();
				gw.conf("mobilegt.tun", Map.of("offload", "false"));
				gw.start();
				gw.awaitTunnel(START);
				passes(t, gw, false, "offload=false on the device persisted with offloads");

				gw.stop();
				gw.conf("mobilegt.tun", Map.of("offload", "true"));
				gw.start();
				gw.awaitTunnel(START);
				passes(t, gw, true, "offload=true on the device persisted without");

				gw.conf("mobilegt.tun", Map.of("offload", "false"));
				passes(t, gw, false, "offload=false, live");
				gw.conf("mobilegt.tun", Map.of("offload", "true"));
				passes(t, gw, true, "offload=true, live");
			} finally {
				Files.deleteIfExists(served);
			}
		}
	}

	/** Waits for the device to carry the setting, then a fresh client pings and downloads intact. */
	private static void passes(Topology t, Gateway gw, boolean offload, String when) throws IOException {
		long deadline = System.nanoTime() + LIVE.toNanos();
		String want = "vnet_hdr " + (offload ? "on" : "off");
		while (!Netns.exec(t.gw(), "ip", "-details", "link", "show", "mgt0").out().contains(want) && System.nanoTime() < deadline) {
			Sleep.millis(200);
		}
		assertThat(Netns.exec(t.gw(), "ip", "-details", "link", "show", "mgt0").out()).as(when).contains(want);
		InetSocketAddress server = gw.awaitTunnel(START);
		Path fetched = gw.workDir().resolve("fetched.bin");
		try (ToyVpnClient phone = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "phone")) {
			Exec.Result ping = Scenarios.ping(t.phone(), phone.tunName(), t.inetAddress(), 3);
			// a live re-open may still be under way for the first request
			if (!ping.out().contains(Scenarios.allReplied(3))) {
				ping = Scenarios.ping(t.phone(), phone.tunName(), t.inetAddress(), 3);
			}
			assertThat(ping.out()).as("ping, %s: %s", when, ping).contains(Scenarios.allReplied(3));
			Exec.Result curl = Netns.exec(t.phone(), Duration.ofSeconds(60), "curl", "-sS", "--max-time", "40", "--interface",
					phone.tunName(), "-o", fetched.toString(), "http://" + t.inetAddress() + ":" + HTTP_PORT + "/blob.bin");
			assertThat(curl.ok()).as("download, %s: %s", when, curl).isTrue();
			assertThat(Files.size(fetched)).as(when).isEqualTo(SIZE);
			assertThat(Servers.sha256(fetched)).as(when).isEqualTo(Servers.sha256(gw.workDir().resolve("www/blob.bin")));
		} finally {
			Files.deleteIfExists(fetched);
		}
	}
}
