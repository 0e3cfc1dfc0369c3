package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * Phones behind NAT: a connected client's NAT changes its port, and its packets arrive from the
 * new port before any handshake. That must not lock out the client or its neighbours behind the
 * same address: only wrong keys count towards throttling. The stale packets are recognised as a
 * rebinding (their source is the client's own lease) and answered with a re-handshake hint.
 */
@RequiresRoot
class RebindingTest {

	/** ToyVpn waits this long for its handshake reply. */
	private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
	private static final int STALE_PACKETS = 12;

	@Test
	void aRebindingClientIsBackWithinFiveSecondsAndItsNeighbourIsNeverRefused() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "RebindingTest/nat").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			String nat = t.addPhoneAddress(3);
			try (ToyVpnClient phone = ToyVpnClient.open(t.phone(), nat, server);
					ToyVpnClient neighbour = ToyVpnClient.open(t.phone(), nat, server)) {
				Parameters p = phone.handshake(KEY, "phone");
				neighbour.handshake(KEY, "neighbour");
				long hintsBefore = VpnShell.stats(gw).totals().hints();

				// the NAT gave the phone a new port: its packets come from there before any handshake
				try (ToyVpnClient rebound = ToyVpnClient.open(t.phone(), nat, server)) {
					for (int seq = 1; seq <= STALE_PACKETS; seq++) {
						rebound.send(Packets.icmpEchoRequest(p.address(), t.inetAddress(), 7, seq,
								"after the rebinding".getBytes(StandardCharsets.US_ASCII)));
					}
					assertThat(rebound.awaitRehandshakeHint(Duration.ofSeconds(2))).as("a re-handshake hint on the new port").isTrue();
					awaitDrops(gw, "REBINDING", STALE_PACKETS);
					Optional<Parameters> back = rebound.tryHandshake(KEY, "phone", 1, HANDSHAKE_TIMEOUT);
					assertThat(back).as("the phone's handshake from its new port, answered within 5 s").isPresent();
					assertThat(back.get().address()).as("its address").isEqualTo(p.address());
					rebound.send(Packets.icmpEchoRequest(p.address(), t.inetAddress(), 8, 1, new byte[8]));
					rebound.receive(r -> r.isEchoReply(8, 1), Scenarios.REPLY);
				}
				// the neighbour reconnects from a new port of the same address, and a newcomer joins
				for (String id : new String[] { "neighbour", "newcomer" }) {
					try (ToyVpnClient again = ToyVpnClient.open(t.phone(), nat, server)) {
						assertThat(again.tryHandshake(KEY, id, 1, HANDSHAKE_TIMEOUT)).as("%s behind the same address", id).isPresent();
					}
				}
				VpnShell.Stats stats = VpnShell.stats(gw);
				assertThat(stats.drops("REBINDING")).as("drops.REBINDING").isEqualTo(STALE_PACKETS);
				assertThat(stats.drops("THROTTLED")).as("drops.THROTTLED").isZero();
				assertThat(stats.totals().hints() - hintsBefore).as("hints: at most one a second").isBetween(1L, 2L);
			}
		}
	}

	/**
	 * Waits (bounded) until {@code count} drops for {@code reason} were counted. With several
	 * uplinks the stale data reaches the socket its lease steers to and the handshake the one the
	 * kernel's hash picks: a handshake that overtook them would make the rest the moved session's
	 * data, forwarded and rightly so, and leave nothing to check.
	 */
	private static void awaitDrops(Gateway gw, String reason, long count) {
		long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
		while (VpnShell.stats(gw).drops(reason) < count && System.nanoTime() < deadline) {
			Sleep.millis(50);
		}
	}

	@Test
	void unknownEndpointsAndKeepalivesFromAnAddressNeverBlockItsHandshakes() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "RebindingTest/unknown").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			String nat = t.addPhoneAddress(3);
			try (ToyVpnClient stale = ToyVpnClient.open(t.phone(), nat, server)) {
				for (int i = 0; i < 200; i++) {
					stale.send(Packets.icmpEchoRequest("10.77.9." + (1 + i % 250), t.inetAddress(), 9, i, new byte[8]));
					stale.keepalive();
				}
			}
			Sleep.millis(300);
			try (ToyVpnClient phone = ToyVpnClient.open(t.phone(), nat, server)) {
				assertThat(phone.tryHandshake(KEY, "phone", 1, HANDSHAKE_TIMEOUT)).as("a handshake after 400 stale datagrams")
						.isPresent();
			}
			VpnShell.Stats stats = VpnShell.stats(gw);
			assertThat(stats.drops("UNKNOWN_ENDPOINT")).as("still counted").isEqualTo(400);
			assertThat(stats.drops("THROTTLED")).isZero();
		}
	}
}
