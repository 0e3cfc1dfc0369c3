package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.testing.Ipv4Packets;
import org.mobilegt.gateway.tunnel.api.Direction;

class PcapTapTest {

	@TempDir
	Path dir;

	private final List<List<String>> selections = new CopyOnWriteArrayList<>();
	private final List<String> log = new CopyOnWriteArrayList<>();
	private final List<BuiltinCapture> failures = new CopyOnWriteArrayList<>();
	private final PcapTap tap = new PcapTap(1400, a -> selections.add(List.of(a)), failures::add, log::add);

	@AfterEach
	void shutdown() {
		tap.shutdown();
	}

	private BuiltinCapture capture(long session, String address) throws IOException {
		return new BuiltinCapture(new Target(session, "c" + session, Ipv4Packets.address(address), "172.31.2.2:4000" + session),
				PcapFile.create(dir, "s" + session, 0, 1));
	}

	/** The packet in a direct buffer between position 7 and the limit, as the pumps hand it over. */
	private static ByteBuffer onDataPath(byte[] packet) {
		ByteBuffer b = ByteBuffer.allocateDirect(packet.length + 20);
		b.position(7);
		b.put(packet);
		b.limit(7 + packet.length).position(7);
		return b;
	}

	@Test
	void writesTheSelectedSessionsPacketsEachIntoItsOwnFile() throws IOException {
		BuiltinCapture a = capture(1, "10.77.0.2");
		BuiltinCapture b = capture(2, "10.77.0.3");
		tap.add(a);
		tap.add(b);
		assertThat(selections).containsExactly(List.of("10.77.0.2"), List.of("10.77.0.2", "10.77.0.3"));

		List<byte[]> sentA = new ArrayList<>();
		for (int seq = 1; seq <= 5; seq++) {
			byte[] request = Ipv4Packets.icmpEcho("10.77.0.2", "172.31.3.2", true, 9, seq, 56);
			byte[] reply = Ipv4Packets.icmpEcho("172.31.3.2", "10.77.0.2", false, 9, seq, 56);
			ByteBuffer buf = onDataPath(request);
			tap.packet(Ipv4Packets.address("10.77.0.2"), Direction.FROM_CLIENT, buf);
			assertThat(buf.position()).as("the tap leaves the buffer as it was").isEqualTo(7);
			assertThat(buf.limit()).isEqualTo(7 + request.length);
			tap.packet(Ipv4Packets.address("10.77.0.2"), Direction.TO_CLIENT, onDataPath(reply));
			sentA.add(request);
			sentA.add(reply);
		}
		byte[] other = Ipv4Packets.icmpEcho("10.77.0.3", "172.31.3.2", true, 10, 1, 8);
		tap.packet(Ipv4Packets.address("10.77.0.3"), Direction.FROM_CLIENT, onDataPath(other));
		tap.packet(Ipv4Packets.address("10.77.0.9"), Direction.FROM_CLIENT, onDataPath(other)); // not selected: ignored

		String summary = tap.remove(a);
		assertThat(summary).startsWith("10 packets, 0 dropped (queue full), in " + dir.resolve("s1.pcap"));
		assertThat(selections.get(selections.size() - 1)).containsExactly("10.77.0.3");
		assertThat(log).anyMatch(l -> l.startsWith("Built-in capture of session 1 (client c1, 10.77.0.2) ended: 10 packets"));

		PcapReader.File fileA = PcapReader.read(dir.resolve("s1.pcap"));
		assertThat(fileA.records()).hasSize(10);
		for (int i = 0; i < 10; i++) {
			assertThat(fileA.records().get(i).data()).isEqualTo(sentA.get(i));
		}
		long now = System.currentTimeMillis() / 1000;
		assertThat(fileA.records().get(0).seconds()).isBetween(now - 60, now + 1);

		tap.packet(Ipv4Packets.address("10.77.0.2"), Direction.FROM_CLIENT, onDataPath(other)); // after the stop: ignored
		tap.remove(b);
		assertThat(PcapReader.read(dir.resolve("s2.pcap")).records()).extracting(PcapReader.Record::data).containsExactly(other);
		assertThat(PcapReader.read(dir.resolve("s1.pcap")).records()).hasSize(10);
		assertThat(selections.get(selections.size() - 1)).as("nothing selected: the owner unregisters the tap").isEmpty();
		assertThat(failures).isEmpty();
	}

	@Test
	void packetsLongerThanASlotAreCutButKeepTheirLength() throws IOException {
		BuiltinCapture a = capture(1, "10.77.0.2");
		tap.add(a);
		byte[] big = Ipv4Packets.icmpEcho("10.77.0.2", "172.31.3.2", true, 1, 1, 3000);
		tap.packet(Ipv4Packets.address("10.77.0.2"), Direction.FROM_CLIENT, onDataPath(big));
		tap.remove(a);
		PcapReader.Record r = PcapReader.read(dir.resolve("s1.pcap")).records().get(0);
		assertThat(r.included()).isEqualTo(PcapTap.MIN_SLOT_BYTES);
		assertThat(r.original()).isEqualTo(big.length);
		assertThat(r.data()).isEqualTo(Arrays.copyOf(big, PcapTap.MIN_SLOT_BYTES));
	}

	@Test
	void theFileIsReadableWhileTheCaptureRuns() throws Exception {
		BuiltinCapture a = capture(1, "10.77.0.2");
		tap.add(a);
		tap.packet(Ipv4Packets.address("10.77.0.2"), Direction.FROM_CLIENT, onDataPath(Ipv4Packets.icmpEcho("10.77.0.2", "1.2.3.4", true, 1, 1, 8)));
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (Files.size(dir.resolve("s1.pcap")) <= PcapFormat.GLOBAL_HEADER && System.nanoTime() < deadline) {
			Thread.sleep(50); // waiting for the writer's idle flush (200 ms)
		}
		assertThat(PcapReader.read(dir.resolve("s1.pcap")).records()).hasSize(1);
	}

	@Test
	void tsharkReadsTheFile() throws Exception {
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")), "SKIPPED: tshark is not installed (Debian package tshark)");
		BuiltinCapture a = capture(1, "10.77.0.2");
		tap.add(a);
		for (int seq = 1; seq <= 3; seq++) {
			tap.packet(Ipv4Packets.address("10.77.0.2"), Direction.FROM_CLIENT, onDataPath(Ipv4Packets.icmpEcho("10.77.0.2", "172.31.3.2", true, 77, seq, 56)));
			tap.packet(Ipv4Packets.address("10.77.0.2"), Direction.TO_CLIENT, onDataPath(Ipv4Packets.icmpEcho("172.31.3.2", "10.77.0.2", false, 77, seq, 56)));
		}
		tap.remove(a);
		Process p = new ProcessBuilder("tshark", "-r", dir.resolve("s1.pcap").toString(), "-T", "fields", "-e", "ip.src", "-e",
				"ip.dst", "-e", "icmp.type", "-e", "icmp.seq").redirectError(ProcessBuilder.Redirect.DISCARD).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(p.exitValue()).as(out).isZero();
		assertThat(out.lines().filter(l -> !l.isBlank())).containsExactly("10.77.0.2\t172.31.3.2\t8\t1", "172.31.3.2\t10.77.0.2\t0\t1",
				"10.77.0.2\t172.31.3.2\t8\t2", "172.31.3.2\t10.77.0.2\t0\t2", "10.77.0.2\t172.31.3.2\t8\t3",
				"172.31.3.2\t10.77.0.2\t0\t3");
	}
	@Test
	void twoPumpsAtFullSpeedLoseNoPacketUncountedAndCorruptNone() throws Exception {
		BuiltinCapture a = capture(1, "10.77.0.2");
		tap.add(a);
		int perThread = 100_000;
		Thread[] pumps = new Thread[2];
		for (int p = 0; p < pumps.length; p++) {
			int pump = p;
			pumps[p] = new Thread(() -> {
				ByteBuffer buf = ByteBuffer.allocateDirect(100);
				for (int seq = 0; seq < perThread; seq++) {
					buf.clear();
					buf.putInt(pump).putInt(seq);
					for (int k = 8; k < 100; k++) {
						buf.put((byte) (seq + k));
					}
					buf.flip();
					tap.packet(Ipv4Packets.address("10.77.0.2"), Direction.FROM_CLIENT, buf);
				}
			});
			pumps[p].start();
		}
		for (Thread t : pumps) {
			t.join(60_000);
		}
		tap.remove(a);
		List<PcapReader.Record> records = PcapReader.read(dir.resolve("s1.pcap")).records();
		assertThat(records.size() + a.dropped.sum()).isEqualTo(2L * perThread);
		int[] last = { -1, -1 };
		for (PcapReader.Record r : records) {
			ByteBuffer b = ByteBuffer.wrap(r.data());
			int pump = b.getInt();
			int seq = b.getInt();
			assertThat(seq).as("pump %d in order", pump).isGreaterThan(last[pump]);
			last[pump] = seq;
			for (int k = 8; k < 100; k++) {
				assertThat(b.get()).isEqualTo((byte) (seq + k));
			}
		}
	}
}
