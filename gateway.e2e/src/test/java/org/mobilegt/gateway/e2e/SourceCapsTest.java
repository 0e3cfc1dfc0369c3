package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * One key holder tries to take the whole address pool: handshakes with 1,500 distinct client ids
 * from 1,500 ports of one address, into a pool of 1,021 addresses. The per-source caps (new leases
 * per minute, sessions) stop it well before the pool runs out, and clients from other addresses
 * still get addresses. The reply budget is lifted here, so that only the caps are at work.
 */
@RequiresRoot
class SourceCapsTest {

	private static final String SUBNET = "10.77.0.0/22";
	private static final int IDS = 1500;
	/** mobilegt.sessions maxNewLeasesPerSourcePerMinute, the default. */
	private static final int NEW_LEASES_PER_MINUTE = 600;

	private static long kernelDrops(Topology t) {
		return FuzzTest.udpCounters(t.gw()).getOrDefault("RcvbufErrors", 0L);
	}

	@Test
	void oneKeyHolderStaysWithinThePerSourceCapsWhileOtherSourcesGetAddresses() throws IOException {
		try (Topology t = Topology.create();
				Gateway gw = Scenarios.gateway(t, "SourceCapsTest/pool").conf("mobilegt.tun", Map.of("subnet", SUBNET))
						.conf("mobilegt.tunnel", Map.of("replyBytesPerSource", "1073741824", "replyBytesPerSecond", "1073741824"))
						.start()) {
			InetSocketAddress server = gw.awaitTunnel(START);
			String attacker = t.addPhoneAddress(3);
			List<DatagramChannel> ports = UdpSockets.bind(t.phone(), List.of(attacker), IDS);
			try {
				for (int i = 0; i < IDS; i++) {
					ports.get(i).send(ByteBuffer.wrap(ToyVpnClient.handshakeDatagram(KEY, "grab-" + i)), server);
					if (i % 100 == 99) {
						Sleep.millis(20); // the control queue keeps up: every handshake meets the caps, none is BUSY
					}
				}
				Sleep.millis(2000);
				long fromAttacker = VpnShell.clients(gw).stream().filter(c -> c.endpoint().startsWith(attacker + ":")).count();
				List<String> others = new ArrayList<>();
				for (int i = 0; i < 5; i++) {
					try (ToyVpnClient other = ToyVpnClient.open(t.phone(), t.addPhoneAddress(20 + i), server)) {
						others.add(other.handshake(KEY, "other-" + i).address());
					}
				}
				VpnShell.Pool pool = VpnShell.pool(gw);
				VpnShell.Stats stats = VpnShell.stats(gw);
				List<String> figures = List.of(String.format(Locale.ROOT,
						"%d ids from one address: %d sessions, %d refused as SOURCE_LIMIT; pool %s: %d used, %d free; 5 other sources got %s",
						IDS, fromAttacker, stats.drops("SOURCE_LIMIT"), pool.subnet(), pool.used(), pool.free(), others),
						"drops: " + stats.drops());
				figures.forEach(f -> E2e.log("MEASURED " + f));
				Files.write(gw.workDir().resolve("figures.txt"), figures);

				assertThat(fromAttacker).as("sessions of the one address").isEqualTo(NEW_LEASES_PER_MINUTE);
				// the rest is refused by the caps, unless the control queue or the socket buffer was full
				assertThat(stats.drops("SOURCE_LIMIT")).as("drops.SOURCE_LIMIT").isPositive()
						.isEqualTo(IDS - NEW_LEASES_PER_MINUTE - stats.drops("BUSY") - stats.drops("HANDSHAKE_REPEATED") - kernelDrops(t));
				assertThat(others).as("addresses for other sources").hasSize(5).doesNotHaveDuplicates();
				assertThat(pool.free()).as("free addresses").isPositive();
				assertThat(Scenarios.logLines(gw, 0, "maxNewLeasesPerSourcePerMinute=600")).as("refusals logged, rate-limited")
						.isNotEmpty().hasSizeLessThanOrEqualTo(10);
			} finally {
				UdpSockets.close(ports);
			}
		}
	}
}
