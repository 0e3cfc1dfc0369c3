package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.REPLY;
import static org.mobilegt.gateway.e2e.Scenarios.SILENCE;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Wrong keys: no answer at all, an illegal-attempt record with the source, then throttling. */
@RequiresRoot
class IllegalAttemptTest {

	private static final int MAX_FAILURES = 5;

	@Test
	void wrongKeyGetsNoReplyIsRecordedAndThrottlesItsSourceAddressOnly() {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "IllegalAttemptTest/wrongKey")
						.conf("mobilegt.auth", Map.of("maxFailuresPerMinute", Integer.toString(MAX_FAILURES)))
						.start()) {
			String neighbourAddress = t.addPhoneAddress(3);
			InetSocketAddress server = gw.awaitTunnel(START);
			String source = t.phoneAddress();
			int mark = gw.logMark();

			int intruderPort;
			try (ToyVpnClient intruder = ToyVpnClient.open(t.phone(), server)) {
				intruderPort = intruder.localPort();
				assertThat(intruder.tryHandshake("not-the-key", null, 1, SILENCE)).as("reply to a wrong key").isEmpty();
				assertThat(Scenarios.received(intruder, Duration.ZERO)).isEmpty();
				assertThat(intruder.keepalivesReceived() + intruder.rehandshakeHintsReceived()).as("any control message").isZero();
				gw.awaitLog("Illegal attempt from " + source + ":" + intruder.localPort() + ": BAD_KEY (wrong key)", mark, REPLY);

				// a wrong key with a client id, and guesses that share a prefix with the key: just as wrong
				String[] guesses = { KEY + "x", KEY.substring(0, KEY.length() - 1), "" + KEY.charAt(0) };
				intruder.sendRaw(ToyVpnClient.handshakeDatagram("not-the-key", "phone-1"));
				for (int i = 0; i < MAX_FAILURES - 2; i++) {
					intruder.sendRaw(ToyVpnClient.handshakeDatagram(guesses[i], null));
				}
				gw.awaitLog("Throttling " + source + ": too many failures", mark, REPLY);
				assertThat(Scenarios.received(intruder, SILENCE)).isEmpty();
				assertThat(intruder.parameters()).as("a handshake reply to a wrong key").isNull();
			}
			assertThat(Scenarios.logLines(gw, mark, "Illegal attempt from " + source + ":")).hasSize(MAX_FAILURES)
					.allSatisfy(l -> assertThat(l).contains(": BAD_KEY (wrong key)"));
			List<VpnShell.Attempt> attempts = VpnShell.illegal(gw, 20);
			assertThat(attempts).filteredOn(a -> a.reason().equals("BAD_KEY")).hasSize(MAX_FAILURES).allSatisfy(a -> {
				assertThat(a.address()).isEqualTo(source);
				assertThat(a.port()).isEqualTo(intruderPort);
				assertThat(a.detail()).isEqualTo("wrong key");
			});
			assertThat(attempts).filteredOn(a -> a.reason().equals("THROTTLED")).singleElement()
					.satisfies(a -> assertThat(a.address()).isEqualTo(source));
			// what was guessed never shows, not even the part of the key it got right
			assertThat(gw.log()).noneMatch(l -> l.contains("not-the-key") || l.contains(KEY.substring(0, 6)));

			// throttled: handshakes from the address are dropped unchecked, but one a second is still
			// checked, so that an honest client behind the same (NAT) address gets in
			try (ToyVpnClient sameSource = ToyVpnClient.open(t.phone(), source, server)) {
				for (int i = 0; i < 5; i++) {
					sameSource.sendRaw(ToyVpnClient.handshakeDatagram("still-not-the-key", null));
				}
				Sleep.millis(1100);
				assertThat(sameSource.tryHandshake(KEY, "honest", 3, Duration.ofSeconds(1)))
						.as("an honest client behind the throttled address, at its next check").isPresent();
			}
			assertThat(Scenarios.logLines(gw, mark, "opened: client honest")).hasSize(1);
			VpnShell.Stats stats = VpnShell.stats(gw);
			assertThat(stats.rejections().get("BAD_KEY")).as("wrong keys checked").isBetween((long) MAX_FAILURES, MAX_FAILURES + 1L);
			assertThat(stats.totals().handshakesFailed()).isBetween((long) MAX_FAILURES, MAX_FAILURES + 1L);
			assertThat(stats.drops("THROTTLED")).as("handshakes dropped unchecked while throttled").isGreaterThanOrEqualTo(4);
			assertThat(stats.totals().handshakesOk()).isEqualTo(1);

			// another source address is not affected
			try (ToyVpnClient neighbour = ToyVpnClient.open(t.phone(), neighbourAddress, server)) {
				Parameters p = neighbour.handshake(KEY, "neighbour");
				neighbour.send(Packets.icmpEchoRequest(p.address(), t.inetAddress(), 77, 1, "hello".getBytes()));
				assertThat(neighbour.receive(r -> r.isEchoReply(77, 1), REPLY).source()).isEqualTo(t.inetAddress());
				assertThat(Scenarios.logLines(gw, mark, "opened: client neighbour at " + neighbourAddress + ":")).hasSize(1);
			}
		}
	}
}
