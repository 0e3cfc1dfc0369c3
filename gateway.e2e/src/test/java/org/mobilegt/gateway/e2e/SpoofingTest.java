package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.ECHO_PORT;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.REPLY;
import static org.mobilegt.gateway.e2e.Scenarios.SILENCE;
import static org.mobilegt.gateway.e2e.Scenarios.START;
import static org.mobilegt.gateway.e2e.Scenarios.UNLEASED;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Anti-spoofing: a client may only send from its own leased address. */
@RequiresRoot
class SpoofingTest {

	@Test
	void packetsFromAnotherAddressThanTheLeaseNeverLeaveTheGateway() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "SpoofingTest/innerSource").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			try (Servers.UdpEcho echo = Servers.udpEcho(t.inet(), ECHO_PORT);
					ToyVpnClient mallory = ToyVpnClient.open(t.phone(), server);
					ToyVpnClient victim = ToyVpnClient.open(t.phone(), server)) {
				String own = mallory.handshake(KEY, "mallory").address();
				String victims = victim.handshake(KEY, "victim").address();
				int mark = gw.logMark();

				// as the victim (whose replies would then reach the victim) and as an unleased address
				mallory.send(Packets.udp(victims, 5000, t.inetAddress(), ECHO_PORT, bytes("as the victim")));
				mallory.send(Packets.icmpEchoRequest(victims, t.inetAddress(), 66, 1, bytes("as the victim")));
				mallory.send(Packets.udp(UNLEASED, 5000, t.inetAddress(), ECHO_PORT, bytes("as nobody")));
				assertThat(Scenarios.received(victim, SILENCE)).as("traffic the victim never asked for").isEmpty();
				assertThat(Scenarios.received(mallory, Duration.ZERO)).isEmpty();
				assertThat(echo.echoed()).as("spoofed datagrams that reached the inet host").isZero();
				// a record each, in either order: with several uplinks the (spoofed) source picks the socket
				String attempt = "Illegal attempt from " + t.phoneAddress() + ":" + mallory.localPort() + ": SPOOFED (source ";
				gw.awaitLog(attempt + victims + " is not the lease " + own + ")", mark, REPLY);
				gw.awaitLog(attempt + UNLEASED + " is not the lease " + own + ")", mark, REPLY);

				// the same path works with the client's own address, and each reply reaches only its client
				mallory.send(Packets.udp(own, 5000, t.inetAddress(), ECHO_PORT, bytes("mine")));
				assertThat(mallory.receive(p -> p.isUdp() && p.destination().equals(own), REPLY).udp().data())
						.asString(StandardCharsets.US_ASCII).isEqualTo("mine");
				victim.send(Packets.udp(victims, 5001, t.inetAddress(), ECHO_PORT, bytes("the victim's")));
				assertThat(victim.receive(p -> p.isUdp() && p.destination().equals(victims), REPLY).udp().data())
						.asString(StandardCharsets.US_ASCII).isEqualTo("the victim's");
				assertThat(Scenarios.received(mallory, SILENCE)).as("the victim's traffic at another client").isEmpty();
				assertThat(echo.echoed()).isEqualTo(2);

				assertThat(VpnShell.stats(gw).drops("SPOOFED")).as("drops.SPOOFED").isEqualTo(3);
				assertThat(VpnShell.clients(gw)).filteredOn(c -> "mallory".equals(c.clientId())).singleElement()
						.satisfies(c -> assertThat(c.drops()).isEqualTo(3));
				assertThat(VpnShell.clients(gw)).filteredOn(c -> "victim".equals(c.clientId())).singleElement()
						.satisfies(c -> assertThat(c.drops()).isZero());
				assertThat(VpnShell.illegal(gw, 20)).filteredOn(a -> a.reason().equals("SPOOFED")).hasSize(3)
						.allSatisfy(a -> assertThat(a.port()).isEqualTo(mallory.localPort()));
			}
		}
	}

	private static byte[] bytes(String s) {
		return s.getBytes(StandardCharsets.US_ASCII);
	}
}
