package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A download and an upload over TCP through the tunnel and NAT arrive byte for byte. */
@RequiresRoot
class TransferTest {

	private static final long SIZE = 8L * 1024 * 1024 + 4321; // not a multiple of any segment size
	private static final int HTTP_PORT = 8080;
	private static final int SINK_PORT = 8081;
	/** Sends a file over TCP out of a given device, half-closes and waits for the peer to close. */
	private static final String SEND = """
			import socket, sys
			device, host, port, path = sys.argv[1:5]
			s = socket.socket()
			s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
			s.settimeout(60)
			s.connect((host, int(port)))
			with open(path, "rb") as f:
			    s.sendfile(f)
			s.shutdown(socket.SHUT_WR)
			s.recv(1)
			""";

	/** With offloads the TUN device hands over 64 KiB TCP segments that the gateway cuts itself. */
	@ParameterizedTest(name = "offload={0}")
	@ValueSource(booleans = { false, true })
	void eightMegabytesFromTheInternetHostArriveIntact(boolean offload) throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "TransferTest/download-" + offload)
						.conf("mobilegt.tun", Map.of("offload", Boolean.toString(offload))).start()) {
			Path www = gw.workDir().resolve("www");
			Path served = Servers.randomFile(www, "blob.bin", SIZE, 4711);
			Path fetched = gw.workDir().resolve("fetched.bin");
			Files.deleteIfExists(fetched);
			InetSocketAddress server = gw.awaitTunnel(START);
			assertThat(Netns.exec(t.gw(), "ip", "-details", "link", "show", "mgt0").out())
					.as("the TUN device's virtio header follows the setting").contains("vnet_hdr " + (offload ? "on" : "off"));
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

	/** With offloads the gateway writes a batch's consecutive segments of a flow as one to the TUN device. */
	@ParameterizedTest(name = "offload={0}")
	@ValueSource(booleans = { false, true })
	void eightMegabytesToTheInternetHostArriveIntact(boolean offload) throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "TransferTest/upload-" + offload)
						.conf("mobilegt.tun", Map.of("offload", Boolean.toString(offload))).start()) {
			Path sent = Servers.randomFile(gw.workDir().resolve("up"), "blob.bin", SIZE, 4712);
			Path received = gw.workDir().resolve("received.bin");
			InetSocketAddress server = gw.awaitTunnel(START);
			try (Background sink = Servers.tcpSink(t.inet(), SINK_PORT, received);
					ToyVpnClient phone = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "uploader")) {
				long start = System.nanoTime();
				Exec.Result upload = Netns.exec(t.phone(), Duration.ofSeconds(90), "python3", "-c", SEND, phone.tunName(),
						t.inetAddress(), Integer.toString(SINK_PORT), sent.toString());
				assertThat(upload.ok()).as("%s\n%s", upload, phone).isTrue();
				sink.awaitOutput("done " + SIZE, Duration.ofSeconds(30));
				long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
				// the device counts what was written to it: a merged segment is one packet
				long written = Long.parseLong(Netns.exec(t.gw(), "cat", "/sys/class/net/mgt0/statistics/rx_packets").out().trim());
				E2e.log("upload through the tunnel: " + SIZE + " bytes in " + millis + " ms; " + phone.dataSent()
						+ " datagrams from the client, " + written + " packets written to the TUN device");
				assertThat(Servers.sha256(received)).isEqualTo(Servers.sha256(sent));
				assertThat(phone.dataSent()).as("the bytes went through the tunnel").isGreaterThan(SIZE / 1400);
				if (offload) {
					assertThat(written).as("segments merged").isLessThan(phone.dataSent());
				} else {
					assertThat(written).as("one write per packet").isGreaterThanOrEqualTo(phone.dataSent());
				}
			} finally {
				Files.deleteIfExists(received);
				Files.deleteIfExists(sent);
			}
		}
	}
}
