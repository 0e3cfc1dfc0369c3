package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes a TCP port on a namespace's loopback reachable on the host's loopback: accepts on
 * 127.0.0.1:&lt;free port&gt; of the host and, per connection, connects to 127.0.0.1:&lt;port&gt;
 * from inside the namespace ({@link Netns#inside}: the socket stays in it), pumping bytes both
 * ways. So a browser on the host reaches the gateway's console, which listens on the gw
 * namespace's loopback, while talking to the host's loopback only.
 */
public final class LoopbackForwarder implements AutoCloseable {

	private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

	private final String ns;
	private final int targetPort;
	private final ServerSocket server;
	private final Set<Socket> open = ConcurrentHashMap.newKeySet();
	private final AtomicInteger connections = new AtomicInteger();

	private LoopbackForwarder(String ns, int targetPort, ServerSocket server) {
		this.ns = ns;
		this.targetPort = targetPort;
		this.server = server;
	}

	/** Forwards the host's 127.0.0.1:{@link #port()} to 127.0.0.1:{@code port} in {@code ns}. */
	public static LoopbackForwarder start(String ns, int port) {
		try {
			ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
			LoopbackForwarder f = new LoopbackForwarder(ns, port, server);
			Cleanup.register(ns, f);
			daemon("forwarder accept :" + server.getLocalPort(), f::acceptLoop).start();
			E2e.log("forwarding host 127.0.0.1:" + server.getLocalPort() + " to 127.0.0.1:" + port + " in " + ns);
			return f;
		} catch (IOException e) {
			throw new UncheckedIOException("cannot listen on the host's loopback", e);
		}
	}

	/** The port on the host's loopback. */
	public int port() {
		return server.getLocalPort();
	}

	/** {@code http://127.0.0.1:<port><path>} */
	public String url(String path) {
		return "http://127.0.0.1:" + port() + path;
	}

	/** Connections accepted so far. */
	public int connections() {
		return connections.get();
	}

	private void acceptLoop() {
		while (!server.isClosed()) {
			Socket client;
			try {
				client = server.accept();
			} catch (IOException e) {
				return; // closed
			}
			open.add(client);
			int n = connections.incrementAndGet();
			daemon("forwarder connect #" + n, () -> connect(client, n)).start();
		}
	}

	private void connect(Socket client, int n) {
		Socket upstream;
		try {
			upstream = Netns.inside(ns, CONNECT_TIMEOUT.plusSeconds(5), () -> {
				Socket s = new Socket();
				s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), targetPort), (int) CONNECT_TIMEOUT.toMillis());
				return s;
			});
		} catch (RuntimeException e) {
			E2e.log("forwarder: cannot connect to 127.0.0.1:" + targetPort + " in " + ns + ": " + e);
			closeQuietly(client);
			return;
		}
		open.add(upstream);
		AtomicInteger directions = new AtomicInteger(2);
		daemon("forwarder #" + n + " up", () -> pump(client, upstream, directions)).start();
		daemon("forwarder #" + n + " down", () -> pump(upstream, client, directions)).start();
	}

	/** Copies until end of stream, then half-closes; the last direction to end closes both sockets. */
	private void pump(Socket from, Socket to, AtomicInteger directions) {
		byte[] buf = new byte[16384];
		try (InputStream in = from.getInputStream()) {
			OutputStream out = to.getOutputStream();
			int n;
			while ((n = in.read(buf)) >= 0) {
				out.write(buf, 0, n);
				out.flush();
			}
			to.shutdownOutput();
		} catch (IOException e) {
			// reset or closed: end both directions
			closeQuietly(from);
			closeQuietly(to);
		}
		if (directions.decrementAndGet() == 0) {
			closeQuietly(from);
			closeQuietly(to);
		}
	}

	private void closeQuietly(Socket s) {
		open.remove(s);
		try {
			s.close();
		} catch (IOException e) {
			// closing anyway
		}
	}

	private static Thread daemon(String name, Runnable r) {
		Thread t = new Thread(r, name);
		t.setDaemon(true);
		return t;
	}

	@Override
	public void close() {
		try {
			server.close();
		} catch (IOException e) {
			// closing anyway
		}
		open.forEach(this::closeQuietly);
		Cleanup.unregister(ns, this);
	}

	@Override
	public String toString() {
		return "forwarder 127.0.0.1:" + port() + " -> " + ns + " 127.0.0.1:" + targetPort;
	}
}
