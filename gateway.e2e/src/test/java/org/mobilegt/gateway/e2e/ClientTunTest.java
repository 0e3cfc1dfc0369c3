package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * The ToyVpn client against {@link LoopbackServer} in the gw namespace, independent of the real
 * gateway: handshake, plain-mode packets, and TUN mode with unmodified ping, two clients at once.
 */
@RequiresRoot
class ClientTunTest {

	private static final String SECRET = "s3cret";
	private static final int PORT = 8000;

	@Test
	void plainModeSendsAndReceivesRawPackets() {
		try (Topology t = Topology.create();
				LoopbackServer server = LoopbackServer.start(t.gw(), t.gwAddress(), PORT, SECRET);
				ToyVpnClient client = ToyVpnClient.open(t.phone(), server.endpoint())) {
			assertThat(client.tryHandshake("wrong", null, 1, Duration.ofMillis(500))).isEmpty();
			Parameters p = client.handshake(SECRET, "phone-1");
			assertThat(p.address()).isEqualTo("10.77.0.2");
			assertThat(p.mtu()).isEqualTo(1400);

			client.send(Packets.icmpEchoRequest(p.address(), t.inetAddress(), 4711, 7, "ping".getBytes()));
			Ipv4Packet reply = client.receive(r -> r.isEchoReply(4711, 7), Duration.ofSeconds(5));
			assertThat(reply.source()).isEqualTo(t.inetAddress());
			assertThat(reply.destination()).isEqualTo(p.address());
			assertThat(reply.icmp().checksumOk()).isTrue();
			// the server sent its reply 3 times: the copies were recognised, never taken for data
			assertThat(client.poll(Duration.ofMillis(300))).isEmpty();
		}
	}

	@Test
	void pingRunsThroughTheClientsTun() {
		try (Topology t = Topology.create();
				LoopbackServer server = LoopbackServer.start(t.gw(), t.gwAddress(), PORT, SECRET);
				ToyVpnClient a = ToyVpnClient.withTun(t.phone(), server.endpoint(), "mgtc0", SECRET, "phone-a");
				ToyVpnClient b = ToyVpnClient.withTun(t.phone(), server.endpoint(), "mgtc1", SECRET, null)) {
			assertThat(a.localPort()).isNotEqualTo(b.localPort());
			assertThat(Netns.exec(t.phone(), "ip", "-o", "addr", "show", "dev", "mgtc0").out()).contains("10.77.0.2/32");
			assertThat(Netns.exec(t.phone(), "ip", "link", "show", "dev", "mgtc1").out()).contains("mtu 1400");

			Exec.Result viaA = ping(t.phone(), "mgtc0", t.inetAddress());
			Exec.Result viaB = ping(t.phone(), "mgtc1", t.inetAddress());
			assertThat(viaA.out()).as("%s", a).contains("3 packets transmitted, 3 received");
			assertThat(viaB.out()).as("%s", b).contains("3 packets transmitted, 3 received");
			assertThat(a.dataSent()).as("only the pings, no IPv6 noise").isEqualTo(3);
			assertThat(server.echoed(a.parameters().address())).isEqualTo(3);
			assertThat(server.echoed(b.parameters().address())).isEqualTo(3);
			// the tunnel's own UDP still goes straight to the gw
			assertThat(Netns.exec(t.phone(), "ip", "route", "get", t.gwAddress()).out()).contains("dev " + Topology.PHONE_IF);

			a.close();
			assertThat(Netns.exec(t.phone(), "ip", "link", "show", "dev", "mgtc0").ok()).as("TUN removed on close").isFalse();
			assertThat(ping(t.phone(), null, t.inetAddress()).out()).as("b carries the traffic alone now")
					.contains("3 packets transmitted, 3 received");
		}
	}

	private static Exec.Result ping(String ns, String device, String address) {
		return device == null ? Netns.exec(ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", address)
				: Netns.exec(ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", device, address);
	}
}
