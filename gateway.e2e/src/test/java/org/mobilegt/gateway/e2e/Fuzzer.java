package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Hostile datagrams for the tunnel port, reproducible from a seed: garbage, truncated and
 * oversized datagrams, malformed IPv4 headers, handshakes with wrong keys or impossible client ids,
 * from many ports of a few source addresses; and, through a session of its own ("mallory"), IP
 * packets that are cut short, too big, not IPv4, spoofed or randomly mutated. Each kind says which
 * drop reason the gateway should count for it, so a test can match what was sent with what was
 * counted.
 */
final class Fuzzer implements AutoCloseable {

	/** The largest UDP payload over IPv4. */
	static final int MAX_UDP = 65507;
	/** Where mallory's well-formed packets go on the inet host: a port nobody listens on. */
	static final int DISCARD_PORT = 9;

	/** What is sent, and what the gateway should count it as ("FORWARDED": not a drop). */
	enum Kind {
		EMPTY("TRUNCATED", 2),
		KEEPALIVE_UNKNOWN("UNKNOWN_ENDPOINT", 3),
		ZERO_LEADING_GARBAGE("HANDSHAKE_REFUSED", 8),
		WRONG_KEY("HANDSHAKE_REFUSED", 12),
		HUGE_ID("HANDSHAKE_REFUSED", 4),
		BINARY_ID("HANDSHAKE_REFUSED", 4),
		GARBAGE_UNKNOWN("UNKNOWN_ENDPOINT", 14),
		OVERSIZED_UNKNOWN("UNKNOWN_ENDPOINT", 1),
		SESSION_TRUNCATED("TRUNCATED", 10),
		SESSION_NOT_IPV4("NOT_IP", 6),
		SESSION_BAD_HEADER("TRUNCATED", 8),
		SESSION_OVERSIZED("OVERSIZED", 2),
		SESSION_SPOOFED("SPOOFED", 10),
		SESSION_MUTATED(null, 8),
		/** TCP segments for the offload path: whole ones, and ones cut inside the TCP header. */
		SESSION_TCP(null, 6),
		SESSION_VALID("FORWARDED", 8);

		/** The drop reason expected; null when it depends on the mutation. */
		final String expected;
		final int weight;

		Kind(String expected, int weight) {
			this.expected = expected;
			this.weight = weight;
		}

		boolean viaSession() {
			return name().startsWith("SESSION_");
		}
	}

	private final String ns;
	private final Random random;
	private final InetSocketAddress server;
	private final List<DatagramChannel> strangers;
	private final ToyVpnClient mallory;
	private final String lease;
	private final String inet;
	private final String key;
	private final Map<Kind, Long> sent = new EnumMap<>(Kind.class);
	private final Kind[] table;
	private long bytes;

	private Fuzzer(String ns, long seed, InetSocketAddress server, List<DatagramChannel> strangers, ToyVpnClient mallory,
			String inet, String key) {
		this.ns = ns;
		this.random = new Random(seed);
		this.server = server;
		this.strangers = strangers;
		this.mallory = mallory;
		this.lease = mallory.parameters().address();
		this.inet = inet;
		this.key = key;
		List<Kind> t = new ArrayList<>();
		for (Kind k : Kind.values()) {
			for (int i = 0; i < k.weight; i++) {
				t.add(k);
			}
			sent.put(k, 0L);
		}
		this.table = t.toArray(Kind[]::new);
	}

	/**
	 * A fuzzer with {@code portsPerAddress} sockets on each of {@code addresses} (addresses of
	 * {@code ns}) for the sessionless kinds, and {@code mallory} (handshaken) for the rest.
	 */
	static Fuzzer open(long seed, String ns, List<String> addresses, int portsPerAddress, InetSocketAddress server,
			ToyVpnClient mallory, String inet, String key) {
		List<DatagramChannel> channels = UdpSockets.bind(ns, addresses, portsPerAddress);
		try {
			for (DatagramChannel c : channels) {
				c.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 1 << 20);
			}
		} catch (IOException e) {
			UdpSockets.close(channels);
			throw new UncheckedIOException(e);
		}
		Fuzzer f = new Fuzzer(ns, seed, server, channels, mallory, inet, key);
		Cleanup.register(ns, f);
		return f;
	}

	/**
	 * Sends {@code count} datagrams at about {@code perSecond}, giving up at {@code limit}; returns
	 * how many were sent.
	 */
	long run(long count, int perSecond, Duration limit) {
		long start = System.nanoTime();
		long deadline = start + limit.toNanos();
		long n = 0;
		while (n < count && System.nanoTime() < deadline) {
			send(table[random.nextInt(table.length)]);
			n++;
			if (n % 100 == 0) {
				long wait = start + n * 1_000_000_000L / perSecond - System.nanoTime();
				if (wait > 0) {
					try {
						TimeUnit.NANOSECONDS.sleep(wait);
					} catch (InterruptedException e) {
						Thread.currentThread().interrupt();
						break;
					}
				}
			}
		}
		return n;
	}

	/** Datagrams sent, by kind. */
	Map<Kind, Long> sent() {
		return Map.copyOf(sent);
	}

	long bytes() {
		return bytes;
	}

	private void send(Kind kind) {
		byte[] datagram = datagram(kind);
		if (kind.viaSession()) {
			mallory.sendRaw(datagram);
		} else {
			DatagramChannel c = strangers.get(random.nextInt(strangers.size()));
			try {
				c.send(ByteBuffer.wrap(datagram), server);
			} catch (IOException e) {
				throw new UncheckedIOException("fuzz send failed", e);
			}
		}
		sent.merge(kind, 1L, Long::sum);
		bytes += datagram.length;
	}

	private byte[] datagram(Kind kind) {
		return switch (kind) {
		case EMPTY -> new byte[0];
		case KEEPALIVE_UNKNOWN -> new byte[1];
		case ZERO_LEADING_GARBAGE -> {
			byte[] d = randomBytes(2 + random.nextInt(1500));
			d[0] = 0;
			yield d;
		}
		case WRONG_KEY -> {
			// a printable guess, sometimes the right key's length (the comparison must not care)
			String guess = printable(random.nextBoolean() ? key.length() : 1 + random.nextInt(100));
			yield handshake(guess.equals(key) ? guess + "x" : guess, random.nextBoolean() ? null : printable(1 + random.nextInt(64)));
		}
		case HUGE_ID -> handshake(key, printable(65 + random.nextInt(4000)));
		case BINARY_ID -> {
			byte[] id = randomBytes(1 + random.nextInt(64));
			id[random.nextInt(id.length)] = (byte) random.nextInt(0x20); // at least one control character
			byte[] prefix = ("\0" + key + ":").getBytes(StandardCharsets.US_ASCII);
			byte[] d = Arrays.copyOf(prefix, prefix.length + id.length);
			System.arraycopy(id, 0, d, prefix.length, id.length);
			yield d;
		}
		case GARBAGE_UNKNOWN -> nonZeroLeading(randomBytes(1 + random.nextInt(1500)));
		case OVERSIZED_UNKNOWN -> nonZeroLeading(randomBytes(1401 + random.nextInt(MAX_UDP - 1400)));
		case SESSION_TRUNCATED -> {
			byte[] p = valid(lease, 20 + random.nextInt(200));
			// cut inside the header, or inside the payload the header announces
			yield Arrays.copyOf(p, random.nextBoolean() ? 1 + random.nextInt(19) : 20 + random.nextInt(p.length - 20));
		}
		case SESSION_NOT_IPV4 -> {
			byte[] p = valid(lease, random.nextInt(200));
			int[] versions = { 0, 1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
			p[0] = (byte) (versions[random.nextInt(versions.length)] << 4 | (p[0] & 0x0F));
			yield p;
		}
		case SESSION_BAD_HEADER -> {
			byte[] p = valid(lease, random.nextInt(200));
			if (random.nextBoolean()) {
				p[0] = (byte) (0x40 | random.nextInt(5)); // header length below 20 bytes
			} else {
				int total = random.nextBoolean() ? random.nextInt(20) : p.length + 1 + random.nextInt(1000);
				ByteBuffer.wrap(p).order(ByteOrder.BIG_ENDIAN).putShort(2, (short) total); // shorter than the header, or beyond the datagram
			}
			yield p;
		}
		case SESSION_OVERSIZED -> valid(lease, 1401 + random.nextInt(MAX_UDP - 1400 - 28));
		case SESSION_SPOOFED -> {
			int[] a = { 10, 77, random.nextInt(256), 1 + random.nextInt(254) };
			String source = a[0] + "." + a[1] + "." + a[2] + "." + a[3];
			yield valid(source.equals(lease) ? "10.78.0.1" : source, random.nextInt(200));
		}
		case SESSION_MUTATED -> {
			byte[] p = valid(lease, random.nextInt(200));
			for (int i = 1 + random.nextInt(4); i > 0; i--) {
				int at = random.nextInt(p.length);
				if (at < 12 || at >= 16) { // the source stays the lease: this is about the rest
					p[at] = (byte) random.nextInt(256);
				}
			}
			yield nonZeroLeading(p);
		}
		case SESSION_TCP -> {
			byte[] p = tcp(lease, random.nextInt(1300));
			if (random.nextBoolean()) {
				// an IP packet that claims TCP but ends inside the TCP header (20-33 bytes), or a
				// header whose data offset points beyond the packet
				p = Arrays.copyOf(p, 20 + random.nextInt(14));
				ByteBuffer.wrap(p).putShort(2, (short) p.length).putShort(10, (short) 0);
				ByteBuffer.wrap(p).putShort(10, (short) Packets.checksum(p, 0, 20));
			} else if (random.nextInt(4) == 0) {
				p[32] = (byte) 0xF0; // data offset 60 bytes
			}
			yield p;
		}
		case SESSION_VALID -> valid(lease, random.nextInt(200));
		};
	}

	/** A TCP ACK segment of one flow from {@code source} to the inet host's discard port. */
	private byte[] tcp(String source, int payload) {
		ByteBuffer segment = ByteBuffer.allocate(20 + payload);
		segment.putShort((short) 40000).putShort((short) DISCARD_PORT).putInt(random.nextInt()).putInt(random.nextInt());
		segment.put((byte) 0x50).put((byte) (random.nextInt(4) == 0 ? 0x18 : 0x10)).putShort((short) 65535).putInt(0);
		segment.put(randomBytes(payload));
		byte[] bytes = segment.array();
		int sum = ~Packets.sum(Packets.pseudoHeaderSum(Packets.address(source), Packets.address(inet), Packets.TCP, bytes.length), bytes,
				0, bytes.length) & 0xffff;
		bytes[16] = (byte) (sum >> 8);
		bytes[17] = (byte) sum;
		return Packets.ipv4(source, inet, Packets.TCP, bytes);
	}

	/** A well-formed UDP packet from {@code source} to the inet host's discard port. */
	private byte[] valid(String source, int payload) {
		return Packets.udp(source, 1024 + random.nextInt(60000), inet, DISCARD_PORT, randomBytes(payload));
	}

	private static byte[] handshake(String secret, String clientId) {
		return ToyVpnClient.handshakeDatagram(secret, clientId);
	}

	private byte[] randomBytes(int n) {
		byte[] b = new byte[n];
		random.nextBytes(b);
		return b;
	}

	private static byte[] nonZeroLeading(byte[] d) {
		if (d.length > 0 && d[0] == 0) {
			d[0] = 0x45;
		}
		return d;
	}

	private String printable(int n) {
		char[] c = new char[n];
		for (int i = 0; i < n; i++) {
			c[i] = (char) (0x21 + random.nextInt(0x7f - 0x21));
		}
		return new String(c);
	}

	@Override
	public void close() {
		UdpSockets.close(strangers);
		Cleanup.unregister(ns, this);
	}
}
