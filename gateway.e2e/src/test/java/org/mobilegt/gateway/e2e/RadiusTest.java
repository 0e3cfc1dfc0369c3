package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.ECHO_PORT;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.REPLY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * auth.radius against real FreeRADIUS servers run in the test's inet namespace: accept with the
 * Framed-IP-Address honoured, reject (an illegal attempt), an address outside the pool refused,
 * failover to the second server, both servers down with onUnreachable reject and local, and the
 * live hand-back to the gateway's own keys with no session lost; accounting with both tunnel
 * addresses (Framed-IP-Address, Framed-IPv6-Address) through a server outage and a bundle update.
 */
@RequiresRoot
class RadiusTest {

	static final String USERS = """
			alice Cleartext-Password := "alice-secret"
				Framed-IP-Address = 10.77.9.9,
				Class = "cls-alice"
			bob Cleartext-Password := "bob-secret"
			outsider Cleartext-Password := "outsider-secret"
				Framed-IP-Address = 192.0.2.9
			brief Cleartext-Password := "brief-secret"
				Session-Timeout = 3
			""";
	private static final int PACKETS = 20;
	private static final int PAYLOAD = 1000;
	private static final Duration REFUSED = Duration.ofMillis(1500);

	@Test
	void acceptRejectFailoverUnreachableAndLiveHandBack() {
		try (Topology t = Topology.create()) {
			Gateway gw = Scenarios.gateway(t, "RadiusTest/lifecycle").conf("mobilegt.radius",
					Map.of("servers", t.inetAddress() + ":1812," + t.inetAddress() + ":1822", "secret", FreeRadius.SECRET,
							"timeoutMillis", "400", "retries", "1", "accounting", "false", "nasIdentifier", "gw-e2e"));
			try (gw; FreeRadius first = FreeRadius.start(t.inet(), gw.workDir().resolve("radius1"), 1812, USERS);
					FreeRadius second = FreeRadius.start(t.inet(), gw.workDir().resolve("radius2"), 1822, USERS)) {
				gw.start();
				InetSocketAddress server = gw.awaitTunnel(START);
				gw.awaitLog("RADIUS authentication on", REPLY);
				try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server);
						ToyVpnClient bob = ToyVpnClient.open(t.phone(), server);
						ToyVpnClient other = ToyVpnClient.open(t.phone(), server)) {
					// accept: the address RADIUS assigned, and traffic flows
					assertThat(alice.handshake("alice-secret", "alice").address()).isEqualTo("10.77.9.9");
					alice.send(Packets.icmpEchoRequest("10.77.9.9", t.inetAddress(), 1, 1, "radius".getBytes()));
					alice.receive(r -> r.isEchoReply(1, 1), REPLY);
					assertThat(first.output()).contains("Login OK: [alice] (from client gateway port 0 cli " + t.phoneAddress() + ":" + alice.localPort());

					// reject: no reply, an illegal attempt; the shared key is no password for RADIUS users
					assertThat(bob.tryHandshake("wrong", "bob", 2, REFUSED)).isEmpty();
					assertThat(bob.tryHandshake(KEY, "bob", 1, REFUSED)).isEmpty();
					assertThat(VpnShell.illegal(gw, 5)).anySatisfy(a -> {
						assertThat(a.reason()).isEqualTo("REJECTED_BY_RADIUS");
						assertThat(a.port()).isEqualTo(bob.localPort());
					});

					// an assigned address outside the pool is refused, and the log says why
					int mark = gw.logMark();
					assertThat(other.tryHandshake("outsider-secret", "outsider", 1, REFUSED)).isEmpty();
					gw.awaitLog("assigned address 192.0.2.9 is outside the client subnet", mark, REPLY);

					// failover: the first server stops, the second answers
					first.close();
					assertThat(bob.handshake("bob-secret", "bob").address()).startsWith("10.77.");
					assertThat(second.output()).contains("Login OK: [bob");

					// both down: reject, then local keys
					second.close();
					assertThat(other.tryHandshake(KEY, "carol", 1, Duration.ofSeconds(3))).as("unreachable, reject").isEmpty();
					mark = gw.logMark();
					gw.conf("mobilegt.radius", Map.of("onUnreachable", "local"));
					gw.awaitLog("RADIUS authentication on", mark, REPLY);
					assertThat(other.tryHandshake(KEY, "carol", 2, Duration.ofSeconds(3))).as("unreachable, local").isPresent();

					// hand back live: servers emptied, the gateway's own key decides, sessions stay
					mark = gw.logMark();
					gw.conf("mobilegt.radius", Map.of("servers", ""));
					gw.awaitLog("RADIUS authentication off", mark, REPLY);
					assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::clientId).contains("alice", "bob", "carol");
					alice.send(Packets.icmpEchoRequest("10.77.9.9", t.inetAddress(), 2, 1, "after".getBytes()));
					alice.receive(r -> r.isEchoReply(2, 1), REPLY);
					try (ToyVpnClient dave = ToyVpnClient.open(t.phone(), server)) {
						assertThat(dave.handshake(KEY, "dave").address()).startsWith("10.77.");
					}
				}
			}
		}
	}

	@Test
	void accountingMatchesTheGatewaysCountersSessionTimeoutAndStopsWaitForTheServer() {
		try (Topology t = Topology.create()) {
			Gateway gw = Scenarios.gateway(t, "RadiusTest/accounting").conf("mobilegt.radius",
					Map.of("servers", t.inetAddress() + ":1812", "secret", FreeRadius.SECRET, "timeoutMillis", "400", "retries", "1",
							"accounting", "true", "interimSeconds", "0"));
			Path raddb = gw.workDir().resolve("radius");
			FreeRadius radius = FreeRadius.start(t.inet(), raddb, 1812, USERS);
			try (gw; Servers.UdpEcho echo = Servers.udpEcho(t.inet(), ECHO_PORT)) {
				gw.start();
				InetSocketAddress server = gw.awaitTunnel(START);
				gw.awaitLog("RADIUS authentication on", REPLY);
				try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server);
						ToyVpnClient moved = ToyVpnClient.open(t.phone(), server);
						ToyVpnClient brief = ToyVpnClient.open(t.phone(), server);
						ToyVpnClient bob = ToyVpnClient.open(t.phone(), server)) {
					Parameters aliceParameters = alice.handshake("alice-secret", "alice");
					String address = aliceParameters.address();
					assertThat(aliceParameters.address6()).as("the default gateway is dual-stack (subnet6 auto)").isNotNull();
					ToyVpnClient phone = alice;
					for (int i = 0; i < PACKETS; i++) {
						if (i == PACKETS / 2) {
							// alice roams to another port mid-session: still one session, accounted once
							Parameters again = moved.handshake("alice-secret", "alice");
							assertThat(again.address()).isEqualTo(address);
							assertThat(again.address6()).isEqualTo(aliceParameters.address6());
							phone = moved;
						}
						phone.send(Packets.udp(address, 40000, t.inetAddress(), ECHO_PORT, new byte[PAYLOAD]));
						phone.receive(Ipv4Packet::isUdp, REPLY);
					}
					VpnShell.Client counted = VpnShell.clients(gw).stream().filter(c -> "alice".equals(c.clientId())).findFirst().orElseThrow();
					gw.gogo("vpn:kick alice");
					Map<String, String> stop = awaitRecord(radius, "Stop", "alice");
					assertThat(stop).containsEntry("Calling-Station-Id", t.phoneAddress() + ":" + moved.localPort());
					assertThat(Long.parseLong(stop.get("Acct-Input-Octets"))).as("input octets = vpn:client rx bytes").isEqualTo(counted.rxBytes());
					assertThat(Long.parseLong(stop.get("Acct-Output-Octets"))).as("output octets = vpn:client tx bytes").isEqualTo(counted.txBytes());
					assertThat(Long.parseLong(stop.get("Acct-Input-Packets"))).isEqualTo(counted.rxPackets());
					assertThat(Long.parseLong(stop.get("Acct-Output-Packets"))).isEqualTo(counted.txPackets());
					assertThat(counted.rxBytes()).isGreaterThanOrEqualTo((long) PACKETS * PAYLOAD);
					assertThat(stop).containsEntry("Acct-Input-Gigawords", "0").containsEntry("Framed-IP-Address", "10.77.9.9")
							.containsEntry("Acct-Terminate-Cause", "Admin-Reset").containsEntry("Class", "0x636c732d616c696365")
							.containsKey("Acct-Session-Time");
					Map<String, String> start = awaitRecord(radius, "Start", "alice");
					assertThat(start.get("Acct-Session-Id")).isEqualTo(stop.get("Acct-Session-Id"));
					// RFC 6911: both records carry the IPv6 tunnel address the client was given
					for (Map<String, String> r : List.of(start, stop)) {
						assertThat(r).containsKey("Framed-IPv6-Address").containsEntry("Framed-IP-Address", "10.77.9.9");
						assertThat(ipv6(r.get("Framed-IPv6-Address"))).as("Framed-IPv6-Address of " + r.get("Acct-Status-Type"))
								.isEqualTo(ipv6(aliceParameters.address6()));
					}
					assertThat(radius.accounting()).anySatisfy(r -> assertThat(r).containsEntry("Acct-Status-Type", "Accounting-On"));
					assertThat(radius.accounting()).as("one Start and one Stop for alice's session, roam or not")
							.filteredOn(r -> "alice".equals(r.get("User-Name"))).extracting(r -> r.get("Acct-Status-Type"))
							.containsExactly("Start", "Stop");

					// Session-Timeout: RADIUS allows 3 s
					// the three copies a stock client sends at once: one Access-Request
					byte[] hello = ToyVpnClient.handshakeDatagram("brief-secret", "brief");
					for (int i = 0; i < ToyVpnClient.HANDSHAKE_TRIES; i++) {
						brief.sendRaw(hello);
					}
					gw.awaitLog("client brief", Duration.ofSeconds(5));
					gw.awaitLog("RADIUS Session-Timeout of 3 s", Duration.ofSeconds(10));
					assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::clientId).doesNotContain("brief");
					assertThat(awaitRecord(radius, "Stop", "brief")).containsEntry("Acct-Terminate-Cause", "Session-Timeout");
					// fewer Access-Requests than copies (one unless a copy was checked after the first answer came)
					assertThat(radius.output().split("Login OK: \\[brief\\]", -1).length - 1).as("Access-Requests for 3 copies").isBetween(1, 2);

					// a Stop while the server is down waits, and arrives once it is back
					bob.handshake("bob-secret", "bob");
					awaitRecord(radius, "Start", "bob");
					radius.close();
					gw.gogo("vpn:kick bob");
					gw.awaitLog("did not answer (accounting)", Duration.ofSeconds(10));
					radius = FreeRadius.start(t.inet(), raddb, 1812, USERS);
					assertThat(awaitRecord(radius, "Stop", "bob")).containsEntry("Acct-Terminate-Cause", "Admin-Reset");
				}
			} finally {
				radius.close();
			}
		}
	}

	@Test
	void liveSwitchOnAndOffUnderTrafficLosesNoSession() {
		try (Topology t = Topology.create()) {
			Gateway gw = Scenarios.gateway(t, "RadiusTest/switch");
			try (gw; FreeRadius radius = FreeRadius.start(t.inet(), gw.workDir().resolve("radius"), 1812, USERS)) {
				gw.start();
				InetSocketAddress server = gw.awaitTunnel(START);
				try (ToyVpnClient legacy = ToyVpnClient.open(t.phone(), server);
						ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
					String address = legacy.handshake(KEY, "legacy").address();
					int seq = 0;
					for (int step = 0; step < 3; step++) {
						int mark = gw.logMark();
						if (step == 0) {
							gw.conf("mobilegt.radius", Map.of("servers", t.inetAddress() + ":1812", "secret", FreeRadius.SECRET,
									"accounting", "false"));
						} else if (step == 1) {
							assertThat(alice.handshake("alice-secret", "alice").address()).as("RADIUS decides").isEqualTo("10.77.9.9");
							// from a socket of its own: a late copy of alice's reply must not pass for an answer
							try (ToyVpnClient someone = ToyVpnClient.open(t.phone(), server)) {
								assertThat(someone.tryHandshake(KEY, "someone", 1, REFUSED)).as("the shared key while RADIUS is on").isEmpty();
							}
							gw.conf("mobilegt.radius", Map.of("servers", ""));
						}
						// traffic through the switch: every echo answered, the sessions stay
						for (int i = 0; i < 15; i++) {
							seq++;
							legacy.send(Packets.icmpEchoRequest(address, t.inetAddress(), 7, seq, "switch".getBytes()));
							int expected = seq;
							legacy.receive(r -> r.isEchoReply(7, expected), REPLY);
							Sleep.millis(50);
						}
						if (step == 0) {
							gw.awaitLog("RADIUS authentication on", mark, REPLY);
						} else if (step == 1) {
							gw.awaitLog("RADIUS authentication off", mark, REPLY);
						}
					}
					assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::clientId).containsExactlyInAnyOrder("legacy", "alice");
					assertThat(legacy.handshake(KEY, "legacy").address()).as("the shared key again, same lease").isEqualTo(address);
				}
			}
		}
	}

	@Test
	void aQueuedStopAndTheTrackedSessionsSurviveAnUpdateOfTheRadiusBundle() {
		try (Topology t = Topology.create()) {
			Gateway gw = Scenarios.gateway(t, "RadiusTest/update").conf("mobilegt.radius",
					Map.of("servers", t.inetAddress() + ":1812", "secret", FreeRadius.SECRET, "timeoutMillis", "400", "retries", "1",
							"interimSeconds", "0"));
			Path raddb = gw.workDir().resolve("radius");
			FreeRadius radius = FreeRadius.start(t.inet(), raddb, 1812, USERS);
			try (gw) {
				gw.start();
				InetSocketAddress server = gw.awaitTunnel(START);
				gw.awaitLog("RADIUS authentication on", REPLY);
				try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server); ToyVpnClient bob = ToyVpnClient.open(t.phone(), server)) {
					String alice6 = alice.handshake("alice-secret", "alice").address6();
					Parameters bobParameters = bob.handshake("bob-secret", "bob");
					String bobAddress = bobParameters.address();
					awaitRecord(radius, "Start", "alice");
					radius.close();
					gw.gogo("vpn:kick alice");
					gw.awaitLog("did not answer (accounting)", Duration.ofSeconds(10));

					Gateway.Bundle bundle = gw.bundles().get("org.mobilegt.gateway.auth.radius");
					int mark = gw.logMark();
					assertThat(gw.gogo("update " + bundle.id() + " " + gw.embeddedBundle("auth.radius").toUri())).isBlank();
					gw.awaitLog("RADIUS: 1 accounting Stop records still to send", mark, REPLY);
					gw.awaitLog("RADIUS authentication on", mark, REPLY);
					assertThat(VpnShell.clients(gw)).extracting(VpnShell.Client::clientId).containsExactly("bob");

					radius = FreeRadius.start(t.inet(), raddb, 1812, USERS);
					// the Stop queued on disk before the update kept the IPv6 address
					Map<String, String> aliceStop = awaitRecord(radius, "Stop", "alice");
					assertThat(aliceStop).containsEntry("Acct-Terminate-Cause", "Admin-Reset").containsEntry("Framed-IP-Address", "10.77.9.9");
					assertThat(ipv6(aliceStop.get("Framed-IPv6-Address"))).isEqualTo(ipv6(alice6));
					bob.send(Packets.icmpEchoRequest(bobAddress, t.inetAddress(), 9, 1, "kept".getBytes()));
					bob.receive(r -> r.isEchoReply(9, 1), REPLY);
					// the updated bundle still accounts for the session admitted before the update
					gw.gogo("vpn:kick bob");
					Map<String, String> bobStop = awaitRecord(radius, "Stop", "bob");
					assertThat(bobStop).containsEntry("Acct-Terminate-Cause", "Admin-Reset");
					assertThat(ipv6(bobStop.get("Framed-IPv6-Address"))).as("tracked over the update with its IPv6 address")
							.isEqualTo(ipv6(bobParameters.address6()));
				}
			} finally {
				radius.close();
			}
		}
	}

	/** An IPv6 literal (never a name lookup: Java parses a text with ':' as an address), to compare two spellings. */
	private static InetAddress ipv6(String literal) {
		assertThat(literal).contains(":");
		try {
			return InetAddress.getByName(literal);
		} catch (UnknownHostException e) {
			throw new AssertionError("not an IPv6 address: " + literal, e);
		}
	}

	/** The first accounting record of {@code status} for {@code user}, waiting up to 20 s. */
	private static Map<String, String> awaitRecord(FreeRadius radius, String status, String user) {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline) {
			for (Map<String, String> r : radius.accounting()) {
				if (status.equals(r.get("Acct-Status-Type")) && user.equals(r.get("User-Name"))) {
					return r;
				}
			}
			Sleep.millis(200);
		}
		throw new AssertionError("no accounting " + status + " for " + user + " in " + radius.accounting());
	}
}
