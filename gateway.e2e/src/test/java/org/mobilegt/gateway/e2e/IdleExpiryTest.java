package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.REPLY;
import static org.mobilegt.gateway.e2e.Scenarios.SILENCE;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Sessions of silent clients expire after the configured idle time (plain-mode clients never send
 * keepalives by themselves); what happens to their endpoints and addresses afterwards.
 */
@RequiresRoot
class IdleExpiryTest {

	private static final int IDLE_SECONDS = 5;
	private static final int KEEPALIVE_SECONDS = 2;
	/** Expiry runs once a second: the idle time plus that, plus slack for a loaded machine. */
	private static final Duration EXPIRY = Duration.ofSeconds(IDLE_SECONDS + 10);

	/** The idle timeout where it lives now: mobilegt.sessions. */
	private static Gateway gateway(Topology t, String name) {
		return Scenarios.gateway(t, name).conf("mobilegt.tunnel", Map.of("keepaliveSeconds", Integer.toString(KEEPALIVE_SECONDS)))
				.conf("mobilegt.sessions", Map.of("idleTimeoutSeconds", Integer.toString(IDLE_SECONDS)));
	}

	/**
	 * A configuration from before the key moved: the deprecated mobilegt.tunnel key, explicitly set,
	 * applies even over a longer mobilegt.sessions value.
	 */
	private static Gateway legacyGateway(Topology t, String name) {
		return Scenarios.gateway(t, name)
				.conf("mobilegt.tunnel",
						Map.of("idleTimeoutSeconds", Integer.toString(IDLE_SECONDS), "keepaliveSeconds", Integer.toString(KEEPALIVE_SECONDS)))
				.conf("mobilegt.sessions", Map.of("idleTimeoutSeconds", "600"));
	}

	@Test
	void idleSessionExpiresAfterTheConfiguredTimeAndTheClientIdKeepsItsAddress() {
		try (Topology t = Topology.create(); Gateway gw = gateway(t, "IdleExpiryTest/leaseKept").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			String address;
			try (ToyVpnClient sleeper = ToyVpnClient.open(t.phone(), server)) {
				long start = System.nanoTime();
				int mark = gw.logMark();
				address = sleeper.handshake(KEY, "sleeper").address();
				String endpoint = t.phoneAddress() + ":" + sleeper.localPort();
				String opened = gw.awaitLog("opened: client sleeper at " + endpoint, mark, REPLY);
				String session = opened.substring(opened.indexOf("Session "), opened.indexOf(" opened"));

				String expired = gw.awaitLog(session + " expired: client sleeper at " + endpoint, mark, EXPIRY);
				Duration idle = Duration.ofNanos(System.nanoTime() - start);
				E2e.log("expired after " + idle.toMillis() + " ms: " + expired);
				assertThat(idle).as("time to expiry").isGreaterThanOrEqualTo(Duration.ofSeconds(IDLE_SECONDS));
				assertThat(sleeper.keepalivesReceived()).as("keepalives every %d s while idle", KEEPALIVE_SECONDS)
						.isGreaterThanOrEqualTo(1);
			}
			assertThat(VpnShell.clients(gw)).isEmpty();
			String reserved = address;
			assertThat(VpnShell.pool(gw).leases()).filteredOn(l -> "sleeper".equals(l.clientId())).singleElement().satisfies(l -> {
				assertThat(l.address()).isEqualTo(reserved);
				assertThat(l.live()).as("live").isFalse();
				assertThat(l.expires()).as("reserved until").isNotNull();
			});

			// the address stays reserved for the id: a newcomer gets another one, the sleeper its own
			try (ToyVpnClient newcomer = ToyVpnClient.open(t.phone(), server);
					ToyVpnClient back = ToyVpnClient.open(t.phone(), server)) {
				assertThat(newcomer.handshake(KEY, "newcomer").address()).isNotEqualTo(address);
				assertThat(back.handshake(KEY, "sleeper").address()).as("address of the returning client").isEqualTo(address);
				back.send(Packets.icmpEchoRequest(address, t.inetAddress(), 5, 1, "back".getBytes()));
				back.receive(r -> r.isEchoReply(5, 1), REPLY);
			}
		}
	}

	/**
	 * The operator's old habit, live: {@code vpn:set mobilegt.tunnel idleTimeoutSeconds 600} still
	 * keeps a silent client over mobilegt.sessions' 5 s, a value out of range is refused, and 0 hands
	 * the policy back to mobilegt.sessions.
	 */
	@Test
	void theDeprecatedKeySetLiveAppliesUntilItIsSetBackToZero() throws InterruptedException {
		try (Topology t = Topology.create(); Gateway gw = gateway(t, "IdleExpiryTest/legacyLive").interactive().start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			assertThat(gw.gogo("vpn:set mobilegt.tunnel idleTimeoutSeconds 600")).contains("applied");
			assertThat(gw.gogo("vpn:set mobilegt.tunnel idleTimeoutSeconds 3")).contains("rejected");
			gw.awaitLog("mobilegt.tunnel idleTimeoutSeconds=600 is deprecated", 0, REPLY);
			try (ToyVpnClient sleeper = ToyVpnClient.open(t.phone(), server)) {
				int mark = gw.logMark();
				sleeper.handshake(KEY, "sleeper");
				String endpoint = t.phoneAddress() + ":" + sleeper.localPort();
				Thread.sleep(Duration.ofSeconds(IDLE_SECONDS + 4).toMillis()); // silent for longer than mobilegt.sessions allows
				assertThat(Scenarios.logLines(gw, mark, "expired: client sleeper")).as("expired after mobilegt.sessions' 5 s").isEmpty();
				assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::clientId).containsExactly("sleeper");

				assertThat(gw.gogo("vpn:set mobilegt.tunnel idleTimeoutSeconds 0")).contains("applied");
				gw.awaitLog("expired: client sleeper at " + endpoint, mark, EXPIRY);
			}
		}
	}

	@Test
	void expiredEndpointIsToldToHandshakeAgainAndAStrangerGetsNothing() {
		try (Topology t = Topology.create(); Gateway gw = legacyGateway(t, "IdleExpiryTest/rehandshakeHint").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			// the stranger has an address of its own: from the sleeper's address, a packet from the
			// sleeper's lease would be the sleeper behind a NAT that changed its port (RebindingTest)
			String strangerAddress = t.addPhoneAddress(3);
			try (ToyVpnClient sleeper = ToyVpnClient.open(t.phone(), server);
					ToyVpnClient stranger = ToyVpnClient.open(t.phone(), strangerAddress, server)) {
				int mark = gw.logMark();
				String address = sleeper.handshake(KEY, "sleeper").address();
				gw.awaitLog("expired: client sleeper at " + t.phoneAddress() + ":" + sleeper.localPort(), mark, EXPIRY);
				assertThat(Scenarios.logLines(gw, 0, "mobilegt.tunnel idleTimeoutSeconds=5 is deprecated")).as("deprecation warning")
						.hasSize(1).allSatisfy(l -> assertThat(l).contains("set idleTimeoutSeconds in mobilegt.sessions"));

				sleeper.send(Packets.icmpEchoRequest(address, t.inetAddress(), 6, 1, "still there?".getBytes()));
				assertThat(sleeper.awaitRehandshakeHint(REPLY)).as("re-handshake hint (\\0 x,rehandshake)").isTrue();
				assertThat(Scenarios.received(sleeper, Duration.ZERO)).as("data forwarded without a session").isEmpty();
				assertThat(Scenarios.logLines(gw, mark, "Illegal attempt from " + t.phoneAddress() + ":" + sleeper.localPort()))
						.as("a recent client is not an intruder").isEmpty();

				// after the hint, the client handshakes again and carries on with the same address
				assertThat(sleeper.handshake(KEY, "sleeper").address()).isEqualTo(address);
				sleeper.send(Packets.icmpEchoRequest(address, t.inetAddress(), 6, 2, "again".getBytes()));
				sleeper.receive(r -> r.isEchoReply(6, 2), REPLY);

				// a never-seen endpoint: nothing at all, and an illegal-attempt record
				stranger.send(Packets.icmpEchoRequest(address, t.inetAddress(), 7, 1, "let me in".getBytes()));
				assertThat(stranger.awaitRehandshakeHint(SILENCE)).as("hint to a stranger").isFalse();
				assertThat(Scenarios.received(stranger, Duration.ZERO)).isEmpty();
				assertThat(stranger.keepalivesReceived()).isZero();
				gw.awaitLog("Illegal attempt from " + strangerAddress + ":" + stranger.localPort() + ": UNKNOWN_ENDPOINT", mark,
						REPLY);
				assertThat(VpnShell.illegal(gw, 20)).singleElement().satisfies(a -> {
					assertThat(a.reason()).isEqualTo("UNKNOWN_ENDPOINT");
					assertThat(a.address()).isEqualTo(strangerAddress);
					assertThat(a.port()).isEqualTo(stranger.localPort());
				});
				assertThat(VpnShell.stats(gw).totals().hints()).as("re-handshake hints sent").isGreaterThanOrEqualTo(1);
			}
		}
	}
}
