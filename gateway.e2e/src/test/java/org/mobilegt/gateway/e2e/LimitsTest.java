package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.SILENCE;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Resource limits are policy: a client beyond {@code maxClients}, or beyond the addresses of the
 * pool, gets no reply and the log says why; a client sending more than
 * {@code maxPacketsPerSecond} has the excess dropped and counted while the others carry on. The
 * limits change live ({@code vpn:set}), so one gateway walks through all three.
 */
@RequiresRoot
class LimitsTest {

	/** Six host addresses: .1 is the gateway's own, so five clients at most. */
	private static final String SMALL_SUBNET = "10.77.0.0/29";
	private static final int POOL = 5;
	private static final int SHARE = 200;
	private static final Duration BLAST = Duration.ofSeconds(3);
	/** 25 times the share: plenty to show the limit, little enough not to starve the 2-core box. */
	private static final int BLAST_PER_SECOND = 5000;
	private static final int BLAST_PORT = 7009;

	@Test
	void clientLimitPoolExhaustionAndPerClientShareAreEnforcedByPolicy() throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "LimitsTest/policy").conf("mobilegt.tun", Map.of("subnet", SMALL_SUBNET))
						.conf("mobilegt.sessions", Map.of("maxClients", "2")).start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			List<ToyVpnClient> plain = new ArrayList<>();
			try (ToyVpnClient blaster = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "blaster");
					ToyVpnClient pinger = ToyVpnClient.withTun(t.phone(), server, "mgtc1", KEY, "pinger");
					Servers.UdpEcho sink = Servers.udpEcho(t.inet(), BLAST_PORT)) {
				// 1. maxClients=2: a third client gets nothing, the log says why
				int mark = gw.logMark();
				ToyVpnClient third = open(t, server, plain);
				assertThat(third.tryHandshake(KEY, "third", 2, Duration.ofSeconds(1))).as("reply to a third client").isEmpty();
				assertThat(gw.awaitLog("refused: client limit reached", mark, Scenarios.REPLY))
						.contains("client limit reached: 2 connected (maxClients=2)");

				// 2. no client limit but a pool of five addresses: when all are in use, the sixth client gets nothing;
				// when one is only reserved (its client was kicked and may come back), the pool is exhausted
				assertThat(gw.gogo("vpn:set mobilegt.sessions maxClients 0")).contains("applied");
				List<String> addresses = new ArrayList<>(List.of(blaster.parameters().address(), pinger.parameters().address()));
				addresses.add(third.handshake(KEY, "third").address());
				for (int i = 4; i <= POOL; i++) {
					addresses.add(open(t, server, plain).handshake(KEY, "client-" + i).address());
				}
				assertThat(addresses).doesNotHaveDuplicates().hasSize(POOL);
				mark = gw.logMark();
				ToyVpnClient sixth = open(t, server, plain);
				assertThat(sixth.tryHandshake(KEY, "sixth", 2, Duration.ofSeconds(1))).as("reply to a sixth client").isEmpty();
				assertThat(gw.awaitLog("refused: client limit reached", mark, Scenarios.REPLY))
						.contains("client limit reached: " + POOL + " connected (every address of " + SMALL_SUBNET + " is in use)");

				assertThat(gw.gogo("vpn:kick client-" + POOL)).startsWith("kicked session");
				mark = gw.logMark();
				long exhaustedBefore = VpnShell.stats(gw).drops("POOL_EXHAUSTED");
				assertThat(sixth.tryHandshake(KEY, "sixth", 2, Duration.ofSeconds(1))).as("reply to the sixth client").isEmpty();
				assertThat(gw.awaitLog("refused: address pool exhausted", mark, Scenarios.REPLY))
						.contains("all " + POOL + " addresses of " + SMALL_SUBNET + " are leased or reserved");
				assertThat(VpnShell.stats(gw).drops("POOL_EXHAUSTED") - exhaustedBefore).as("drops.POOL_EXHAUSTED").isPositive();
				assertThat(VpnShell.pool(gw)).satisfies(p -> {
					assertThat(p.size()).isEqualTo(POOL);
					assertThat(p.used()).isEqualTo(POOL - 1);
					assertThat(p.reserved()).isEqualTo(1);
					assertThat(p.free()).isZero();
				});

				// 3. a share of 200 packets/s: a blasting client is held to it, the others are not touched
				assertThat(gw.gogo("vpn:set mobilegt.sessions maxPacketsPerSecond " + SHARE)).contains("applied");
				mark = gw.logMark();
				VpnShell.Stats before = VpnShell.stats(gw);
				long echoedBefore = sink.echoed();
				long tunnelledBefore = blaster.dataSent();
				Map<String, Long> udpBefore = FuzzTest.udpCounters(t.gw());
				// unbound traffic of the phone takes the first TUN: the blaster's
				CompletableFuture<Exec.Result> pinging = CompletableFuture
						.supplyAsync(() -> Scenarios.ping(t.phone(), pinger.tunName(), t.inetAddress(), 10));
				long sent = blast(t, blaster.parameters().address());
				Exec.Result ping = pinging.get(30, TimeUnit.SECONDS);
				Sleep.millis(500); // the last echoes on their way back
				long forwarded = sink.echoed() - echoedBefore;
				VpnShell.Stats after = VpnShell.stats(gw);
				long limited = after.drops("RATE_LIMITED") - before.drops("RATE_LIMITED");
				long tunnelled = blaster.dataSent() - tunnelledBefore; // what its TUN took and sent on to the gateway
				long kernelDrops = FuzzTest.udpCounters(t.gw()).get("RcvbufErrors") - udpBefore.get("RcvbufErrors");
				double rate = (forwarded - SHARE) * 1000.0 / BLAST.toMillis(); // the first second's burst aside
				String figure = String.format(Locale.ROOT, "share %d pkt/s: the blaster sent %d UDP packets in %d ms through %s (%d "
						+ "tunnelled), %d reached the inet host (%.0f/s after the burst of %d), %d RATE_LIMITED; meanwhile %s", SHARE,
						sent, BLAST.toMillis(), blaster.tunName(), tunnelled, forwarded, rate, SHARE, limited, ping.out().lines()
								.filter(l -> l.contains("packets transmitted")).findFirst().orElse(ping.toString()));
				E2e.log("MEASURED " + figure);
				Files.writeString(gw.workDir().resolve("figures.txt"), figure + "\n");

				assertThat(ping.out()).as("the other client meanwhile: %s", ping).contains(Scenarios.allReplied(10));
				assertThat(forwarded).as("blasted packets that reached the inet host").isBetween((long) SHARE,
						(long) (SHARE * (BLAST.toSeconds() + 1) * 1.5));
				// the pinger's own packets are in the tunnelled count only if they went through the blaster's TUN: none do
				assertThat(limited).as("drops.RATE_LIMITED of %d tunnelled, %d forwarded", tunnelled, forwarded)
						.isBetween(tunnelled - forwarded - kernelDrops - 10, tunnelled - forwarded);
				assertThat(VpnShell.clients(gw)).filteredOn(c -> "pinger".equals(c.clientId())).singleElement()
						.satisfies(c -> assertThat(c.drops()).as("drops of the pinger").isZero());
				gw.awaitLog("Client blaster at " + t.phoneAddress() + ":" + blaster.localPort() + " sends more than its share", mark,
						Scenarios.REPLY);
				assertThat(Scenarios.received(sixth, SILENCE)).as("anything for the refused client").isEmpty();
			} finally {
				plain.forEach(ToyVpnClient::close);
			}
		}
	}

	private static ToyVpnClient open(Topology t, InetSocketAddress server, List<ToyVpnClient> opened) {
		ToyVpnClient c = ToyVpnClient.open(t.phone(), server);
		opened.add(c);
		return c;
	}

	/** Small UDP datagrams from the phone to the inet host's sink, {@link #BLAST_PER_SECOND} for {@link #BLAST}. */
	private static long blast(Topology t, String source) throws IOException {
		try (DatagramChannel channel = Netns.inside(t.phone(),
				() -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(source, 0)))) {
			InetSocketAddress sink = new InetSocketAddress(InetAddress.getByName(t.inetAddress()), BLAST_PORT);
			ByteBuffer payload = ByteBuffer.allocate(64);
			long start = System.nanoTime();
			long deadline = start + BLAST.toNanos();
			long n = 0;
			while (System.nanoTime() < deadline) {
				payload.rewind();
				channel.send(payload, sink);
				n++;
				long ahead = start + n * 1_000_000_000L / BLAST_PER_SECOND - System.nanoTime();
				if (ahead > 1_000_000) {
					Sleep.millis(ahead / 1_000_000);
				}
			}
			return n;
		}
	}
}
