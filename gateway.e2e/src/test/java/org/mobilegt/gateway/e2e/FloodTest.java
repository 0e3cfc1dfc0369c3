package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
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
 * One source floods the tunnel port with wrong-key handshakes as fast as one thread can send, for
 * 10 s. After the first failures it is throttled: its datagrams are dropped on arrival without a
 * key check ({@code drops.THROTTLED}), so legitimate clients still handshake and their traffic
 * flows. The ping round trip of a client during the flood is compared with the time before it.
 */
@RequiresRoot
class FloodTest {

	private static final Duration FLOOD = Duration.ofSeconds(10);
	private static final long FLOOD_MAX_DATAGRAMS = 50_000_000;
	private static final Duration BASELINE = Duration.ofSeconds(4);
	private static final Duration PING_INTERVAL = Duration.ofMillis(20);
	private static final int MAX_FAILURES = 10;
	/** Handshakes of legitimate clients during the flood, spread over it. */
	private static final int NEWCOMERS = 5;
	/** Pings of the legitimate client that may go missing while one core is busy flooding. */
	private static final double PING_LOSS_BUDGET = 0.10;
	/**
	 * Flood handshakes already queued for the control workers (tunnel.udp's queue of 1024, and one
	 * per worker) when the throttle starts: they still get a check, which refuses them at once.
	 */
	private static final int CONTROL_BACKLOG = 1024 + 64;

	@Test
	void aWrongKeyFloodFromOneSourceIsThrottledWhileOthersConnectAndCarryOn() throws Exception {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "FloodTest/wrongKeys")
						.conf("mobilegt.auth", Map.of("maxFailuresPerMinute", Integer.toString(MAX_FAILURES))).start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			String flooder = t.addPhoneAddress(3);
			try (ToyVpnClient pinger = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "pinger");
					PingLog ping = PingLog.start(t.phone(), pinger.tunName(), t.inetAddress(), PING_INTERVAL, Duration.ofMinutes(2));
					DatagramChannel flood = Netns.inside(t.phone(),
							() -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(flooder, 0)))) {
				assertThat(ping.awaitReplyAfter(System.currentTimeMillis(), Duration.ofSeconds(10))).as(ping.tail()).isTrue();
				long baselineStart = System.currentTimeMillis();
				Thread.sleep(BASELINE.toMillis());
				long baselineEnd = System.currentTimeMillis();
				VpnShell.Stats before = VpnShell.stats(gw);
				Map<String, Long> udpBefore = FuzzTest.udpCounters(t.gw());

				long floodStart = System.currentTimeMillis();
				CompletableFuture<Long> flooding = CompletableFuture.supplyAsync(() -> flood(flood, server));
				List<Long> handshakeMillis = new ArrayList<>();
				for (int i = 0; i < NEWCOMERS; i++) {
					Thread.sleep(FLOOD.toMillis() / (NEWCOMERS + 1));
					long t0 = System.nanoTime();
					try (ToyVpnClient newcomer = ToyVpnClient.open(t.phone(), server)) {
						Parameters p = newcomer.handshake(KEY, "newcomer-" + i);
						handshakeMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
						int id = 40 + i;
						newcomer.send(Packets.icmpEchoRequest(p.address(), t.inetAddress(), id, 1, "during the flood".getBytes()));
						newcomer.receive(r -> r.isEchoReply(id, 1), Scenarios.REPLY);
					}
				}
				long sent = flooding.get(FLOOD.toSeconds() + 30, TimeUnit.SECONDS);
				long floodEnd = System.currentTimeMillis();
				VpnShell.Stats after = VpnShell.stats(gw);
				Map<String, Long> udpAfter = FuzzTest.udpCounters(t.gw());

				PingLog.Window quiet = ping.window(baselineStart, baselineEnd);
				PingLog.Window flooded = ping.window(floodStart, floodEnd);
				long throttled = after.drops("THROTTLED") - before.drops("THROTTLED");
				long refused = after.drops("HANDSHAKE_REFUSED") - before.drops("HANDSHAKE_REFUSED");
				long checked = after.totals().handshakesFailed() - before.totals().handshakesFailed();
				long kernelDrops = udpAfter.get("RcvbufErrors") - udpBefore.get("RcvbufErrors");
				long arrived = sent - kernelDrops;
				List<String> figures = List.of(
						String.format(Locale.ROOT, "flood: %d wrong-key handshakes from %s in %d ms (%.0f/s); the kernel dropped %d for "
								+ "a full receive buffer", sent, flooder, floodEnd - floodStart, sent * 1000.0 / (floodEnd - floodStart),
								kernelDrops),
						String.format(Locale.ROOT, "gateway: %d THROTTLED (dropped without work), %d HANDSHAKE_REFUSED, %d reached the "
								+ "key check (%.3f%% of those that arrived)", throttled, refused, checked, 100.0 * checked / arrived),
						"legitimate handshakes during the flood (ms): " + handshakeMillis,
						"ping every " + PING_INTERVAL.toMillis() + " ms without flood: " + quiet,
						"ping every " + PING_INTERVAL.toMillis() + " ms during flood:  " + flooded);
				figures.forEach(f -> E2e.log("MEASURED " + f));
				Files.write(gw.workDir().resolve("figures.txt"), figures);

				assertThat(handshakeMillis).as("legitimate handshakes during the flood").hasSize(NEWCOMERS);
				assertThat(throttled).as("THROTTLED drops of %d flood datagrams that arrived", arrived)
						.isGreaterThanOrEqualTo((long) (arrived * 0.99) - CONTROL_BACKLOG);
				assertThat(checked).as("flood handshakes that cost a key check").isLessThanOrEqualTo(MAX_FAILURES + CONTROL_BACKLOG);
				assertThat(flooded.lossRatio()).as("ping loss during the flood: %s", flooded).isLessThanOrEqualTo(PING_LOSS_BUDGET);
				assertThat(VpnShell.illegal(gw, 100)).as("the flooder in the illegal-attempt log")
						.anySatisfy(a -> assertThat(a.reason()).isEqualTo("THROTTLED"))
						.allSatisfy(a -> assertThat(a.address()).isEqualTo(flooder));
			}
		}
	}

	/** Wrong-key handshakes, one after the other, for {@link #FLOOD} (and at most a bounded count). */
	private static long flood(DatagramChannel channel, InetSocketAddress server) {
		ByteBuffer datagram = ByteBuffer.wrap(ToyVpnClient.handshakeDatagram("not-" + KEY, null));
		long deadline = System.nanoTime() + FLOOD.toNanos();
		long n = 0;
		try {
			while (n < FLOOD_MAX_DATAGRAMS) {
				if ((n & 255) == 0 && System.nanoTime() >= deadline) {
					break;
				}
				datagram.rewind();
				channel.send(datagram, server);
				n++;
			}
		} catch (IOException e) {
			throw new IllegalStateException("flood send failed after " + n, e);
		}
		return n;
	}
}
