package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark main for bench/tun-pps.sh (test scope: not part of the bundle). The same loop as
 * bench/tun-pps.c through the driver's own LinuxTun: attaches to the TUN device NAME and on each
 * queue, in its own thread, writes an ICMP echo request from 10.98.0.(2+queue) to 10.98.1.1 (an
 * address of the namespace) and reads until the kernel's reply comes back; PACKETS round trips
 * per thread or SECONDS, whichever ends first, after a warm-up.
 * <p>
 * usage: TunPps NAME QUEUES PACKETS SECONDS prints: pps=... packets=... seconds=... lost=...
 */
public final class TunPps {

	private static final int PAYLOAD = 56;
	private static final int WARMUP = 20_000;

	private final LinuxTun tun;
	private final int queue;
	private final ByteBuffer out = ByteBuffer.allocateDirect(128);
	private final ByteBuffer in = ByteBuffer.allocateDirect(2048);
	private long done;
	private long lost;
	private long elapsedNanos;

	private TunPps(LinuxTun tun, int queue) {
		this.tun = tun;
		this.queue = queue;
	}

	public static void main(String[] args) throws Exception {
		if (args.length != 4) {
			System.err.println("usage: TunPps NAME QUEUES PACKETS SECONDS");
			System.exit(2);
		}
		int queues = Integer.parseInt(args[1]);
		long packets = Long.parseLong(args[2]);
		double seconds = Double.parseDouble(args[3]);
		LinuxTun tun = LinuxTun.open("/dev/net/tun", args[0], queues, false);
		try {
			List<TunPps> workers = new ArrayList<>();
			List<Thread> threads = new ArrayList<>();
			for (int q = 0; q < queues; q++) {
				TunPps w = new TunPps(tun, q);
				workers.add(w);
				Thread t = new Thread(() -> w.run(packets, seconds), "tun-pps-" + q);
				threads.add(t);
				t.start();
			}
			long done = 0;
			long lost = 0;
			long elapsed = 0;
			for (int q = 0; q < queues; q++) {
				threads.get(q).join();
				TunPps w = workers.get(q);
				done += w.done;
				lost += w.lost;
				elapsed = Math.max(elapsed, w.elapsedNanos);
			}
			double s = elapsed / 1e9;
			System.out.printf("pps=%.0f packets=%d seconds=%.2f lost=%d%n", (done - lost) / s, done, s, lost);
		} finally {
			tun.close();
		}
	}

	private void run(long packets, double seconds) {
		try {
			loop(WARMUP, 5);
			lost = 0;
			long start = System.nanoTime();
			done = loop(packets, seconds);
			elapsedNanos = System.nanoTime() - start;
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	private long loop(long count, double seconds) throws IOException {
		byte[] src = Icmp.address("10.98.0." + (2 + queue));
		byte[] dst = Icmp.address("10.98.1.1");
		int id = 0x100 + queue;
		long end = System.nanoTime() + (long) (seconds * TimeUnit.SECONDS.toNanos(1));
		long i;
		for (i = 0; i < count && ((i & 1023) != 0 || System.nanoTime() < end); i++) {
			int seq = (int) (i & 0xffff);
			out.clear();
			Icmp.echoRequest(out, src, dst, id, seq, PAYLOAD);
			tun.write(queue, out);
			if (!reply(id, seq)) {
				lost++;
			}
		}
		return i;
	}

	/** Reads until the echo reply with id/seq; false after 1 s without it. */
	private boolean reply(int id, int seq) throws IOException {
		while (true) {
			in.clear();
			int n = tun.read(queue, in, 1000);
			if (n <= 0) {
				return false;
			}
			int ihl = (in.get(0) & 0x0f) * 4;
			if (n >= ihl + 8 && (in.get(0) & 0xf0) == 0x40 && in.get(9) == 1 && in.get(ihl) == 0
					&& (in.getShort(ihl + 4) & 0xffff) == id && (in.getShort(ihl + 6) & 0xffff) == seq) {
				return true;
			}
		}
	}
}
