package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.ECHO_PORT;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.REPLY;
import static org.mobilegt.gateway.e2e.Scenarios.SILENCE;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A client with an id that reconnects from a new UDP port (NAT rebinding) keeps its address. */
@RequiresRoot
class RoamingTest {

	@Test
	void reconnectFromANewPortKeepsTheAddressAndLeavesTheOldEndpointOut() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "RoamingTest/newPort").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			try (Servers.UdpEcho echo = Servers.udpEcho(t.inet(), ECHO_PORT);
					ToyVpnClient before = ToyVpnClient.open(t.phone(), server);
					ToyVpnClient after = ToyVpnClient.open(t.phone(), server)) {
				Parameters first = before.handshake(KEY, "roamer");
				String address = first.address();
				before.send(Packets.icmpEchoRequest(address, t.inetAddress(), 1, 1, "before".getBytes()));
				before.receive(r -> r.isEchoReply(1, 1), REPLY);

				// the gateway's output is read on another thread: the first open is in before the mark
				gw.awaitLog("opened: client roamer", REPLY);
				int mark = gw.logMark();
				Parameters second = after.handshake(KEY, "roamer");
				assertThat(second.address()).as("address after the move").isEqualTo(address);
				gw.awaitLog("Client roamer moved from " + t.phoneAddress() + ":" + before.localPort() + " to " + t.phoneAddress()
						+ ":" + after.localPort(), mark, REPLY);
				assertThat(Scenarios.logLines(gw, mark, "opened:")).as("a move opens no new session").isEmpty();

				// the client's traffic now goes to the new endpoint only
				after.send(Packets.icmpEchoRequest(address, t.inetAddress(), 2, 1, "after".getBytes()));
				assertThat(after.receive(r -> r.isEchoReply(2, 1), REPLY).destination()).isEqualTo(address);
				after.send(Packets.udp(address, 40001, t.inetAddress(), ECHO_PORT, "fresh".getBytes(StandardCharsets.US_ASCII)));
				Ipv4Packet echoed = after.receive(Ipv4Packet::isUdp, REPLY);
				assertThat(echoed.udp().data()).asString(StandardCharsets.US_ASCII).isEqualTo("fresh");
				assertThat(Scenarios.received(before, SILENCE)).as("data at the old endpoint").isEmpty();

				// what the old endpoint still sends (packets in flight during the move) is not forwarded;
				// it held the session a moment ago, so it is told to handshake again, not taken for an intruder
				before.send(Packets.udp(address, 40002, t.inetAddress(), ECHO_PORT, "stale".getBytes(StandardCharsets.US_ASCII)));
				before.send(Packets.icmpEchoRequest(address, t.inetAddress(), 3, 1, "stale".getBytes()));
				assertThat(before.awaitRehandshakeHint(REPLY)).as("re-handshake hint at the old endpoint").isTrue();
				assertThat(Scenarios.received(after, SILENCE)).as("a reply to what the old endpoint sent").isEmpty();
				assertThat(Scenarios.received(before, Duration.ZERO)).isEmpty();
				assertThat(echo.echoed()).as("datagrams that reached the inet host").isEqualTo(1);
				assertThat(Scenarios.logLines(gw, mark, "Illegal attempt from ")).isEmpty();

				assertThat(VpnShell.clients(gw)).singleElement().satisfies(c -> {
					assertThat(c.clientId()).isEqualTo("roamer");
					assertThat(c.endpoint()).isEqualTo(t.phoneAddress() + ":" + after.localPort());
					assertThat(c.address()).isEqualTo(address);
				});
				assertThat(VpnShell.stats(gw).totals().hints()).isGreaterThanOrEqualTo(1);
			}
		}
	}
}
