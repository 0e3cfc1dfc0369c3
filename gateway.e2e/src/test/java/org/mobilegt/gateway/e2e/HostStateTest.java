package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.ECHO_PORT;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The gateway leaves the box's network exactly as it found it: sysctls (IPv6's too), routes, nft and iptables
 * rulesets compared as text before the first start and after the final stop, across kill -9 and
 * restarts; a client subnet that would take over a host route is refused; NAT follows the default
 * route when it moves to another interface; a foreign forward chain with policy drop is reported.
 */
@RequiresRoot
class HostStateTest {

	private static final Duration LIVE = Duration.ofSeconds(30);
	private static final String RECORD = "ip_forward.original";

	@Test
	void stopAfterKill9AndRestartsRestoresSysctlsRoutesAndRulesetsExactly() {
		try (Topology t = Topology.create()) {
			String before = hostState(t);
			assertThat(before).contains("net.ipv4.ip_forward = 0", "net.ipv6.conf.all.forwarding = 0",
					"net.ipv6.conf." + Topology.GW_INET_IF + ".accept_ra = 1");
			try (Gateway gw = Scenarios.gateway(t, "HostStateTest/restore").start();
					Servers.UdpEcho echo = Servers.udpEcho(t.inet(), ECHO_PORT)) {
				InetSocketAddress server = gw.awaitTunnel(START);
				assertThat(forwarding(t)).isEqualTo("1");
				assertThat(Netns.exec(t.gw(), "sysctl", "-n", "net.ipv6.conf.all.forwarding", "net.ipv6.conf."
						+ Topology.GW_INET_IF + ".accept_ra").check().out()).as("IPv6 forwarding, RAs still accepted").isEqualTo("1\n2");
				assertThat(record(gw)).as("the original ip_forward, kept in the data area").isNotNull();
				for (int crash = 1; crash <= 2; crash++) {
					gw.kill9();
					assertThat(forwarding(t)).as("after kill -9 #%d", crash).isEqualTo("1");
					gw.start();
					gw.awaitTunnel(START);
					assertThat(gw.log()).as("restart #%d", crash).anyMatch(l -> l.contains("net.ipv4.ip_forward=1 (was 0)"));
				}
				try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
					String a = alice.handshake(KEY, "alice").address();
					assertThat(IsolationTest.reaches(alice, a, t.inetAddress(), ECHO_PORT)).as("NAT after the restarts").isTrue();
				}
				assertThat(gw.stop()).isEqualTo(143);
				assertThat(record(gw)).as("the record, once the value is back").isNull();
			}
			assertThat(hostState(t)).isEqualTo(before);
		}
	}

	@Test
	void aSubnetThatWouldTakeOverAHostRouteIsRefusedNamingItAndTheRouteStays() {
		try (Topology t = Topology.create()) {
			String lan = t.addLan();
			String lanSubnet = lan.substring(0, lan.lastIndexOf('.')) + ".0/24";
			Netns.host("ip", "-n", t.gw(), "route", "add", "10.77.9.0/24", "via", lan).check();
			String routes = routes(t);
			try (Gateway gw = Scenarios.gateway(t, "HostStateTest/overlapAtStart").start()) {
				gw.awaitLog("overlaps the route 10.77.9.0/24 via " + lan + " dev " + Topology.GW_INET_IF, START);
				// the log line comes from the driver's activation; its status service registers after it
				assertThat(gw.awaitGogo("vpn:status", "overlaps the route", START)).contains("FAIL", "overlaps the route 10.77.9.0/24");
				assertThat(routes(t)).isEqualTo(routes);
				gw.stop();
			}
			assertThat(routes(t)).isEqualTo(routes);

			Netns.host("ip", "-n", t.gw(), "route", "del", "10.77.9.0/24").check();
			routes = routes(t);
			try (Gateway gw = Scenarios.gateway(t, "HostStateTest/overlapLive").start();
					Servers.UdpEcho echo = Servers.udpEcho(t.inet(), ECHO_PORT)) {
				InetSocketAddress server = gw.awaitTunnel(START);
				String running = routes(t);
				int mark = gw.logMark();
				gw.conf("mobilegt.tun", Map.of("subnet", lanSubnet));
				gw.awaitLog("overlaps the route " + lanSubnet + " dev " + Topology.GW_INET_IF, mark, LIVE);
				assertThat(routes(t)).as("routes after the refusal").isEqualTo(running);
				try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
					String a = alice.handshake(KEY, "alice").address();
					assertThat(a).startsWith("10.77.");
					assertThat(IsolationTest.reaches(alice, a, t.inetAddress(), ECHO_PORT)).as("the old subnet runs on").isTrue();
				}
				gw.stop();
			}
			assertThat(routes(t)).as("the LAN's route after the stop").isEqualTo(routes).contains(lanSubnet + " dev "
					+ Topology.GW_INET_IF);
		}
	}

	@Test
	void natFollowsTheDefaultRouteToAnotherInterface() {
		try (Topology t = Topology.create()) {
			String second = t.addSecondUplink();
			// an internet address reachable only through the default route; the inet host knows no
			// route to the client subnet, so only a translated packet gets an answer
			String far = "203.0.113.7";
			Netns.host("ip", "-n", t.inet(), "addr", "add", far + "/32", "dev", "lo").check();
			try (Gateway gw = Scenarios.gateway(t, "HostStateTest/egress").start();
					Servers.UdpEcho echo = Servers.udpEcho(t.inet(), far, ECHO_PORT)) {
				InetSocketAddress server = gw.awaitTunnel(START);
				try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
					String a = alice.handshake(KEY, "alice").address();
					assertThat(IsolationTest.reaches(alice, a, far, ECHO_PORT)).as("through the first uplink").isTrue();

					Netns.host("ip", "-n", t.gw(), "route", "replace", "default", "via", second).check();
					assertThat(Netns.exec(t.gw(), "ip", "route", "get", far).out()).contains("dev " + Topology.GW_INET_IF + "2");
					assertThat(IsolationTest.reaches(alice, a, far, ECHO_PORT)).as("through the second uplink").isTrue();
					assertThat(echo.echoed()).isEqualTo(2);
				}
			}
		}
	}

	@Test
	void aForeignForwardChainWithPolicyDropIsReportedNamingItAndLeftAlone() {
		try (Topology t = Topology.create()) {
			Netns.exec(t.gw(), "nft", "add table ip filter").check();
			Netns.exec(t.gw(), "nft", "add chain ip filter FORWARD { type filter hook forward priority 0; policy drop; }").check();
			try (Gateway gw = Scenarios.gateway(t, "HostStateTest/blocker").start();
					Servers.UdpEcho echo = Servers.udpEcho(t.inet(), ECHO_PORT)) {
				InetSocketAddress server = gw.awaitTunnel(START);
				gw.awaitLog("forward chain ip filter FORWARD has policy drop", START);
				assertThat(gw.gogo("vpn:status")).contains("WARNING: client traffic may be dropped by forward chain ip filter FORWARD");
				assertThat(gw.gogoJson("vpn:status --json").getAsJsonObject().get("tun").getAsString())
						.as("what the VPN page shows").contains("ip filter FORWARD");
				try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
					String a = alice.handshake(KEY, "alice").address();
					assertThat(IsolationTest.reaches(alice, a, t.inetAddress(), ECHO_PORT)).as("dropped by the foreign chain").isFalse();
					assertThat(Netns.exec(t.gw(), "nft", "list", "chain", "ip", "filter", "FORWARD").check().out())
							.as("left alone").contains("policy drop;").doesNotContain("accept");

					Netns.exec(t.gw(), "nft", "delete table ip filter").check();
					long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
					while (gw.gogo("vpn:status").contains("WARNING") && System.nanoTime() < deadline) {
						Sleep.millis(1000);
					}
					assertThat(gw.gogo("vpn:status")).as("the periodic check").doesNotContain("WARNING");
					assertThat(IsolationTest.reaches(alice, a, t.inetAddress(), ECHO_PORT)).as("without the foreign chain").isTrue();
				}
			}
		}
	}

	/** Samples ip_forward in the gw namespace every 10 ms; the output names every value but 1. */
	static Background watchForwarding(Topology t) {
		return Netns.start(t.gw(), "sh", "-c",
				"while :; do read v < /proc/sys/net/ipv4/ip_forward; [ \"$v\" = 1 ] || echo \"ip_forward=$v\"; sleep 0.01; done");
	}

	private static String forwarding(Topology t) {
		return Netns.exec(t.gw(), "cat", "/proc/sys/net/ipv4/ip_forward").check().out().strip();
	}

	private static String routes(Topology t) {
		return Netns.exec(t.gw(), "ip", "-4", "route", "show", "table", "all").check().out();
	}

	/**
	 * What the gateway may touch in its namespace: forwarding sysctls (of the interfaces it found),
	 * IPv4 routes and rules of every table, the nft ruleset and, where installed, iptables.
	 */
	static String hostState(Topology t) {
		String sysctls = Netns.exec(t.gw(), "sysctl", "net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding",
				"net.ipv4.conf.default.forwarding", "net.ipv4.conf." + Topology.GW_INET_IF + ".forwarding",
				"net.ipv4.conf." + Topology.GW_PHONE_IF + ".forwarding", "net.ipv6.conf.all.forwarding",
				"net.ipv6.conf." + Topology.GW_INET_IF + ".forwarding", "net.ipv6.conf." + Topology.GW_INET_IF + ".accept_ra",
				"net.ipv6.conf." + Topology.GW_PHONE_IF + ".accept_ra").check().out();
		String iptables = Netns.exec(t.gw(), "sh", "-c",
				"if command -v iptables-save >/dev/null; then iptables-save | sed '/^#/d'; else echo no iptables; fi").check().out();
		// IPv6's main table: the local one gains the veths' link-local addresses once their DAD is done
		return "== sysctl\n" + sysctls + "== routes\n" + routes(t) + "== IPv6 routes\n"
				+ Netns.exec(t.gw(), "ip", "-6", "route", "show", "table", "main").check().out() + "== rules\n"
				+ Netns.exec(t.gw(), "ip", "-4", "rule", "show").check().out() + "== nft\n"
				+ Netns.exec(t.gw(), "nft", "list", "ruleset").check().out() + "== iptables\n" + iptables;
	}

	private static Path record(Gateway gw) {
		try (Stream<Path> files = Files.walk(gw.workDir().resolve("data"))) {
			return files.filter(p -> p.getFileName().toString().equals(RECORD)).findFirst().orElse(null);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
