package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Several phones at once: each its own address and the configured parameters, all online together. */
@RequiresRoot
class MultiClientTest {

	private static final int PINGS = 10;
	private static final List<String> DNS = List.of("192.0.2.53", "192.0.2.54");
	/** Not the inet host's subnet: proves the gateway pushes what is configured, not a default. */
	private static final String EXTRA_ROUTE = "198.51.100.0/24";

	@Test
	void threeClientsGetTheirOwnAddressAndTheConfiguredParametersAndPingTogether() throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "MultiClientTest/threeClients")
						.conf("mobilegt.tunnel", Map.of("dns", String.join(",", DNS), "routes", t.inetSubnet() + "," + EXTRA_ROUTE))
						.start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			int mark = gw.logMark();
			try (ToyVpnClient anonymous = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, null);
					ToyVpnClient alice = ToyVpnClient.withTun(t.phone(), server, "mgtc1", KEY, "alice");
					ToyVpnClient bob = ToyVpnClient.withTun(t.phone(), server, "mgtc2", KEY, "bob")) {
				List<ToyVpnClient> clients = List.of(anonymous, alice, bob);

				List<String> addresses = clients.stream().map(c -> c.parameters().address()).toList();
				assertThat(addresses).doesNotHaveDuplicates()
						.allSatisfy(a -> assertThat(Parameters.Route.of("10.77.0.0/16").contains(a)).as(a).isTrue());
				for (ToyVpnClient c : clients) {
					Parameters p = c.parameters();
					assertThat(p.mtu()).as("mtu of %s", c).isEqualTo(1400);
					assertThat(p.prefix()).as("prefix of %s", c).isEqualTo(32);
					assertThat(p.dns()).as("dns of %s", c).isEqualTo(DNS);
					assertThat(p.routes()).as("routes of %s", c)
							.containsExactly(Parameters.Route.of(t.inetSubnet()), Parameters.Route.of(EXTRA_ROUTE));
					assertThat(Netns.exec(t.phone(), "ip", "-o", "addr", "show", "dev", c.tunName()).out())
							.contains(p.address() + "/32");
					assertThat(Netns.exec(t.phone(), "ip", "route", "show", "dev", c.tunName()).out())
							.contains(t.inetSubnet(), EXTRA_ROUTE);
				}
				assertThat(Scenarios.logLines(gw, mark, "opened: client (anonymous) at ")).singleElement().asString()
						.endsWith(leased(anonymous.parameters()));
				assertThat(Scenarios.logLines(gw, mark, "opened: client alice at ")).singleElement().asString()
						.endsWith(leased(alice.parameters()));
				assertThat(Scenarios.logLines(gw, mark, "opened: client bob at ")).singleElement().asString()
						.endsWith(leased(bob.parameters()));

				// all three at the same time, each through its own TUN (and so its own session)
				List<Exec.Result> pings = new ArrayList<>();
				ExecutorService pool = Executors.newFixedThreadPool(clients.size());
				try {
					List<Future<Exec.Result>> running = new ArrayList<>();
					for (ToyVpnClient c : clients) {
						running.add(pool.submit(() -> Scenarios.ping(t.phone(), c.tunName(), t.inetAddress(), PINGS)));
					}
					for (Future<Exec.Result> f : running) {
						pings.add(f.get(60, TimeUnit.SECONDS));
					}
				} finally {
					pool.shutdownNow();
				}
				for (int i = 0; i < clients.size(); i++) {
					ToyVpnClient c = clients.get(i);
					assertThat(pings.get(i).out()).as("%s: %s", c, pings.get(i)).contains(Scenarios.allReplied(PINGS));
					// the replies came back to this client's endpoint: its own session, through NAT
					assertThat(c.dataReceived()).as("%s", c).isGreaterThanOrEqualTo(PINGS);
				}

				// what the operator sees: three sessions, each with its endpoint, address and traffic
				List<VpnShell.Client> sessions = VpnShell.clients(gw);
				assertThat(sessions).extracting(VpnShell.Client::clientId).containsExactlyInAnyOrder(null, "alice", "bob");
				for (ToyVpnClient c : clients) {
					String endpoint = t.phoneAddress() + ":" + c.localPort();
					assertThat(sessions).filteredOn(s -> s.endpoint().equals(endpoint)).singleElement().satisfies(s -> {
						assertThat(s.address()).isEqualTo(c.parameters().address());
						assertThat(s.rxPackets()).as("packets from %s", endpoint).isGreaterThanOrEqualTo(PINGS);
						assertThat(s.txPackets()).as("packets to %s", endpoint).isGreaterThanOrEqualTo(PINGS);
						assertThat(s.drops()).isZero();
					});
				}
			}
		}
	}

	/** How the session log names a lease: both addresses when the client got an IPv6 one too. */
	private static String leased(Parameters p) {
		return " has " + p.address() + (p.address6() == null ? "" : " and " + p.address6());
	}
}
