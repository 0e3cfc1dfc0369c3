package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Servers for the fake internet host (or any namespace), each stopped by PID or by closing its
 * socket, and registered so that deleting the namespace stops them too; plus test data files.
 */
public final class Servers {

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

	private Servers() {
	}

	/** {@code python3 -m http.server} serving {@code dir} on {@code port}; returns once it listens. */
	public static Background httpServer(String ns, Path dir, int port) {
		Background b = Netns.start(ns, "python3", "-u", "-m", "http.server", Integer.toString(port), "--bind", "0.0.0.0",
				"--directory", dir.toString());
		awaitListening(ns, "tcp", port, b);
		return b;
	}

	/**
	 * Accepts one TCP connection on {@code port} and writes what it receives to {@code file}, then
	 * prints {@code done <bytes>} and exits; returns once it listens.
	 */
	public static Background tcpSink(String ns, int port, Path file) {
		Background b = Netns.start(ns, "python3", "-u", "-c", """
				import socket, sys
				l = socket.socket()
				l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
				l.bind(("0.0.0.0", int(sys.argv[1])))
				l.listen(1)
				c, _ = l.accept()
				n = 0
				with open(sys.argv[2], "wb") as f:
				    while d := c.recv(65536):
				        f.write(d)
				        n += len(d)
				c.close()
				print("done", n)
				""", Integer.toString(port), file.toString());
		awaitListening(ns, "tcp", port, b);
		return b;
	}

	/** {@code iperf3 -s} on {@code port}; returns once it listens. */
	public static Background iperf3Server(String ns, int port) {
		Background b = Netns.start(ns, "iperf3", "-s", "-p", Integer.toString(port), "--forceflush");
		awaitListening(ns, "tcp", port, b);
		return b;
	}

	/** A UDP echo server (a Java thread) on {@code port} in {@code ns}: every datagram goes back. */
	public static UdpEcho udpEcho(String ns, int port) {
		return udpEcho(ns, "0.0.0.0", port);
	}

	/** As {@link #udpEcho(String, int)}, bound to {@code address}: it answers from that address. */
	public static UdpEcho udpEcho(String ns, String address, int port) {
		DatagramChannel channel = Netns.inside(ns,
				() -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(address, port)));
		UdpEcho echo = new UdpEcho(ns, channel);
		Cleanup.register(ns, echo);
		return echo;
	}

	/** See {@link Servers#udpEcho}. */
	public static final class UdpEcho implements AutoCloseable {

		private final String ns;
		private final DatagramChannel channel;
		private final Thread thread;
		private final AtomicLong echoed = new AtomicLong();

		private UdpEcho(String ns, DatagramChannel channel) {
			this.ns = ns;
			this.channel = channel;
			this.thread = new Thread(this::run, "udp echo " + ns);
			thread.setDaemon(true);
			thread.start();
		}

		private void run() {
			ByteBuffer buf = ByteBuffer.allocate(65535);
			try {
				while (true) {
					buf.clear();
					SocketAddress from = channel.receive(buf);
					buf.flip();
					// counted before the reply leaves: a client that got the echo must see it counted
					echoed.incrementAndGet();
					channel.send(buf, from);
				}
			} catch (ClosedChannelException e) {
				// closed
			} catch (IOException e) {
				E2e.log("udp echo in " + ns + " stopped: " + e);
			}
		}

		/** Datagrams echoed so far. */
		public long echoed() {
			return echoed.get();
		}

		@Override
		public void close() {
			Cleanup.stopServer(ns, this, channel, thread);
		}
	}

	/**
	 * Waits until something listens on {@code port} in {@code ns} ({@code ss}), failing early if
	 * {@code process} exits. A bounded poll: there is no event to wait for in another process.
	 */
	public static void awaitListening(String ns, String protocol, int port, Background process) {
		long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
		String flags = protocol.equals("udp") ? "-Hlun" : "-Hltn";
		while (System.nanoTime() < deadline) {
			if (!Netns.exec(ns, "ss", flags, "sport = :" + port).out().isBlank()) {
				return;
			}
			if (process != null && !process.alive()) {
				throw new AssertionError(process + " exited before listening on " + protocol + " port " + port + ":\n"
						+ process.output());
			}
			Sleep.millis(100);
		}
		throw new AssertionError("nothing listens on " + protocol + " port " + port + " in " + ns + " after " + READY_TIMEOUT
				+ (process == null ? "" : "; output of " + process + ":\n" + process.output()));
	}

	/** A file of {@code size} pseudo-random bytes (reproducible from {@code seed}). */
	public static Path randomFile(Path dir, String name, long size, long seed) {
		Path file = dir.resolve(name);
		Random random = new Random(seed);
		byte[] block = new byte[64 * 1024];
		try {
			Files.createDirectories(dir);
			try (OutputStream out = Files.newOutputStream(file)) {
				for (long left = size; left > 0; left -= block.length) {
					random.nextBytes(block);
					out.write(block, 0, (int) Math.min(block.length, left));
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException("cannot write " + file, e);
		}
		return file;
	}

	/** Hex SHA-256 of a file, to compare what was transferred with what was served. */
	public static String sha256(Path file) {
		try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
			in.transferTo(OutputStream.nullOutputStream());
			return HexFormat.of().formatHex(in.getMessageDigest().digest());
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read " + file, e);
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
