package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * An attacker floods from 1,024 spoofed addresses and from its own address: wrong keys, data from
 * unknown endpoints, zero-leading garbage. Four legitimate clients are connected, two of them
 * behind the attacker's address (a carrier-grade NAT shared with it). They must not notice: their
 * pings lose nothing and a TCP stream carries on intact, while the attacker's sources are counted
 * and throttled.
 */
@RequiresRoot
class ManySourceFloodTest {

	private static final int SOURCES = 1024;
	private static final Duration FLOOD = Duration.ofSeconds(15);
	private static final int PER_SECOND = 8000;
	private static final Duration PING_INTERVAL = Duration.ofMillis(200);
	private static final int STREAM_PORT = 5301;
	private static final long STREAM_BYTES_PER_SECOND = 2_000_000;

	@Test
	void legitimateClientsIncludingTwoBehindTheAttackersAddressLoseNothing() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "ManySourceFloodTest/flood").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			List<String> spoofed = SpoofedSources.add(t, SOURCES);
			String attacker = t.phoneAddress();
			List<ToyVpnClient> clients = new ArrayList<>();
			List<PingLog> pings = new ArrayList<>();
			String[] from = { attacker, attacker, t.addPhoneAddress(3), t.addPhoneAddress(4) };
			try {
				for (int i = 0; i < from.length; i++) {
					clients.add(ToyVpnClient.withTun(t.phone(), from[i], server, "mgtc" + i, KEY, "legit-" + i));
				}
				for (ToyVpnClient c : clients) {
					pings.add(PingLog.start(t.phone(), c.tunName(), t.inetAddress(), PING_INTERVAL, Duration.ofMinutes(2)));
				}
				long warm = System.currentTimeMillis();
				for (PingLog p : pings) {
					assertThat(p.awaitReplyAfter(warm, Duration.ofSeconds(10))).as(p.tail()).isTrue();
				}
				Sleep.millis(3000);
				long quietEnd = System.currentTimeMillis();
				long rssBefore = FuzzTest.rssKb(gw);
				VpnShell.Stats before = VpnShell.stats(gw);
				long sent;
				long started;
				long ended;
				TcpStream.Outcome stream;
				try (TcpStream tcp = TcpStream.start(t.phone(), t.inet(), t.inetAddress(), STREAM_PORT, STREAM_BYTES_PER_SECOND)) {
					started = System.currentTimeMillis();
					sent = flood(t, server, spoofed, attacker);
					ended = System.currentTimeMillis();
					stream = tcp.finish(Duration.ofSeconds(30));
				}
				for (PingLog p : pings) {
					assertThat(p.awaitReplyAfter(ended, Duration.ofSeconds(10))).as(p.tail()).isTrue();
				}
				VpnShell.Stats after = VpnShell.stats(gw);
				long rssAfter = FuzzTest.rssKb(gw);
				Map<String, Long> drops = new TreeMap<>();
				after.drops().forEach((r, n) -> drops.put(r, n - before.drops(r)));
				drops.values().removeIf(n -> n == 0);

				List<String> figures = new ArrayList<>();
				figures.add(String.format(Locale.ROOT, "flood: %d datagrams in %d ms from %d spoofed addresses and %s", sent, ended - started,
						SOURCES, attacker));
				figures.add("drops by reason during the flood: " + drops);
				figures.add(String.format(Locale.ROOT, "RSS: %d MB before, %d MB after", rssBefore / 1024, rssAfter / 1024));
				figures.add("TCP stream through legit-0: " + stream);
				for (int i = 0; i < pings.size(); i++) {
					figures.add(String.format(Locale.ROOT, "legit-%d (%s): before %s; during %s", i, from[i],
							pings.get(i).window(warm, quietEnd), pings.get(i).window(started, ended)));
				}
				figures.forEach(f -> E2e.log("MEASURED " + f));
				Files.write(gw.workDir().resolve("figures.txt"), figures);

				for (int i = 0; i < pings.size(); i++) {
					PingLog.Window during = pings.get(i).window(started, ended);
					assertThat(during.lost()).as("pings lost by legit-%d (%s) during the flood: %s", i, from[i], during).isZero();
					assertThat(during.replies()).as("pings of legit-%d during the flood", i).isPositive();
				}
				assertThat(stream.intact()).as("the TCP stream: %s", stream).isTrue();
				assertThat(drops.getOrDefault("THROTTLED", 0L)).as("drops.THROTTLED").isPositive();
				assertThat(VpnShell.clients(gw)).as("the four sessions").hasSize(4);
			} finally {
				pings.forEach(PingLog::close);
				clients.forEach(ToyVpnClient::close);
			}
		}
	}

	/** Wrong keys, unknown-endpoint data and garbage at {@link #PER_SECOND} for {@link #FLOOD}; how many were sent. */
	private static long flood(Topology t, InetSocketAddress server, List<String> spoofed, String attacker) throws IOException {
		List<String> sources = new ArrayList<>(spoofed);
		sources.add(attacker);
		List<DatagramChannel> channels = UdpSockets.bind(t.phone(), sources, 1);
		Random random = new Random(20261129L);
		long start = System.nanoTime();
		long n = 0;
		try {
			while (System.nanoTime() - start < FLOOD.toNanos()) {
				byte[] datagram = switch (random.nextInt(4)) {
				case 0 -> ToyVpnClient.handshakeDatagram("not-" + KEY + random.nextInt(1000), null);
				case 1 -> Packets.udp("10.77." + random.nextInt(256) + "." + random.nextInt(256), 5000, t.inetAddress(), 9,
						new byte[random.nextInt(200)]);
				case 2 -> {
					byte[] d = new byte[2 + random.nextInt(300)];
					random.nextBytes(d);
					d[0] = 0;
					yield d;
				}
				default -> new byte[1];
				};
				// every fourth datagram from the attacker's own address, the rest spread over the spoofed ones
				DatagramChannel c = channels.get(n % 4 == 0 ? channels.size() - 1 : random.nextInt(channels.size() - 1));
				c.send(ByteBuffer.wrap(datagram), server);
				n++;
				long wait = start + n * 1_000_000_000L / PER_SECOND - System.nanoTime();
				if (wait > 0 && n % 50 == 0) {
					TimeUnit.NANOSECONDS.sleep(wait);
				}
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		} finally {
			UdpSockets.close(channels);
		}
		return n;
	}
}
