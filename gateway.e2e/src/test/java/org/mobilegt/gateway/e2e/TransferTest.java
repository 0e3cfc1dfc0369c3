package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A download over TCP through the tunnel and NAT arrives byte for byte. */
@RequiresRoot
class TransferTest {

	private static final long SIZE = 8L * 1024 * 1024 + 4321; // not a multiple of any segment size
	private static final int HTTP_PORT = 8080;

	@Test
	void eightMegabytesFromTheInternetHostArriveIntact() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "TransferTest/download").start()) {
			Path www = gw.workDir().resolve("www");
			Path served = Servers.randomFile(www, "blob.bin", SIZE, 4711);
			Path fetched = gw.workDir().resolve("fetched.bin");
			Files.deleteIfExists(fetched);
			InetSocketAddress server = gw.awaitTunnel(START);
			try (Background http = Servers.httpServer(t.inet(), www, HTTP_PORT);
					ToyVpnClient phone = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "downloader")) {
				Exec.Result curl = Netns.exec(t.phone(), Duration.ofSeconds(90), "curl", "-sS", "--max-time", "60",
						"--interface", phone.tunName(), "-o", fetched.toString(), "-w", "%{size_download} bytes, %{speed_download} B/s",
						"http://" + t.inetAddress() + ":" + HTTP_PORT + "/blob.bin");
				assertThat(curl.ok()).as("%s\n%s", curl, phone).isTrue();
				E2e.log("download through the tunnel: " + curl.out());
				assertThat(Files.size(fetched)).isEqualTo(SIZE);
				assertThat(Servers.sha256(fetched)).isEqualTo(Servers.sha256(served));
				assertThat(phone.dataReceived()).as("the bytes came through the tunnel").isGreaterThan(SIZE / 1400);
			} finally {
				Files.deleteIfExists(fetched);
				Files.deleteIfExists(served);
			}
		}
	}
}
