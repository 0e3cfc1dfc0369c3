package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One long TCP connection from the phone namespace to a server on the inet host, carrying a
 * deterministic byte stream at a steady rate, checked byte for byte as it arrives. {@link #finish}
 * ends it cleanly (the server stops at a chunk boundary and closes) and tells whether every byte
 * sent arrived, in order, without a reset: proof that a connection survives what happened to the
 * gateway meanwhile. Also records the longest stall of the stream, and when data arrived, so that
 * {@link #stall} can tell the stall around one event.
 */
final class TcpStream implements AutoCloseable {

	private static final int CHUNK = 8192;
	private static final Duration CONNECT = Duration.ofSeconds(10);
	/** A stalled stream gives up after this (it must survive gaps of a fraction of a second). */
	private static final int READ_TIMEOUT_MILLIS = 30_000;

	/** What arrived: bytes sent and received, content errors, the failure if any, the longest stall. */
	record Outcome(long sent, long received, long mismatches, String failure, long longestStallMillis) {

		boolean intact() {
			return failure == null && mismatches == 0 && sent == received && sent > 0;
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%d bytes sent, %d received, %d wrong, longest stall %d ms%s", sent, received,
					mismatches, longestStallMillis, failure == null ? "" : ", FAILED: " + failure);
		}
	}

	private final String inetNs;
	private final ServerSocket listener;
	private final Thread serverThread;
	private final Thread clientThread;
	private final long bytesPerSecond;
	private volatile Socket client;
	private volatile boolean stop;
	private volatile long sent;
	private volatile long received;
	private volatile long mismatches;
	private volatile long longestStallNanos;
	/** Arrival of each read (epoch ms), for {@link #stall}; guarded by itself. */
	private final ArrivalTimes arrivals = new ArrivalTimes();
	private volatile String serverFailure;
	private volatile String clientFailure;

	private TcpStream(String inetNs, ServerSocket listener, long bytesPerSecond) {
		this.inetNs = inetNs;
		this.listener = listener;
		this.bytesPerSecond = bytesPerSecond;
		this.serverThread = new Thread(this::serve, "tcp stream server");
		this.clientThread = new Thread(this::receive, "tcp stream client");
		serverThread.setDaemon(true);
		clientThread.setDaemon(true);
	}

	/**
	 * Listens on {@code port} in {@code inetNs}, connects from {@code phoneNs} to
	 * {@code serverAddress} (routing decides the way: the first TUN client's) and starts streaming
	 * {@code bytesPerSecond}.
	 */
	static TcpStream start(String phoneNs, String inetNs, String serverAddress, int port, long bytesPerSecond) {
		String any = serverAddress.contains(":") ? "::" : "0.0.0.0"; // a literal either way, never a name
		ServerSocket listener = Netns.inside(inetNs, () -> new ServerSocket(port, 1, InetAddress.getByName(any)));
		TcpStream s = new TcpStream(inetNs, listener, bytesPerSecond);
		Cleanup.register(inetNs, s);
		s.serverThread.start();
		s.client = Netns.inside(phoneNs, () -> {
			Socket socket = new Socket();
			socket.connect(new InetSocketAddress(serverAddress, port), (int) CONNECT.toMillis());
			socket.setSoTimeout(READ_TIMEOUT_MILLIS);
			return socket;
		});
		s.clientThread.start();
		return s;
	}

	/** The byte at {@code offset} of the stream: cheap, and a lost, repeated or reordered chunk shows. */
	static byte expected(long offset) {
		long x = offset * 0x9E3779B97F4A7C15L;
		return (byte) (x >>> 56 ^ offset >>> 13);
	}

	private void serve() {
		try (Socket s = listener.accept(); OutputStream out = s.getOutputStream()) {
			listener.close();
			byte[] chunk = new byte[CHUNK];
			long start = System.nanoTime();
			long n = 0;
			while (!stop) {
				for (int i = 0; i < CHUNK; i++) {
					chunk[i] = expected(n + i);
				}
				out.write(chunk);
				n += CHUNK;
				sent = n;
				// paced: far below what the tunnel carries, so the stream does not disturb the ping
				long due = start + n * 1_000_000_000L / bytesPerSecond;
				long wait = due - System.nanoTime();
				if (wait > 0) {
					TimeUnit.NANOSECONDS.sleep(wait);
				}
			}
			s.shutdownOutput();
		} catch (IOException | InterruptedException e) {
			if (!stop) {
				serverFailure = e.toString();
			}
		}
	}

	private void receive() {
		byte[] buf = new byte[65536];
		long offset = 0;
		long last = System.nanoTime();
		try (Socket s = client; InputStream in = s.getInputStream()) {
			for (int n; (n = in.read(buf)) >= 0;) {
				long now = System.nanoTime();
				longestStallNanos = Math.max(longestStallNanos, now - last);
				last = now;
				arrivals.add(System.currentTimeMillis());
				for (int i = 0; i < n; i++) {
					if (buf[i] != expected(offset + i)) {
						mismatches++;
					}
				}
				offset += n;
				received = offset;
			}
		} catch (IOException e) {
			clientFailure = e.toString();
		}
	}

	/** Waits (bounded) until at least {@code bytes} more than now have arrived; false if not. */
	boolean awaitProgress(long bytes, Duration timeout) {
		long target = received + bytes;
		long deadline = System.nanoTime() + timeout.toNanos();
		while (received < target && System.nanoTime() < deadline && clientThread.isAlive()) {
			try {
				Thread.sleep(20);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return received >= target;
	}

	/**
	 * The longest time without data around an event that ran from {@code fromMillis} to
	 * {@code toMillis} (epoch ms): from the last arrival before it to the first after it, like
	 * {@link PingLog#gap}. Needs data after {@code toMillis} ({@link #awaitProgress}).
	 */
	long stall(long fromMillis, long toMillis) {
		return arrivals.longestGap(fromMillis, toMillis);
	}

	/** Ends the stream cleanly and waits (bounded) for the last byte; what arrived. */
	Outcome finish(Duration timeout) {
		stop = true;
		join(serverThread, timeout);
		join(clientThread, timeout);
		String failure = serverFailure != null ? "server: " + serverFailure
				: clientFailure != null ? "client: " + clientFailure
						: clientThread.isAlive() ? "the stream did not end within " + timeout : null;
		return new Outcome(sent, received, mismatches, failure, TimeUnit.NANOSECONDS.toMillis(longestStallNanos));
	}

	private static void join(Thread t, Duration timeout) {
		try {
			t.join(timeout.toMillis());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		stop = true;
		try {
			listener.close();
			Socket c = client;
			if (c != null) {
				c.close();
			}
		} catch (IOException e) {
			// closing anyway
		}
		join(serverThread, Duration.ofSeconds(5));
		join(clientThread, Duration.ofSeconds(5));
		Cleanup.unregister(inetNs, this);
	}

	/** Growing list of epoch milliseconds, appended by the receiver, read by the test. */
	private static final class ArrivalTimes {
		private long[] times = new long[4096];
		private int size;

		synchronized void add(long millis) {
			if (size == times.length) {
				times = java.util.Arrays.copyOf(times, size * 2);
			}
			times[size++] = millis;
		}

		synchronized long longestGap(long fromMillis, long toMillis) {
			int first = -1;
			int last = -1;
			for (int i = 0; i < size; i++) {
				if (times[i] < fromMillis) {
					first = i;
				}
				if (last < 0 && times[i] > toMillis) {
					last = i;
				}
			}
			if (first < 0 || last < 0) {
				throw new AssertionError("no stream data on both sides of " + fromMillis + ".." + toMillis);
			}
			long gap = 0;
			for (int i = first; i < last; i++) {
				gap = Math.max(gap, times[i + 1] - times[i]);
			}
			return gap;
		}
	}
}
