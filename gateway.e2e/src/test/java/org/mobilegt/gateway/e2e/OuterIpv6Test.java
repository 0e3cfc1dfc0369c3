package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.REPLY;
import static org.mobilegt.gateway.e2e.Scenarios.SILENCE;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Clients that reach the gateway over IPv6 (an IPv6-only mobile network): the phone link carries
 * both families and the gateway listens on its default {@code ::} (dual stack).
 */
@RequiresRoot
class OuterIpv6Test {

	@Test
	void ipv4AndIpv6ClientsAtOnceEachGetTheirOwnTrafficBack() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "OuterIpv6Test/mixed").start()) {
			InetSocketAddress server4 = gw.awaitTunnel(START);
			InetSocketAddress server6 = new InetSocketAddress(t.addPhoneLinkIpv6(), server4.getPort());
			try (ToyVpnClient lte = ToyVpnClient.open(t.phone(), server6); ToyVpnClient wifi = ToyVpnClient.open(t.phone(), server4)) {
				String a6 = lte.handshake(KEY, "lte").address();
				String a4 = wifi.handshake(KEY, "wifi").address();
				assertThat(a6).isNotEqualTo(a4);
				for (int seq = 1; seq <= 3; seq++) {
					lte.send(Packets.icmpEchoRequest(a6, t.inetAddress(), 6, seq, "over v6".getBytes()));
					wifi.send(Packets.icmpEchoRequest(a4, t.inetAddress(), 4, seq, "over v4".getBytes()));
					int s = seq;
					assertThat(lte.receive(r -> r.isEchoReply(6, s), REPLY).destination()).isEqualTo(a6);
					assertThat(wifi.receive(r -> r.isEchoReply(4, s), REPLY).destination()).isEqualTo(a4);
				}
				lte.keepalive();
				assertThat(Scenarios.received(lte, SILENCE)).as("the other client's replies").isEmpty();
				assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::clientId, VpnShell.Client::endpoint).containsExactlyInAnyOrder(
						org.assertj.core.groups.Tuple.tuple("lte", "[" + t.phoneAddress6() + "]:" + lte.localPort()),
						org.assertj.core.groups.Tuple.tuple("wifi", t.phoneAddress() + ":" + wifi.localPort()));
				assertThat(gw.log()).anySatisfy(l -> assertThat(l).contains("client lte at [" + t.phoneAddress6() + "]:" + lte.localPort()));
				assertThat(gw.gogo("vpn:status")).contains("listening on [::]:" + server4.getPort());
			}
		}
	}

	@Test
	void aClientRoamsFromWifiIpv4ToLteIpv6KeepingItsSessionAndAddresses() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "OuterIpv6Test/roam").start()) {
			InetSocketAddress server4 = gw.awaitTunnel(START);
			InetSocketAddress server6 = new InetSocketAddress(t.addPhoneLinkIpv6(), server4.getPort());
			try (ToyVpnClient wifi = ToyVpnClient.open(t.phone(), server4); ToyVpnClient lte = ToyVpnClient.open(t.phone(), server6)) {
				Parameters first = wifi.handshake(KEY, "roamer");
				wifi.send(Packets.icmpEchoRequest(first.address(), t.inetAddress(), 1, 1, "wifi".getBytes()));
				wifi.receive(r -> r.isEchoReply(1, 1), REPLY);
				gw.awaitLog("opened: client roamer", REPLY);
				long id = VpnShell.clients(gw).get(0).id();
				int mark = gw.logMark();

				Parameters second = lte.handshake(KEY, "roamer");
				assertThat(second.address()).as("IPv4 tunnel address after the move").isEqualTo(first.address());
				assertThat(second.address6()).as("IPv6 tunnel address after the move").isEqualTo(first.address6());
				gw.awaitLog("Client roamer moved from " + t.phoneAddress() + ":" + wifi.localPort() + " to [" + t.phoneAddress6() + "]:"
						+ lte.localPort(), mark, REPLY);
				assertThat(Scenarios.logLines(gw, mark, "opened:")).as("a move opens no new session").isEmpty();
				lte.send(Packets.icmpEchoRequest(first.address(), t.inetAddress(), 2, 1, "lte".getBytes()));
				assertThat(lte.receive(r -> r.isEchoReply(2, 1), REPLY).destination()).isEqualTo(first.address());

				// late packets at the old IPv4 endpoint: told to handshake again, not forwarded, not an intruder
				wifi.send(Packets.icmpEchoRequest(first.address(), t.inetAddress(), 3, 1, "late".getBytes()));
				assertThat(wifi.awaitRehandshakeHint(REPLY)).as("re-handshake hint at the old endpoint").isTrue();
				assertThat(Scenarios.received(lte, SILENCE)).as("a reply to what the old endpoint sent").isEmpty();
				assertThat(Scenarios.logLines(gw, mark, "Illegal attempt from ")).isEmpty();
				assertThat(VpnShell.clients(gw)).singleElement().satisfies(c -> {
					assertThat(c.id()).as("session id").isEqualTo(id);
					assertThat(c.endpoint()).isEqualTo("[" + t.phoneAddress6() + "]:" + lte.localPort());
					assertThat(c.address()).isEqualTo(first.address());
				});
			}
		}
	}

	@Test
	void dataFromAnUnknownIpv6EndpointIsAnIllegalAttemptInRfc5952Form() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "OuterIpv6Test/unknown").start()) {
			InetSocketAddress server4 = gw.awaitTunnel(START);
			InetSocketAddress server6 = new InetSocketAddress(t.addPhoneLinkIpv6(), server4.getPort());
			int mark = gw.logMark();
			try (ToyVpnClient intruder = ToyVpnClient.open(t.phone(), server6)) {
				intruder.send(Packets.icmpEchoRequest("10.77.0.9", t.inetAddress(), 9, 1, "no session".getBytes()));
				gw.awaitLog("Illegal attempt from [" + t.phoneAddress6() + "]:" + intruder.localPort() + ": UNKNOWN_ENDPOINT", mark, REPLY);
				assertThat(Scenarios.received(intruder, SILENCE)).as("any answer to an unknown endpoint").isEmpty();
				assertThat(intruder.tryHandshake("not-the-key", null, 1, SILENCE)).as("reply to a wrong key").isEmpty();
				gw.awaitLog("Illegal attempt from [" + t.phoneAddress6() + "]:" + intruder.localPort() + ": BAD_KEY", mark, REPLY);
				List<VpnShell.Attempt> attempts = VpnShell.illegal(gw, 10);
				assertThat(attempts).extracting(VpnShell.Attempt::reason).contains("UNKNOWN_ENDPOINT", "BAD_KEY");
				assertThat(attempts).allSatisfy(a -> {
					assertThat(a.address()).isEqualTo(t.phoneAddress6());
					assertThat(a.port()).isEqualTo(intruder.localPort());
				});
			}
		}
	}
}
