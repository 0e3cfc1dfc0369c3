package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inet host's servers work, and stop by PID; tried from the gw, which reaches inet directly. */
@RequiresRoot
class ServersTest {

	@Test
	void httpServerServesAFileIntact(@TempDir Path dir) {
		Path served = Servers.randomFile(dir.resolve("www"), "blob.bin", 3 * 1024 * 1024 + 17, 42);
		Path fetched = dir.resolve("fetched.bin");
		try (Topology t = Topology.create(); Background http = Servers.httpServer(t.inet(), served.getParent(), 8080)) {
			Exec.Result curl = Netns.exec(t.gw(), Duration.ofSeconds(60), "curl", "-sS", "-o", fetched.toString(),
					"http://" + t.inetAddress() + ":8080/blob.bin");
			assertThat(curl.ok()).as(curl.toString()).isTrue();
			assertThat(Servers.sha256(fetched)).isEqualTo(Servers.sha256(served));
			http.stop();
			assertThat(http.alive()).isFalse();
		}
	}

	@Test
	void iperf3ServerListensUntilStopped() {
		try (Topology t = Topology.create(); Background iperf = Servers.iperf3Server(t.inet(), 5201)) {
			Exec.Result run = Netns.exec(t.gw(), Duration.ofSeconds(30), "iperf3", "-c", t.inetAddress(), "-p", "5201", "-t", "1");
			assertThat(run.ok()).as(run.toString()).isTrue();
			assertThat(run.out()).contains("receiver");
			assertThat(iperf.stop()).isNotEqualTo(-1);
		}
	}

	@Test
	void udpEchoAnswersEveryDatagram() throws Exception {
		try (Topology t = Topology.create(); Servers.UdpEcho echo = Servers.udpEcho(t.inet(), 7007);
				DatagramChannel c = Netns.inside(t.gw(),
						() -> DatagramChannel.open(StandardProtocolFamily.INET).connect(new InetSocketAddress(t.inetAddress(), 7007)))) {
			c.write(ByteBuffer.wrap("marco".getBytes(StandardCharsets.US_ASCII)));
			DatagramPacket reply = new DatagramPacket(new byte[100], 100);
			c.socket().setSoTimeout(5000); // the channel's own receive has no timeout
			c.socket().receive(reply);
			assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII)).isEqualTo("marco");
			assertThat(echo.echoed()).isEqualTo(1);
		}
	}
}
