package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.ECHO_PORT;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

/**
 * Client isolation as an attacker on a phone would probe it: UDP listeners on the gateway host
 * itself, on a LAN host behind it, on the cloud-metadata address, on a DNS server in the LAN and
 * on the internet host, plus a second client. By default only the internet and the DNS server (port
 * 53 only) answer; allow, deny, clientToClient and isolation then change that live, each through
 * the conf file as an operator would.
 */
@RequiresRoot
class IsolationTest {

	private static final int DNS_PORT = 53;
	/** A live change goes through the conf file watcher: seconds, more on a loaded machine. */
	private static final Duration LIVE = Duration.ofSeconds(30);
	private static final AtomicInteger PROBES = new AtomicInteger();

	@Test
	void clientsReachOnlyTheInternetAndTheirDnsUntilTheOperatorOpensMoreLive() {
		try (Topology t = Topology.create()) {
			String lan = t.addLan();
			String metadata = t.addMetadataHost();
			String cgnat = "100.64.7.7"; // a carrier-grade NAT neighbour (RFC 6598)
			Netns.host("ip", "-n", t.inet(), "addr", "add", cgnat + "/32", "dev", Topology.INET_IF).check();
			Netns.host("ip", "-n", t.gw(), "route", "add", cgnat + "/32", "dev", Topology.GW_INET_IF).check();
			try (Gateway gw = Scenarios.gateway(t, "IsolationTest/rules").conf("mobilegt.tun", Map.of("dns", lan)).start();
					// bound to their addresses: an answer must come from the address probed, or the
					// gateway's conntrack cannot match it to the translated request
					Servers.UdpEcho inetEcho = Servers.udpEcho(t.inet(), t.inetAddress(), ECHO_PORT);
					Servers.UdpEcho lanEcho = Servers.udpEcho(t.inet(), lan, ECHO_PORT);
					Servers.UdpEcho dns = Servers.udpEcho(t.inet(), lan, DNS_PORT);
					Servers.UdpEcho metadataEcho = Servers.udpEcho(t.inet(), metadata, ECHO_PORT);
					Servers.UdpEcho cgnatEcho = Servers.udpEcho(t.inet(), cgnat, ECHO_PORT);
					Servers.UdpEcho gwEcho = Servers.udpEcho(t.gw(), ECHO_PORT)) {
				InetSocketAddress server = gw.awaitTunnel(START);
				try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server);
						ToyVpnClient bob = ToyVpnClient.open(t.phone(), server)) {
					String a = alice.handshake(KEY, "alice").address();
					String b = bob.handshake(KEY, "bob").address();

					assertThat(reaches(alice, a, t.inetAddress(), ECHO_PORT)).as("the internet").isTrue();
					assertThat(reaches(alice, a, lan, DNS_PORT)).as("the DNS server it is given, port 53").isTrue();
					assertThat(reaches(alice, a, lan, ECHO_PORT)).as("the LAN host, other port").isFalse();
					assertThat(reaches(alice, a, metadata, ECHO_PORT)).as("cloud metadata (link-local)").isFalse();
					assertThat(reaches(alice, a, cgnat, ECHO_PORT)).as("CGNAT").isFalse();
					assertThat(reaches(alice, a, t.gwInetAddress(), ECHO_PORT)).as("the gateway's outside address").isFalse();
					assertThat(reaches(alice, a, t.gwAddress(), ECHO_PORT)).as("the gateway's phone-side address").isFalse();
					assertThat(gwEcho.echoed()).as("datagrams that reached the gateway's listener").isZero();
					assertThat(delivered(alice, a, bob, b)).as("alice -> bob").isFalse();
					String rules = Netns.exec(t.gw(), "nft", "list", "table", "inet", "mobilegt_mgt0").check().out();
					assertThat(rules).contains("hook forward", "hook input", "ip daddr 169.254.0.0/16 drop");

					gw.conf("mobilegt.tun", Map.of("allow", lan + "/32," + t.gwInetAddress()));
					eventually(() -> reaches(alice, a, lan, ECHO_PORT), "the LAN host once allowed");
					assertThat(reaches(alice, a, t.gwInetAddress(), ECHO_PORT)).as("the gateway's address once allowed").isTrue();
					assertThat(reaches(alice, a, metadata, ECHO_PORT)).as("metadata, still").isFalse();

					gw.conf("mobilegt.tun", Map.of("deny", t.inetSubnet()));
					eventually(() -> !reaches(alice, a, t.inetAddress(), ECHO_PORT), "the internet host once denied");
					assertThat(reaches(alice, a, lan, ECHO_PORT)).as("the allowed LAN host, still").isTrue();

					gw.conf("mobilegt.tun", Map.of("clientToClient", "true", "deny", ""));
					eventually(() -> delivered(alice, a, bob, b), "bob, once clientToClient=true");
					assertThat(delivered(bob, b, alice, a)).as("bob -> alice").isTrue();
					assertThat(reaches(alice, a, t.inetAddress(), ECHO_PORT)).as("the internet, deny emptied").isTrue();

					gw.conf("mobilegt.tun", Map.of("isolation", "false", "allow", ""));
					eventually(() -> reaches(alice, a, metadata, ECHO_PORT), "metadata without isolation");
					assertThat(reaches(alice, a, cgnat, ECHO_PORT)).as("CGNAT without isolation").isTrue();
					assertThat(reaches(alice, a, t.gwAddress(), ECHO_PORT)).as("the gateway without isolation").isTrue();

					gw.conf("mobilegt.tun", Map.of("isolation", "true", "clientToClient", "false"));
					eventually(() -> !reaches(alice, a, metadata, ECHO_PORT), "metadata, isolated again");
					assertThat(delivered(alice, a, bob, b)).as("alice -> bob, isolated again").isFalse();
				}
			}
		}
	}

	@Test
	void anInvalidCidrIsRefusedAndTheRulesInPlaceStay() {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "IsolationTest/invalid").start();
				Servers.UdpEcho inetEcho = Servers.udpEcho(t.inet(), ECHO_PORT)) {
			InetSocketAddress server = gw.awaitTunnel(START);
			String before = Netns.exec(t.gw(), "nft", "list", "table", "inet", "mobilegt_mgt0").check().out();
			int mark = gw.logMark();
			gw.conf("mobilegt.tun", Map.of("deny", "10.0.0.0/8,1.2.3.4/33"));
			gw.awaitLog("1.2.3.4/33 is not a network in CIDR notation", mark, LIVE);
			assertThat(Netns.exec(t.gw(), "nft", "list", "table", "inet", "mobilegt_mgt0").check().out()).isEqualTo(before);
			try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
				String a = alice.handshake(KEY, "alice").address();
				assertThat(reaches(alice, a, t.inetAddress(), ECHO_PORT)).isTrue();
			}
		}
	}

	/**
	 * A UDP datagram from the client's tunnel address to {@code dst:port}; true when its echo comes
	 * back (matched by its unique payload: an unconnected listener answers from whichever address
	 * routing picks).
	 */
	static boolean reaches(ToyVpnClient client, String from, String dst, int port) {
		int n = PROBES.incrementAndGet();
		byte[] probe = ("probe-" + n).getBytes(StandardCharsets.US_ASCII);
		// a new source port each time: a new connection, never one that conntrack already knows
		client.send(Packets.udp(from, 30000 + n % 20000, dst, port, probe));
		try {
			client.receive(p -> p.isUdp() && Arrays.equals(p.udp().data(), probe),
					Scenarios.SILENCE);
			return true;
		} catch (AssertionError e) {
			return false;
		}
	}

	/** A UDP datagram from one client to the other's tunnel address; true when it arrives. */
	static boolean delivered(ToyVpnClient sender, String from, ToyVpnClient receiver, String to) {
		byte[] probe = ("c2c-" + PROBES.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
		sender.send(Packets.udp(from, 40001, to, 40002, probe));
		try {
			receiver.receive(p -> p.isUdp() && p.source().equals(from) && Arrays.equals(p.udp().data(), probe),
					Scenarios.SILENCE);
			return true;
		} catch (AssertionError e) {
			return false;
		}
	}

	/** Polls {@code check} (each probe waits up to 2 s) until it holds, {@link #LIVE} at most. */
	static void eventually(BooleanSupplier check, String what) {
		long deadline = System.nanoTime() + LIVE.toNanos();
		while (System.nanoTime() < deadline) {
			if (check.getAsBoolean()) {
				return;
			}
		}
		throw new AssertionError("not within " + LIVE + ": " + what);
	}
}
