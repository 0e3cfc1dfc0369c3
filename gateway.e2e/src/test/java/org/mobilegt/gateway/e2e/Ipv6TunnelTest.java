package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mobilegt.gateway.e2e.Scenarios.KEY;
import static org.mobilegt.gateway.e2e.Scenarios.REPLY;
import static org.mobilegt.gateway.e2e.Scenarios.SILENCE;
import static org.mobilegt.gateway.e2e.Scenarios.START;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * IPv6 inside the tunnel (the gateway's default subnet6, a kept ULA /64, masqueraded out of the
 * egress): a client's IPv6 reaches an IPv6 internet host through NAT66, a spoofed IPv6 source does
 * not, ICMPv6 packet too big comes back for Path MTU discovery, and both leases of a client id
 * survive a restart.
 */
@RequiresRoot
class Ipv6TunnelTest {

	private static final int SINK_PORT = 7017;
	private static final int STREAM_PORT = 7018;
	private static final int ICMPV6 = 58;
	private static final int PACKET_TOO_BIG = 2;

	@Test
	void aClientPingsAndStreamsTcpOverIpv6ThroughNat66() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "Ipv6TunnelTest/nat66").start()) {
			String inet6 = t.addIpv6Internet();
			InetSocketAddress server = gw.awaitTunnel(START);
			try (ToyVpnClient alice = ToyVpnClient.withTun(t.phone(), server, "mgtc0", KEY, "alice");
					DatagramSocket sink = udpSocket(t.inet(), "::", SINK_PORT)) {
				Parameters p = alice.parameters();
				assertThat(p.address6()).as("the reply's IPv6 address").isNotNull();
				assertThat(p.routes6()).contains("::/0");

				Exec.Result ping = Scenarios.ping(t.phone(), "mgtc0", inet6, 3);
				assertThat(ping.out()).as(ping.toString()).contains(Scenarios.allReplied(3));

				// what the inet host sees: the gw's egress address (masquerade), not the client's ULA
				try (DatagramSocket phone = udpSocket(t.phone(), "::", 0)) {
					byte[] hello = "hello over IPv6".getBytes(StandardCharsets.US_ASCII);
					phone.send(new DatagramPacket(hello, hello.length, new InetSocketAddress(inet6, SINK_PORT)));
				}
				DatagramPacket got = receive(sink, REPLY).orElseThrow(() -> new AssertionError("nothing reached the inet host"));
				assertThat(got.getAddress()).isEqualTo(InetAddress.getByName(t.gwInet6Address()));

				try (TcpStream stream = TcpStream.start(t.phone(), t.inet(), inet6, STREAM_PORT, 4_000_000)) {
					assertThat(stream.awaitProgress(4_000_000, Duration.ofSeconds(20))).as("4 MB over IPv6").isTrue();
					TcpStream.Outcome outcome = stream.finish(Duration.ofSeconds(10));
					assertThat(outcome.intact()).as(outcome.toString()).isTrue();
					E2e.log("MEASURED TCP over IPv6 through NAT66: " + outcome);
				}
				VpnShell.Stats stats = VpnShell.stats(gw);
				assertThat(stats.drops("SPOOFED")).as("the client's kernel sends nothing from another source").isZero();
				assertThat(stats.drops("IPV6")).isZero();
				assertThat(stats.drops("TUN_WRITE_ERROR")).as("coalesced TCPv6 segments the kernel refused").isZero();
			}
		}
	}

	@Test
	void aSpoofedIpv6SourceIsDroppedAndPacketTooBigReachesTheClient() throws Exception {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "Ipv6TunnelTest/spoofAndPmtu").start()) {
			String inet6 = t.addIpv6Internet();
			String far = t.addNarrowIpv6Path();
			InetSocketAddress server = gw.awaitTunnel(START);
			try (ToyVpnClient mallory = ToyVpnClient.open(t.phone(), server); DatagramSocket sink = udpSocket(t.inet(), "::", SINK_PORT)) {
				String own = mallory.handshake(KEY, "mallory").address6();
				String other = neighbour(own);
				int mark = gw.logMark();

				mallory.send(Packets.udp6(other, 5000, inet6, SINK_PORT, bytes("as someone else")));
				mallory.send(Packets.udp6(own, 5000, inet6, SINK_PORT, bytes("mine")));
				Optional<DatagramPacket> first = receive(sink, REPLY);
				assertThat(first).as("the own source's datagram, sent second, arrives first").hasValueSatisfying(
						d -> assertThat(new String(d.getData(), 0, d.getLength(), StandardCharsets.US_ASCII)).isEqualTo("mine"));
				assertThat(receive(sink, SILENCE)).as("the spoofed datagram at the inet host").isEmpty();
				gw.awaitLog("SPOOFED (source " + other + " is not the lease " + own + ")", mark, REPLY);
				assertThat(VpnShell.stats(gw).drops("SPOOFED")).as("drops.SPOOFED").isEqualTo(1);

				// 1400 bytes towards a 1280-byte link: the router there answers, through NAT66, to the client
				mallory.send(Packets.udp6(own, 5001, far, 9, new byte[1400 - 48]));
				byte[] error = awaitIcmpv6(mallory, PACKET_TOO_BIG, REPLY);
				ByteBuffer b = ByteBuffer.wrap(error);
				assertThat(Arrays.copyOfRange(error, 8, 24)).as("from the inet host").isEqualTo(Packets.address6(inet6));
				assertThat(Arrays.copyOfRange(error, 24, 40)).as("to the client's own address").isEqualTo(Packets.address6(own));
				assertThat(b.getInt(44)).as("the MTU it reports").isEqualTo(1280);
			}
		}
	}

	@Test
	void bothLeasesOfAClientIdSurviveARestart() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "Ipv6TunnelTest/restart").start()) {
			Parameters before;
			try (ToyVpnClient alice = ToyVpnClient.open(t.phone(), gw.awaitTunnel(START))) {
				before = alice.handshake(KEY, "alice");
			}
			assertThat(before.address6()).isNotNull();
			assertThat(gw.stop()).as("exit code after SIGTERM").isEqualTo(143);
			gw.start();
			InetSocketAddress server = gw.awaitTunnel(START);
			try (ToyVpnClient bob = ToyVpnClient.open(t.phone(), server); ToyVpnClient alice = ToyVpnClient.open(t.phone(), server)) {
				// bob first: without sticky leases he would get what alice had
				Parameters bobs = bob.handshake(KEY, "bob");
				Parameters after = alice.handshake(KEY, "alice");
				assertThat(after.address()).isEqualTo(before.address());
				assertThat(after.address6()).isEqualTo(before.address6());
				assertThat(bobs.address()).isNotEqualTo(before.address());
				assertThat(bobs.address6()).isNotNull().isNotEqualTo(before.address6());
			}
		}
	}

	/** A UDP socket bound in {@code ns} (it stays there whichever thread uses it). */
	private static DatagramSocket udpSocket(String ns, String address, int port) {
		DatagramSocket s = Netns.inside(ns, () -> new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), port)));
		Cleanup.register(ns, s);
		return s;
	}

	private static Optional<DatagramPacket> receive(DatagramSocket s, Duration within) throws Exception {
		DatagramPacket d = new DatagramPacket(new byte[2048], 2048);
		s.setSoTimeout((int) within.toMillis());
		try {
			s.receive(d);
			return Optional.of(d);
		} catch (SocketTimeoutException e) {
			return Optional.empty();
		}
	}

	/** The next ICMPv6 message of {@code type} (right after the fixed header) the client receives. */
	private static byte[] awaitIcmpv6(ToyVpnClient client, int type, Duration within) {
		long deadline = System.nanoTime() + within.toNanos();
		while (System.nanoTime() < deadline) {
			Optional<byte[]> d = client.poll(Duration.ofNanos(deadline - System.nanoTime()));
			if (d.isPresent() && d.get().length > 48 && (d.get()[0] & 0xF0) == 0x60 && d.get()[6] == ICMPV6 && d.get()[40] == type) {
				return d.get();
			}
		}
		throw new AssertionError("no ICMPv6 type " + type + " within " + within);
	}

	/** Another address of the same /64 (RFC 5952 form kept): the last hex digit changed. */
	static String neighbour(String address) {
		char last = address.charAt(address.length() - 1);
		int digit = Character.digit(last, 16);
		return address.substring(0, address.length() - 1) + Character.forDigit(digit == 15 ? 14 : digit + 1, 16);
	}

	private static byte[] bytes(String s) {
		return s.getBytes(StandardCharsets.US_ASCII);
	}
}
