package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * UDP GRO receive (mobilegt.tunnel receiveOffload): bursts a client sends as one GSO packet reach
 * the gateway's socket as one message each, and every datagram in them is forwarded intact. Turned
 * off live, it stays on until the socket is bound again (what the kernel merged meanwhile must
 * still be taken apart); after a restart the kernel hands the datagrams over one by one, and they
 * still all arrive. The gw namespace's UDP InDatagrams (one per message the sockets read) tells which.
 * On Linux 6.2 and newer the gateway also writes each burst's datagrams to the TUN device as UDP
 * segments, a few writes for a burst (the device's rx_packets counts a write once), on or off.
 */
@RequiresRoot
class ReceiveOffloadTest {

	private static final int SINK_PORT = 9911;
	private static final int BURSTS = 20;
	private static final int PER_BURST = 25;
	private static final int PAYLOAD = 100;
	private static final Duration ARRIVAL = Duration.ofSeconds(10);
	/** Whether this kernel takes UDP segments written to a TUN device (VIRTIO_NET_HDR_GSO_UDP_L4, Linux 6.2). */
	private static final boolean UDP_SEGMENTS = Runtime.Version.parse(System.getProperty("os.version").replaceAll("^(\\d+\\.\\d+).*", "$1"))
			.compareTo(Runtime.Version.parse("6.2")) >= 0;

	@Test
	void mergedBurstsAreTakenApartAndForwardedIntactOnOrOff() throws IOException {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "ReceiveOffloadTest/burst").start();
				DatagramChannel sink = Netns.inside(t.inet(),
						() -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(t.inetAddress(), SINK_PORT)));
				MergingClient client = new MergingClient(t.phone(), gw.awaitTunnel(START))) {
			assertThat(gw.log()).anyMatch(l -> l.contains("Tunnel listening on") && l.contains("receive offload on"));
			String lease = client.handshake(KEY).address();

			long writes = tunWrites(t);
			long messages = burstsArriveWhole(t, client, sink, lease, 0);
			assertThat(messages).as("messages read for %d datagrams, receive offload on", BURSTS * PER_BURST)
					.isLessThan(BURSTS * PER_BURST / 4);
			writes = tunWrites(t) - writes;
			E2e.log("receive offload: " + BURSTS * PER_BURST + " datagrams, " + messages + " messages read, " + writes
					+ " TUN writes (Linux " + System.getProperty("os.version") + ")");
			if (UDP_SEGMENTS) {
				assertThat(writes).as("TUN writes for %d datagrams in bursts of %d", BURSTS * PER_BURST, PER_BURST)
						.isLessThan(BURSTS * PER_BURST / 4);
			} else {
				assertThat(writes).as("one TUN write per datagram before Linux 6.2").isGreaterThanOrEqualTo(BURSTS * PER_BURST);
			}

			int mark = gw.logMark();
			gw.conf("mobilegt.tunnel", Map.of("receiveOffload", "false"));
			gw.awaitLog("Tunnel receive offload (UDP GRO) off from the socket's next bind", mark, START);
			messages = burstsArriveWhole(t, client, sink, lease, BURSTS * PER_BURST);
			assertThat(messages).as("messages read for %d datagrams, off but the socket not bound again", BURSTS * PER_BURST)
					.isLessThan(BURSTS * PER_BURST / 4);

			gw.stop();
			gw.start();
			gw.awaitTunnel(START);
			assertThat(gw.log()).anyMatch(l -> l.contains("Tunnel listening on") && l.contains("receive offload off"));
			lease = client.handshake(KEY).address();
			writes = tunWrites(t);
			messages = burstsArriveWhole(t, client, sink, lease, 2 * BURSTS * PER_BURST);
			assertThat(messages).as("messages read, receive offload off").isGreaterThanOrEqualTo(BURSTS * PER_BURST);
			if (UDP_SEGMENTS) {
				assertThat(tunWrites(t) - writes).as("TUN writes, the datagrams read one by one but merged in a batch")
						.isLessThan(BURSTS * PER_BURST * 3 / 4);
			}
		}
	}

	/**
	 * Sends the bursts (datagrams numbered from {@code first}), each once the sink has every
	 * datagram of the one before with its payload intact (its socket buffer holds only a few
	 * hundred), and returns how many UDP messages the gw namespace read meanwhile.
	 */
	private static long burstsArriveWhole(Topology t, MergingClient client, DatagramChannel sink, String lease, int first)
			throws IOException {
		long before = inDatagrams(t);
		BitSet seen = new BitSet();
		ByteBuffer in = ByteBuffer.allocate(2048);
		sink.configureBlocking(false);
		for (int b = 0; b < BURSTS; b++) {
			byte[][] burst = new byte[PER_BURST][];
			for (int i = 0; i < PER_BURST; i++) {
				burst[i] = Packets.udp(lease, 40000, t.inetAddress(), SINK_PORT, payload(first + b * PER_BURST + i));
			}
			client.sendMerged(burst);
			long deadline = System.nanoTime() + ARRIVAL.toNanos();
			while (seen.cardinality() < (b + 1) * PER_BURST && System.nanoTime() < deadline) {
				in.clear();
				if (sink.receive(in) == null) {
					Sleep.millis(1);
					continue;
				}
				in.flip();
				int n = in.getInt(0);
				assertThat(in.remaining()).as("datagram %d's length", n).isEqualTo(PAYLOAD);
				assertThat(in.array()).as("datagram %d's payload", n).startsWith(payload(n));
				seen.set(n - first);
			}
			assertThat(seen.cardinality()).as("datagrams that arrived of bursts 0 to %d", b).isEqualTo((b + 1) * PER_BURST);
		}
		return inDatagrams(t) - before;
	}

	private static byte[] payload(int n) {
		ByteBuffer p = ByteBuffer.allocate(PAYLOAD).putInt(n);
		while (p.hasRemaining()) {
			p.put((byte) (n * 31 + p.position()));
		}
		return p.array();
	}

	/** The packets written to the gateway's TUN device: a UDP or TCP segment counts once. */
	private static long tunWrites(Topology t) {
		return Long.parseLong(Netns.exec(t.gw(), "cat", "/sys/class/net/mgt0/statistics/rx_packets").check().out().trim());
	}

	/** UDP InDatagrams of the gw namespace: the datagrams its sockets read, a merged message counted once. */
	private static long inDatagrams(Topology t) {
		return FuzzTest.udpCounters(t.gw()).get("InDatagrams");
	}
}
