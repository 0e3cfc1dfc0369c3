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

/**
 * Several uplink sockets on the tunnel's port (mobilegt.tunnel uplinks, SO_REUSEPORT): phones
 * spread over them are all served, and a live change of the count binds the new sockets beside
 * the old ones, so every session stays (no new handshake, same address).
 */
@RequiresRoot
class UplinksTest {

	private static final int CLIENTS = 6;
	private static final int PINGS = 5;

	@Test
	void phonesOnSeveralUplinkSocketsAreServedAndALiveChangeKeepsTheirSessions() throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "UplinksTest/live").conf("mobilegt.tunnel", Map.of("uplinks", "3")).start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			assertThat(gw.log()).anyMatch(l -> l.contains("Tunnel listening on") && l.contains("(3 uplink sockets, data steered by lease,"));
			assertThat(socketsOn(t, server.getPort())).as("sockets on the port in the gw namespace").isEqualTo(3);
			List<ToyVpnClient> clients = new ArrayList<>();
			try {
				for (int i = 0; i < CLIENTS; i++) {
					clients.add(ToyVpnClient.withTun(t.phone(), server, "mgtc" + i, KEY, "phone" + i));
				}
				List<String> addresses = clients.stream().map(c -> c.parameters().address()).toList();
				allPing(t, clients);

				int mark = gw.logMark();
				gw.conf("mobilegt.tunnel", Map.of("uplinks", "1"));
				gw.awaitLog("(1 uplink socket,", mark, START);
				assertThat(socketsOn(t, server.getPort())).as("the old sockets closed").isOne();
				allPing(t, clients);
				assertThat(Scenarios.logLines(gw, mark, "opened: client")).as("no phone had to handshake again").isEmpty();
				assertThat(clients.stream().map(c -> c.parameters().address()).toList()).isEqualTo(addresses);
				assertThat(VpnShell.clients(gw)).hasSize(CLIENTS).allSatisfy(s -> assertThat(s.drops()).isZero());
			} finally {
				for (ToyVpnClient c : clients) {
					c.close();
				}
			}
		}
	}

	/** Every phone pings the inet host at the same time, each through its own TUN; all replies come back. */
	private static void allPing(Topology t, List<ToyVpnClient> clients) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(clients.size());
		try {
			List<Future<Exec.Result>> running = new ArrayList<>();
			for (ToyVpnClient c : clients) {
				running.add(pool.submit(() -> Scenarios.ping(t.phone(), c.tunName(), t.inetAddress(), PINGS)));
			}
			for (int i = 0; i < clients.size(); i++) {
				Exec.Result r = running.get(i).get(60, TimeUnit.SECONDS);
				assertThat(r.out()).as("%s: %s", clients.get(i), r).contains(Scenarios.allReplied(PINGS));
			}
		} finally {
			pool.shutdownNow();
		}
	}

	/** UDP sockets bound to {@code port} in the gw namespace. */
	private static long socketsOn(Topology t, int port) {
		return Netns.exec(t.gw(), "ss", "-Huan", "sport = :" + port).check().out().lines().filter(l -> !l.isBlank()).count();
	}
}
