package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A ToyVpn client ({@code docs/protocol.md}) in the phone namespace, speaking UDP to the gateway.
 * <p>
 * <b>Plain mode</b> ({@link #open}): the test does the handshake and sends and receives raw IP
 * packets itself ({@link Packets}, {@link Ipv4Packet}).
 * <p>
 * <b>TUN mode</b> ({@link #withTun}): after the handshake the client creates its own TUN device
 * in the phone namespace with the leased address, the MTU and the pushed routes, and pumps packets
 * between it and the tunnel, so {@code ping}, {@code curl} or {@code iperf3} run in the phone
 * namespace go through the gateway unmodified. A dual-stack reply's IPv6 address goes on the TUN as
 * a /128 (and the device gets no link-local address). Route policy: a pushed default route
 * {@code 0.0.0.0/0} is installed as {@code 0.0.0.0/1} + {@code 128.0.0.0/1} ({@code ::/0} as
 * {@code ::/1} + {@code 8000::/1}) (more specific than
 * any default, less specific than the phone's own subnet, so the tunnel's UDP still reaches the
 * gateway directly); other routes as pushed. Every route gets the TUN's interface index as its
 * metric, so several clients in one namespace can install the same routes: unbound traffic takes
 * the first client's TUN, and {@code ping -I <tun>} / {@code curl --interface <tun>} picks a client.
 * <p>
 * One receiver thread reads every datagram: data goes to the TUN (TUN mode) or to a queue for
 * {@link #receive}; handshake replies, keepalives and re-handshake hints are recognised and counted;
 * extra copies of a reply are ignored. In TUN mode an idle client sends keepalives like ToyVpn
 * (3 after 15 s without sending); in plain mode the test calls {@link #keepalive()} itself.
 * {@link #close()} stops all threads and removes the TUN.
 */
public final class ToyVpnClient implements AutoCloseable {

	public static final int HANDSHAKE_TRIES = 3;
	public static final Duration HANDSHAKE_WAIT = Duration.ofMillis(1500);
	private static final int MAX_DATAGRAM = 65535;
	private static final int QUEUE = 4096;
	private static final int PUMP_POLL_MILLIS = 200;
	private static final long REHANDSHAKE_MIN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
	/** Like ToyVpn: after 15 s without sending, 3 keepalives, so an idle TUN client keeps its session. */
	private static final long KEEPALIVE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(15);
	private static final int KEEPALIVE_COPIES = 3;

	private final String ns;
	private final InetSocketAddress server;
	private final DatagramChannel channel;
	private final BlockingQueue<byte[]> data = new ArrayBlockingQueue<>(QUEUE);
	private final BlockingQueue<Parameters> replies = new ArrayBlockingQueue<>(16);
	private final Semaphore hints = new Semaphore(0);
	private final AtomicLong keepalives = new AtomicLong();
	private final AtomicLong hintCount = new AtomicLong();
	private final AtomicLong received = new AtomicLong();
	private final AtomicLong sent = new AtomicLong();
	private final AtomicLong dropped = new AtomicLong();
	private final Thread receiver;
	private volatile Parameters parameters;
	private volatile byte[] handshake;
	private volatile boolean rehandshakeOnHint;
	private volatile long lastRehandshake;
	private volatile ClientTun tun;
	private Thread pump;
	private volatile boolean closed;

	private ToyVpnClient(String ns, InetSocketAddress server, DatagramChannel channel) {
		this.ns = ns;
		this.server = server;
		this.channel = channel;
		this.receiver = new Thread(this::receiveLoop, "toyvpn receiver " + ns);
		receiver.setDaemon(true);
	}

	/** A plain-mode client: a UDP socket (ephemeral port, the server's family) in {@code ns}; no handshake yet. */
	public static ToyVpnClient open(String ns, InetSocketAddress server) {
		return open(ns, server.getAddress() instanceof Inet6Address ? "::" : "0.0.0.0", server);
	}

	/**
	 * As {@link #open(String, InetSocketAddress)}, but sending from {@code localAddress} (an address
	 * of {@code ns}, IPv4 or IPv6: the server's family), so a test can play a second phone with its
	 * own source address.
	 */
	public static ToyVpnClient open(String ns, String localAddress, InetSocketAddress server) {
		if (server.isUnresolved()) {
			throw new IllegalArgumentException("server must be an address, not a name: " + server);
		}
		InetAddress local = literal(localAddress);
		StandardProtocolFamily family = local instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
		DatagramChannel channel = Netns.inside(ns, () -> DatagramChannel.open(family).bind(new InetSocketAddress(local, 0)));
		ToyVpnClient client = new ToyVpnClient(ns, server, channel);
		Cleanup.register(ns, client);
		client.receiver.start();
		return client;
	}

	/** An IPv4 or IPv6 literal, never a name lookup (Java parses text with a colon as IPv6 only). */
	static InetAddress literal(String address) {
		try {
			return address.contains(":") ? InetAddress.getByName(address) : InetAddress.getByAddress(Packets.address(address));
		} catch (java.net.UnknownHostException e) {
			throw new IllegalArgumentException("not an IP address: " + address, e);
		}
	}

	/**
	 * A TUN-mode client: handshake ({@code clientId} may be null), then TUN {@code tunName} in
	 * {@code ns} configured from the reply, and the pumps running.
	 *
	 * @throws AssertionError if the gateway does not answer the handshake
	 */
	public static ToyVpnClient withTun(String ns, InetSocketAddress server, String tunName, String secret,
			String clientId) {
		return withTun(ns, "0.0.0.0", server, tunName, secret, clientId);
	}

	/** As {@link #withTun(String, InetSocketAddress, String, String, String)}, sending from {@code localAddress}. */
	public static ToyVpnClient withTun(String ns, String localAddress, InetSocketAddress server, String tunName, String secret,
			String clientId) {
		ToyVpnClient client = open(ns, localAddress, server);
		try {
			client.attachTun(tunName, client.handshake(secret, clientId));
			return client;
		} catch (RuntimeException | Error e) {
			client.close();
			throw e;
		}
	}

	/**
	 * Handshake like ToyVpn: {@code \0secret} (or {@code \0secret:clientId}), up to 3 tries, 1.5 s
	 * each.
	 *
	 * @throws AssertionError if no reply came
	 */
	public Parameters handshake(String secret, String clientId) {
		return tryHandshake(secret, clientId, HANDSHAKE_TRIES, HANDSHAKE_WAIT)
				.orElseThrow(() -> new AssertionError("no handshake reply from " + server + " after " + HANDSHAKE_TRIES
						+ " tries of " + HANDSHAKE_WAIT.toMillis() + " ms (client " + (clientId == null ? "anonymous" : clientId)
						+ ", netns " + ns + ")"));
	}

	/**
	 * Sends the handshake up to {@code tries} times, waiting {@code perTry} for a reply after each;
	 * empty when none came (a wrong secret gets no answer).
	 */
	public Optional<Parameters> tryHandshake(String secret, String clientId, int tries, Duration perTry) {
		byte[] request = handshakeDatagram(secret, clientId);
		handshake = request;
		replies.clear();
		for (int i = 0; i < tries; i++) {
			sendRaw(request);
			try {
				Parameters reply = replies.poll(perTry.toMillis(), TimeUnit.MILLISECONDS);
				if (reply != null) {
					return Optional.of(reply);
				}
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted during the handshake", e);
			}
		}
		return Optional.empty();
	}

	static byte[] handshakeDatagram(String secret, String clientId) {
		byte[] text = (clientId == null ? secret : secret + ":" + clientId).getBytes(StandardCharsets.UTF_8);
		byte[] datagram = new byte[1 + text.length];
		System.arraycopy(text, 0, datagram, 1, text.length);
		return datagram;
	}

	/** The parameters of the latest handshake reply, null before one arrived. */
	public Parameters parameters() {
		return parameters;
	}

	/** Sends one raw IP packet as a data datagram. */
	public void send(byte[] ipPacket) {
		if (ipPacket.length == 0 || ipPacket[0] == 0) {
			throw new IllegalArgumentException("a data datagram must not start with 0 (that is a control message): use sendRaw");
		}
		sendRaw(ipPacket);
		sent.incrementAndGet();
	}

	/** Sends any datagram as it is (malformed or foreign messages, for negative tests). */
	public void sendRaw(byte[] datagram) {
		try {
			channel.send(ByteBuffer.wrap(datagram), server);
		} catch (IOException e) {
			throw new UncheckedIOException("cannot send to " + server, e);
		}
	}

	/** Sends a keepalive (a single 0 byte). */
	public void keepalive() {
		sendRaw(new byte[1]);
	}

	/**
	 * The next data datagram (an IP packet from the gateway), plain mode only.
	 *
	 * @throws AssertionError if none arrives within {@code timeout}
	 */
	public byte[] receive(Duration timeout) {
		return poll(timeout).orElseThrow(() -> new AssertionError("no data datagram from " + server + " within " + timeout));
	}

	/**
	 * The first data datagram that is an IPv4 packet matching {@code match}, skipping others.
	 *
	 * @throws AssertionError if none arrives within {@code timeout}
	 */
	public Ipv4Packet receive(Predicate<Ipv4Packet> match, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<String> skipped = new ArrayList<>();
		while (true) {
			Optional<byte[]> next = poll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
			if (next.isEmpty()) {
				throw new AssertionError("no matching packet from " + server + " within " + timeout
						+ (skipped.isEmpty() ? "" : "; skipped: " + skipped));
			}
			try {
				Ipv4Packet p = Ipv4Packet.parse(next.get());
				if (match.test(p)) {
					return p;
				}
				skipped.add(p.toString());
			} catch (IllegalArgumentException e) {
				skipped.add(e.getMessage());
			}
		}
	}

	/** The next data datagram within {@code timeout}, if any (plain mode only). */
	public Optional<byte[]> poll(Duration timeout) {
		if (tun != null) {
			throw new IllegalStateException("in TUN mode, data goes to TUN " + tun.name());
		}
		try {
			return Optional.ofNullable(data.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while receiving", e);
		}
	}

	/**
	 * Waits for a re-handshake hint ({@code \0 x,rehandshake}); each hint satisfies one call, so a
	 * hint that came before the call counts.
	 */
	public boolean awaitRehandshakeHint(Duration timeout) {
		try {
			return hints.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/** Like the seed's extended clients: answer a re-handshake hint at once with the last handshake. */
	public ToyVpnClient rehandshakeOnHint(boolean enabled) {
		rehandshakeOnHint = enabled;
		return this;
	}

	public long keepalivesReceived() {
		return keepalives.get();
	}

	public long rehandshakeHintsReceived() {
		return hintCount.get();
	}

	/** Data datagrams received from the gateway (TUN mode: written to the TUN). */
	public long dataReceived() {
		return received.get();
	}

	/** Data datagrams sent to the gateway. */
	public long dataSent() {
		return sent.get();
	}

	/** Data datagrams dropped on this side (receive queue full, TUN write refused). */
	public long dataDropped() {
		return dropped.get();
	}

	/** The client's UDP port in the phone namespace (its endpoint is phone address:port). */
	public int localPort() {
		try {
			return ((InetSocketAddress) channel.getLocalAddress()).getPort();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The TUN device's name, null in plain mode. */
	public String tunName() {
		ClientTun t = tun;
		return t == null ? null : t.name();
	}

	public String namespace() {
		return ns;
	}

	public InetSocketAddress server() {
		return server;
	}

	/** The routes TUN mode installs for {@code p} (see the class comment). */
	static List<Parameters.Route> tunRoutes(Parameters p) {
		Set<Parameters.Route> routes = new LinkedHashSet<>();
		for (Parameters.Route r : p.routes()) {
			if (r.isDefault()) {
				routes.add(new Parameters.Route("0.0.0.0", 1));
				routes.add(new Parameters.Route("128.0.0.0", 1));
			} else {
				routes.add(r);
			}
		}
		return List.copyOf(routes);
	}

	private void attachTun(String name, Parameters p) {
		ClientTun t = ClientTun.create(ns, name);
		try {
			String metric = Integer.toString(t.index());
			if (p.address6() == null) {
				// IPv4 only, like the reply: no IPv6 router solicitations reaching the gateway as data
				Netns.exec(ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + name + "/disable_ipv6").check();
			} else {
				// the leased /128 only: no link-local address, so the kernel sends nothing of its own
				ip("link", "set", "dev", name, "addrgenmode", "none");
				Netns.exec(ns, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/" + name + "/router_solicitations").check();
			}
			ip("addr", "add", p.address() + "/" + p.prefix(), "dev", name);
			ip("link", "set", "dev", name, "mtu", Integer.toString(p.mtu()), "up");
			for (Parameters.Route r : tunRoutes(p)) {
				ip("route", "add", r.toString(), "dev", name, "src", p.address(), "metric", metric);
			}
			if (p.address6() != null) {
				ip("-6", "addr", "add", p.address6() + "/128", "dev", name, "nodad");
				for (String r : tunRoutes6(p)) {
					ip("-6", "route", "add", r, "dev", name, "src", p.address6(), "metric", metric);
				}
			}
			String way = ip("route", "get", server.getAddress().getHostAddress()).out();
			if (way.contains("dev " + name + " ")) {
				throw new IllegalStateException("the pushed routes " + p.routes() + " would send the tunnel's own UDP into "
						+ name + ": " + way.strip());
			}
		} catch (RuntimeException e) {
			t.close();
			throw e;
		}
		tun = t;
		pump = new Thread(this::pumpTunToTunnel, "toyvpn pump " + name);
		pump.setDaemon(true);
		pump.start();
		E2e.log("client " + name + " in " + ns + ": " + p.address() + (p.address6() == null ? "" : " and " + p.address6()) + ", mtu "
				+ p.mtu() + ", routes " + tunRoutes(p) + (p.address6() == null ? "" : " " + tunRoutes6(p)));
	}

	/** The IPv6 routes TUN mode installs for {@code p}: a pushed {@code ::/0} as {@code ::/1} + {@code 8000::/1}. */
	static List<String> tunRoutes6(Parameters p) {
		Set<String> routes = new LinkedHashSet<>();
		for (String r : p.routes6()) {
			if (r.endsWith("/0")) {
				routes.add("::/1");
				routes.add("8000::/1");
			} else {
				routes.add(r);
			}
		}
		return List.copyOf(routes);
	}

	private Exec.Result ip(String... args) {
		List<String> argv = new ArrayList<>(List.of("ip", "-n", ns));
		argv.addAll(List.of(args));
		return Exec.run(Netns.DEFAULT_TIMEOUT, argv).check();
	}

	private void pumpTunToTunnel() {
		ClientTun t = tun;
		ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
		long lastSend = System.nanoTime();
		try {
			while (!closed) {
				buf.clear();
				int n = t.read(buf, PUMP_POLL_MILLIS);
				if (n > 0) {
					channel.send(buf.flip(), server);
					sent.incrementAndGet();
					lastSend = System.nanoTime();
				} else if (n < 0) {
					return;
				} else if (System.nanoTime() - lastSend > KEEPALIVE_AFTER_NANOS) {
					for (int i = 0; i < KEEPALIVE_COPIES; i++) {
						channel.send(ByteBuffer.allocate(1), server);
					}
					lastSend = System.nanoTime();
				}
			}
		} catch (ClosedChannelException e) {
			// closing
		} catch (IOException e) {
			if (!closed) {
				E2e.log("client " + t.name() + ": TUN pump stopped: " + e);
			}
		}
	}

	private void receiveLoop() {
		ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
		while (!closed) {
			SocketAddress from;
			buf.clear();
			try {
				from = channel.receive(buf);
			} catch (ClosedChannelException e) {
				return;
			} catch (IOException e) {
				continue; // e.g. an ICMP error for an earlier datagram: the socket is still fine
			}
			buf.flip();
			if (!server.equals(from) || !buf.hasRemaining()) {
				continue;
			}
			if (buf.get(0) != 0) {
				received.incrementAndGet();
				deliver(buf);
			} else {
				byte[] datagram = new byte[buf.remaining()];
				buf.get(datagram);
				control(datagram);
			}
		}
	}

	private void deliver(ByteBuffer packet) {
		ClientTun t = tun;
		boolean ok;
		if (t != null) {
			ok = t.write(packet);
		} else {
			byte[] copy = new byte[packet.remaining()];
			packet.get(copy);
			ok = data.offer(copy);
		}
		if (!ok) {
			dropped.incrementAndGet();
		}
	}

	private void control(byte[] datagram) {
		String text = new String(datagram, 1, datagram.length - 1, StandardCharsets.US_ASCII).trim();
		if (text.isEmpty()) {
			keepalives.incrementAndGet();
		} else if (text.equals("x,rehandshake") || text.startsWith("x,rehandshake ")) {
			hintCount.incrementAndGet();
			hints.release();
			byte[] request = handshake;
			long now = System.nanoTime();
			if (rehandshakeOnHint && request != null && now - lastRehandshake > REHANDSHAKE_MIN_INTERVAL_NANOS) {
				lastRehandshake = now;
				try {
					sendRaw(request);
				} catch (UncheckedIOException e) {
					E2e.log("client in " + ns + ": re-handshake not sent: " + e.getCause());
				}
			}
		} else {
			try {
				Parameters p = Parameters.parse(text);
				parameters = p;
				if (!replies.offer(p)) { // only extra copies pile up: keep the newest
					replies.poll();
					replies.offer(p);
				}
			} catch (IllegalArgumentException e) {
				E2e.log("client in " + ns + ": unknown control message ignored: " + e.getMessage());
			}
		}
	}

	/** Stops the pump and receiver threads, closes the socket and removes the TUN device. */
	@Override
	public void close() {
		if (closed) {
			return;
		}
		closed = true;
		try {
			channel.close(); // ends the receiver's blocking receive
		} catch (IOException e) {
			// closing anyway
		}
		join(receiver);
		if (pump != null) {
			join(pump); // ends within one poll interval
		}
		ClientTun t = tun;
		if (t != null) {
			t.close();
		}
		Cleanup.unregister(ns, this);
	}

	private static void join(Thread t) {
		try {
			t.join(5000);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		if (t.isAlive()) {
			System.err.println("[e2e] thread " + t.getName() + " did not stop within 5 s");
		}
	}

	@Override
	public String toString() {
		ClientTun t = tun;
		return "ToyVpn client in " + ns + (t == null ? "" : " with TUN " + t.name()) + " -> " + server + " (data sent "
				+ sent + ", received " + received + ", dropped " + dropped + ", keepalives " + keepalives + ", hints "
				+ hintCount + ")";
	}
}
