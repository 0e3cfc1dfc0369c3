package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

/**
 * A key holder aims handshakes with a spoofed source at a victim (here: an address of the phone
 * namespace, where nftables counts what reaches it). The gateway's replies are about 25 times the
 * size of a handshake and go out in several copies; the reply budget bounds them: one burst per
 * endpoint per second, and per source address a byte rate (one second of burst, three seconds of
 * deferral). The same budget must still let a reconnect storm through: 200 ToyVpn clients behind
 * one NAT address, each sending its handshake once (three copies) and waiting 5 s.
 */
@RequiresRoot
class AmplificationTest {

	private static final int HANDSHAKES = 1000;
	/** mobilegt.tunnel replyBytesPerSource, the default. */
	private static final int PER_SOURCE = 65536;
	private static final int STORM_CLIENTS = 200;
	private static final Duration STORM_SPREAD = Duration.ofSeconds(2);
	private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
	/** Deferred replies still leave up to 3 s after the last handshake. */
	private static final Duration SETTLE = Duration.ofSeconds(4);

	@Test
	void spoofedHandshakesAreAnsweredWithinTheBudgetWhileAReconnectStormGetsIn() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "AmplificationTest/budget").start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			List<String> figures = new ArrayList<>();

			UdpCounter.Figures onePort = aim(t, server, t.addPhoneAddress(10), 1);
			UdpCounter.Figures manyPorts = aim(t, server, t.addPhoneAddress(11), 500);
			figures.add(line("1 port", onePort));
			figures.add(line("500 ports", manyPorts));

			long[] stormMillis = storm(t, server, t.addPhoneAddress(12));
			long answered = java.util.Arrays.stream(stormMillis).filter(m -> m >= 0).count();
			long slowest = java.util.Arrays.stream(stormMillis).max().orElse(-1);
			figures.add(String.format(Locale.ROOT, "reconnect storm: %d of %d clients behind one address answered within %d s, "
					+ "slowest after %d ms", answered, STORM_CLIENTS, HANDSHAKE_TIMEOUT.toSeconds(), slowest));
			VpnShell.Stats stats = VpnShell.stats(gw);
			figures.add("drops: " + stats.drops());
			figures.forEach(f -> E2e.log("MEASURED " + f));
			Files.write(gw.workDir().resolve("figures.txt"), figures);

			assertThat(onePort.amplification()).as("bytes to the victim / bytes it sent, one port").isLessThan(1.0);
			// what one source address may get in the 1 s of burst, the time of sending and 3 s of deferral
			assertThat(manyPorts.receivedBytes()).as("bytes to the victim, 500 ports")
					.isLessThan((long) (PER_SOURCE * 1.1 * (1 + 3 + 1)));
			assertThat(manyPorts.amplification()).as("bytes to the victim / bytes it sent, 500 ports").isLessThan(10.0);
			assertThat(answered).as("storm clients answered within %s", HANDSHAKE_TIMEOUT).isEqualTo(STORM_CLIENTS);
			assertThat(stats.drops("REPLY_LIMITED")).as("handshakes left unanswered by the budget").isPositive();
		}
	}

	private static String line(String what, UdpCounter.Figures f) {
		return String.format(Locale.ROOT, "amplification, %d handshakes from %s: %d bytes sent, %d bytes (%d datagrams) "
				+ "received, ratio %.2f", HANDSHAKES, what, f.sentBytes(), f.receivedBytes(), f.receivedPackets(), f.amplification());
	}

	/** {@link #HANDSHAKES} handshakes with the right key from {@code ports} ports of {@code victim}, as fast as they go. */
	private static UdpCounter.Figures aim(Topology t, InetSocketAddress server, String victim, int ports) throws IOException {
		UdpCounter counter = UdpCounter.start(t.phone(), victim, server.getPort());
		List<DatagramChannel> channels = UdpSockets.bind(t.phone(), List.of(victim), ports);
		try {
			ByteBuffer handshake = ByteBuffer.wrap(ToyVpnClient.handshakeDatagram(KEY, null));
			for (int i = 0; i < HANDSHAKES; i++) {
				handshake.rewind();
				channels.get(i % ports).send(handshake, server);
			}
			Sleep.millis(SETTLE.toMillis());
			return counter.read();
		} finally {
			UdpSockets.close(channels);
		}
	}

	/**
	 * {@link #STORM_CLIENTS} anonymous clients on {@code nat}, spread over {@link #STORM_SPREAD}, each
	 * like ToyVpn: 3 copies of its handshake, then up to 5 s for a reply, no retry. Per client the
	 * milliseconds until its reply, -1 for none.
	 */
	private static long[] storm(Topology t, InetSocketAddress server, String nat) throws IOException {
		long[] answeredAfter = new long[STORM_CLIENTS];
		long[] sentAt = new long[STORM_CLIENTS];
		java.util.Arrays.fill(answeredAfter, -1);
		List<DatagramChannel> clients = UdpSockets.bind(t.phone(), List.of(nat), STORM_CLIENTS);
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < STORM_CLIENTS; i++) {
				clients.get(i).configureBlocking(false);
				clients.get(i).register(selector, SelectionKey.OP_READ, i);
			}
			ByteBuffer handshake = ByteBuffer.wrap(ToyVpnClient.handshakeDatagram(KEY, null));
			ByteBuffer in = ByteBuffer.allocate(2048);
			long start = System.nanoTime();
			long gap = STORM_SPREAD.toNanos() / STORM_CLIENTS;
			int next = 0;
			long end = start + STORM_SPREAD.toNanos() + HANDSHAKE_TIMEOUT.toNanos();
			while (System.nanoTime() < end) {
				while (next < STORM_CLIENTS && System.nanoTime() >= start + next * gap) {
					sentAt[next] = System.nanoTime();
					for (int copy = 0; copy < 3; copy++) {
						handshake.rewind();
						clients.get(next).send(handshake, server);
					}
					next++;
				}
				selector.select(1);
				for (SelectionKey k : selector.selectedKeys()) {
					int i = (Integer) k.attachment();
					in.clear();
					while (((DatagramChannel) k.channel()).receive(in) != null) {
						long after = (System.nanoTime() - sentAt[i]) / 1_000_000;
						if (in.position() > 1 && in.get(0) == 0 && answeredAfter[i] < 0 && after <= HANDSHAKE_TIMEOUT.toMillis()) {
							answeredAfter[i] = after;
						}
						in.clear();
					}
				}
				selector.selectedKeys().clear();
			}
			return answeredAfter;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} finally {
			UdpSockets.close(clients);
		}
	}
}
