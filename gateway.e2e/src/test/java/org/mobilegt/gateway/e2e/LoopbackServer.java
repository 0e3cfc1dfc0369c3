package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for the gateway's tunnel, to test the client on its own: it answers handshakes that
 * carry its secret (leasing 10.77.0.2, .3, ... per endpoint; the reply padded to 1024 bytes and
 * sent 3 times like the reference server), and answers ICMP echo requests from a leased address
 * itself, as if it were every host behind the tunnel.
 */
final class LoopbackServer implements AutoCloseable {

	private final String ns;
	private final String secret;
	private final DatagramChannel channel;
	private final Thread thread;
	private final Map<SocketAddress, String> leases = new ConcurrentHashMap<>();
	private final Map<String, AtomicLong> echoed = new ConcurrentHashMap<>();

	private LoopbackServer(String ns, String secret, DatagramChannel channel) {
		this.ns = ns;
		this.secret = secret;
		this.channel = channel;
		this.thread = new Thread(this::serve, "loopback server " + ns);
		thread.setDaemon(true);
		thread.start();
	}

	static LoopbackServer start(String ns, String bindAddress, int port, String secret) {
		DatagramChannel channel = Netns.inside(ns,
				() -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(bindAddress, port)));
		LoopbackServer server = new LoopbackServer(ns, secret, channel);
		Cleanup.register(ns, server);
		return server;
	}

	InetSocketAddress endpoint() {
		try {
			return (InetSocketAddress) channel.getLocalAddress();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Echo requests answered for the client with tunnel address {@code address}. */
	long echoed(String address) {
		AtomicLong n = echoed.get(address);
		return n == null ? 0 : n.get();
	}

	/** A handshake reply: the 0 byte, the text, spaces up to 1024 bytes. */
	static byte[] reply(String text) {
		byte[] reply = new byte[1024];
		Arrays.fill(reply, (byte) ' ');
		reply[0] = 0;
		byte[] t = text.getBytes(StandardCharsets.US_ASCII);
		System.arraycopy(t, 0, reply, 1, t.length);
		return reply;
	}

	private void serve() {
		ByteBuffer buf = ByteBuffer.allocate(65535);
		try {
			while (true) {
				buf.clear();
				SocketAddress from = channel.receive(buf);
				byte[] datagram = Arrays.copyOf(buf.array(), buf.position());
				if (datagram.length > 1 && datagram[0] == 0) {
					handshake(from, new String(datagram, 1, datagram.length - 1, StandardCharsets.UTF_8));
				} else if (datagram.length > 0 && datagram[0] != 0) {
					echo(from, datagram);
				}
			}
		} catch (ClosedChannelException e) {
			// closed
		} catch (IOException e) {
			E2e.log("loopback server stopped: " + e);
		}
	}

	private void handshake(SocketAddress from, String text) throws IOException {
		if (!text.equals(secret) && !text.startsWith(secret + ":")) {
			return; // like the gateway: no answer to a wrong secret
		}
		String address = leases.computeIfAbsent(from, k -> "10.77.0." + (2 + leases.size()));
		byte[] reply = reply(" m,1400 a," + address + ",32 d,8.8.8.8 r,0.0.0.0,0");
		for (int i = 0; i < 3; i++) {
			channel.send(ByteBuffer.wrap(reply), from);
		}
	}

	private void echo(SocketAddress from, byte[] packet) throws IOException {
		String address = leases.get(from);
		try {
			Ipv4Packet p = Ipv4Packet.parse(packet);
			if (p.source().equals(address) && p.isIcmp() && p.icmp().isEchoRequest()) {
				channel.send(ByteBuffer.wrap(Packets.echoReplyTo(packet)), from);
				echoed.computeIfAbsent(address, k -> new AtomicLong()).incrementAndGet();
			}
		} catch (IllegalArgumentException | IllegalStateException e) {
			// not a packet this stand-in answers
		}
	}

	@Override
	public void close() {
		Cleanup.stopServer(ns, this, channel, thread);
	}
}
