package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.Ipv4Packets;
import org.mobilegt.gateway.tunnel.api.Direction;

/**
 * Benchmark, not a test (surefire does not pick up *Bench): what {@link PcapTap#packet} costs the
 * calling pump thread, for a packet of a session nobody captures and for a captured one (1400
 * bytes). Captured packets go in bursts of half the ring with a pause after each, so that the
 * writer thread keeps up (the figure is the copy into the ring, not the drop path when it is
 * full). Prints ns per packet.
 *
 * <pre>
 * mvn -B test -pl capture.hook -am -Dtest=PcapTapBench -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class PcapTapBench {

	private static final int BURST = 512;
	private static final int BURSTS = 1000;
	private static final int PACKETS = BURST * BURSTS;
	private static final int ROUNDS = 3;

	@Test
	void nanosPerPacket() throws IOException {
		Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "pcaptap-bench");
		PcapTap tap = new PcapTap(1400, a -> { }, c -> { }, l -> System.out.println("[bench] " + l));
		try {
			ByteBuffer packet = ByteBuffer.allocateDirect(1400);
			packet.put(Ipv4Packets.icmpEcho("10.77.0.2", "172.31.3.2", true, 1, 1, 1400 - 28)).flip();
			int captured = Ipv4Packets.address("10.77.0.2");
			int other = Ipv4Packets.address("10.77.0.3");
			for (int round = 1; round <= ROUNDS; round++) {
				BuiltinCapture c = new BuiltinCapture(new Target(round, "bench", captured, "-"), PcapFile.create(dir, "r" + round, 0, 1));
				tap.add(c);
				long miss = time(tap, other, packet);
				long hit = time(tap, captured, packet);
				tap.remove(c);
				System.out.printf(Locale.ROOT, "[bench] round %d: not captured %.1f ns/packet, captured %.1f ns/packet (%d of %d dropped: writer behind)%n",
						round, (double) miss / PACKETS, (double) hit / PACKETS, c.dropped.sum(), PACKETS);
				Files.delete(c.file.current());
			}
		} finally {
			tap.shutdown();
			try (Stream<Path> s = Files.walk(dir)) {
				s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
			}
		}
	}

	/** Nanoseconds spent in {@code packet()} for PACKETS packets, in bursts with 5 ms pauses between. */
	private static long time(PcapTap tap, int address, ByteBuffer packet) {
		long total = 0;
		for (int b = 0; b < BURSTS; b++) {
			long start = System.nanoTime();
			for (int i = 0; i < BURST; i++) {
				tap.packet(address, Direction.FROM_CLIENT, packet);
			}
			total += System.nanoTime() - start;
			LockSupport.parkNanos(5_000_000); // the writer drains the ring
		}
		return total;
	}
}
