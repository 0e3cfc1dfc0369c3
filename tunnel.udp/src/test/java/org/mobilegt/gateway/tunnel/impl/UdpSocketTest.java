package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.LibC;
import org.mobilegt.gateway.common.Wakeup;
import org.mobilegt.gateway.common.testing.OnJava25;
import org.mobilegt.gateway.net.api.EndpointKey;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpEndpoint;

import com.sun.jna.Memory;

/** The socket layer against real sockets on the loopback interface, with JNA and on Java 25 with java.lang.foreign. */
class UdpSocketTest {

	static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	@Test
	void batchesReceiveAndSendDatagramsWithTheirEndpoints() throws Exception {
		UdpSocket socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		try (DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
			peer.setSoTimeout(2000);
			for (int i = 0; i < 3; i++) {
				byte[] data = ("datagram " + i).getBytes();
				peer.send(new DatagramPacket(data, data.length, LOOPBACK, socket.port()));
			}
			MessageBatch batch = new MessageBatch(8, 2048);
			assertThat(socket.awaitReadable(2000)).isEqualTo(Wakeup.Ready.READABLE);
			int n = 0;
			for (int tries = 0; n < 3 && tries < 100; tries++) {
				int got = batch.receive(socket);
				n = got > 0 ? got : n;
				if (got == 0) {
					socket.awaitReadable(100);
				}
			}
			assertThat(n).isEqualTo(3);
			long from = EndpointKey.key(0x7F000001, peer.getLocalPort());
			for (int i = 0; i < n; i++) {
				assertThat(batch.endpoint(i)).isEqualTo(from);
				assertThat(batch.truncated(i)).isFalse();
				ByteBuffer d = batch.received(i);
				byte[] text = new byte[d.remaining()];
				d.get(text);
				assertThat(new String(text)).isEqualTo("datagram " + i);
			}

			MessageBatch send = new MessageBatch(4, 2048);
			for (int i = 0; i < 2; i++) {
				ByteBuffer slot = send.next();
				slot.put(("reply " + i).getBytes());
				send.commit(slot.position(), from);
			}
			assertThat(send.flush(socket)).isZero();
			for (int i = 0; i < 2; i++) {
				DatagramPacket p = new DatagramPacket(new byte[100], 100);
				peer.receive(p);
				assertThat(new String(p.getData(), 0, p.getLength())).isEqualTo("reply " + i);
				assertThat(p.getPort()).isEqualTo(socket.port());
			}
		} finally {
			socket.release();
		}
	}

	static final InetAddress LOOPBACK6 = IpAddress.parse("::1").toInetAddress();

	/** Receives {@code count} datagrams into {@code batch}. */
	static int receive(UdpSocket socket, MessageBatch batch, int count) throws Exception {
		int n = 0;
		for (int tries = 0; n < count && tries < 100; tries++) {
			int got = batch.receive(socket);
			n = got > 0 ? got : n;
			if (got == 0) {
				socket.awaitReadable(100);
			}
		}
		return n;
	}

	@Test
	void aDualStackSocketTakesBothFamiliesAndKeysIpv4SendersAsIpv4() throws Exception {
		UdpSocket socket = UdpSocket.bind(IpAddress.parse("::").toInetAddress(), 0, 1 << 20);
		try (DatagramSocket v4 = new DatagramSocket(0, LOOPBACK); DatagramSocket v6 = new DatagramSocket(0, LOOPBACK6)) {
			assertThat(socket.inet6()).isTrue();
			assertThat(socket.where()).isEqualTo("[::]:" + socket.port());
			v4.setSoTimeout(2000);
			v6.setSoTimeout(2000);
			v4.send(new DatagramPacket("four".getBytes(), 4, LOOPBACK, socket.port()));
			MessageBatch batch = new MessageBatch(8, 2048);
			assertThat(receive(socket, batch, 1)).isEqualTo(1);
			long from4 = batch.endpoint(0);
			v6.send(new DatagramPacket("six".getBytes(), 3, LOOPBACK6, socket.port()));
			assertThat(receive(socket, batch, 1)).isEqualTo(1);
			long from6 = batch.endpoint(0);
			assertThat(from4).as("v4-mapped folds into today's IPv4 key").isEqualTo(EndpointKey.key(0x7F000001, v4.getLocalPort()));
			assertThat(EndpointKey.isIpv6(from6)).isTrue();
			assertThat(EndpointKey.format(from6)).isEqualTo("[::1]:" + v6.getLocalPort());

			MessageBatch send = new MessageBatch(4, 2048);
			send.next().put("to4".getBytes());
			send.commit(3, from4);
			send.next().put("to6".getBytes());
			send.commit(3, from6);
			assertThat(send.flush(socket)).isZero();
			DatagramPacket p = new DatagramPacket(new byte[100], 100);
			v4.receive(p);
			assertThat(new String(p.getData(), 0, p.getLength())).isEqualTo("to4");
			v6.receive(p);
			assertThat(new String(p.getData(), 0, p.getLength())).isEqualTo("to6");
			assertThat(p.getPort()).isEqualTo(socket.port());

			GsoSender gso = new GsoSender();
			ByteBuffer run = gso.buffer();
			run.put(new byte[2500]);
			assertThat(gso.send(socket, from6, 2500, 1000)).isZero();
			DatagramPacket segment = new DatagramPacket(new byte[2000], 2000);
			for (int i = 0; i < 3; i++) {
				v6.receive(segment);
				assertThat(segment.getLength()).as("UDP GSO segments over IPv6").isEqualTo(i < 2 ? 1000 : 500);
			}
		} finally {
			socket.release();
		}
	}

	@Test
	void anIpv4SocketRefusesToSendToAnIpv6EndpointAndTheOthersStillGo() throws Exception {
		UdpSocket socket4 = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		UdpSocket socket6 = UdpSocket.bind(LOOPBACK6, 0, 1 << 20); // IPv6 only
		try (DatagramSocket v6 = new DatagramSocket(0, LOOPBACK6)) {
			long to6 = EndpointKey.key(IpEndpoint.of(IpAddress.parse("::1"), v6.getLocalPort()));
			MessageBatch send = new MessageBatch(4, 2048);
			send.next().put("x".getBytes());
			send.commit(1, to6);
			send.next().put("y".getBytes());
			send.commit(1, EndpointKey.key(0x7F000001, 9)); // discarded, but sent
			assertThat(send.flush(socket4)).isEqualTo(1);
			assertThat(send.refused(0)).isTrue();
			assertThat(send.refused(1)).isFalse();
			assertThat(socket6.where()).isEqualTo("[::1]:" + socket6.port());
		} finally {
			socket4.release();
			socket6.release();
		}
	}

	@Test
	void aBatchReceivesWholeDatagramsBehindItsHeadroomInEntriesItSentFrom() throws Exception {
		UdpSocket socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		try (DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
			peer.setSoTimeout(2000);
			MessageBatch batch = new MessageBatch(4, 2048, Offload.HEADER);
			long to = EndpointKey.key(0x7F000001, peer.getLocalPort());
			for (int i = 0; i < 2; i++) {
				ByteBuffer slot = batch.next();
				slot.put(new byte[] { 1, 2, 3 });
				batch.commit(slot.position(), to); // a 3-byte send from the slot's start
			}
			assertThat(batch.flush(socket)).isZero();
			batch.clear();
			for (int i = 0; i < 2; i++) {
				peer.receive(new DatagramPacket(new byte[10], 10));
				byte[] big = new byte[300];
				big[299] = (byte) i;
				peer.send(new DatagramPacket(big, big.length, LOOPBACK, socket.port()));
			}
			assertThat(receive(socket, batch, 2)).isEqualTo(2);
			for (int i = 0; i < 2; i++) {
				assertThat(batch.truncated(i)).isFalse();
				ByteBuffer d = batch.received(i);
				assertThat(d.position()).isEqualTo(Offload.HEADER);
				assertThat(d.remaining()).isEqualTo(300);
				assertThat(d.get(Offload.HEADER + 299)).isEqualTo((byte) i);
			}
		} finally {
			socket.release();
		}
	}

	@Test
	void aDatagramLargerThanItsSlotIsMarkedTruncated() throws Exception {
		UdpSocket socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		try (DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
			peer.send(new DatagramPacket(new byte[300], 300, LOOPBACK, socket.port()));
			MessageBatch batch = new MessageBatch(2, 100);
			socket.awaitReadable(2000);
			assertThat(batch.receive(socket)).isEqualTo(1);
			assertThat(batch.truncated(0)).isTrue();
		} finally {
			socket.release();
		}
	}

	@Test
	void theHeadroomInFrontOfAReceivedDatagramIsZeroInRecycledMemory() throws Exception {
		// malloc hands freed memory out again as it was: the batch must zero the headroom itself
		// (the guard after them keeps the freed chunks from merging into the top and being trimmed)
		Memory[] dirty = new Memory[4];
		for (int i = 0; i < dirty.length; i++) {
			dirty[i] = new Memory(4 * 2048);
			dirty[i].setMemory(0, dirty[i].size(), (byte) 0xFF);
		}
		UdpSocket socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		try (Memory guard = new Memory(4 * 2048); DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
			for (Memory m : dirty) {
				m.close();
			}
			peer.send(new DatagramPacket(new byte[] {7, 8}, 2, LOOPBACK, socket.port()));
			MessageBatch batch = new MessageBatch(4, 2048, Offload.HEADER);
			socket.awaitReadable(2000);
			assertThat(batch.receive(socket)).isEqualTo(1);
			ByteBuffer d = batch.received(0);
			assertThat(d.position()).isEqualTo(Offload.HEADER);
			for (int i = 0; i < Offload.HEADER; i++) {
				assertThat(d.get(i)).as("headroom byte %d", i).isZero();
			}
			assertThat(d.get(Offload.HEADER)).isEqualTo((byte) 7);
			assertThat(d.remaining()).isEqualTo(2);
		} finally {
			socket.release();
		}
	}

	@Test
	void closingWakesAWaitingReceiver() throws Exception {
		UdpSocket socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		Thread closer = new Thread(() -> {
			try {
				Thread.sleep(200);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			socket.close();
		});
		long start = System.nanoTime();
		closer.start();
		assertThat(socket.awaitReadable(30_000)).isEqualTo(Wakeup.Ready.CLOSED);
		assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
		closer.join();
		socket.release();
	}

	@Test
	void aPortInUseIsReportedPlainly() throws Exception {
		try (DatagramSocket taken = new DatagramSocket(0, LOOPBACK)) {
			assertThatThrownBy(() -> UdpSocket.bind(LOOPBACK, taken.getLocalPort(), 1 << 16))
					.isInstanceOf(UdpSocket.BindException.class).hasMessageContaining("is in use by another socket");
		}
	}

	@Test
	void adoptsAnOpenSocketBoundWhereExpectedAndReceivesOnIt() throws Exception {
		UdpSocket original = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		int flags = LibC.fcntl(original.fd(), LibC.F_GETFL, 0);
		LibC.fcntl(original.fd(), LibC.F_SETFL, flags & ~LibC.O_NONBLOCK);
		UdpSocket adopted = UdpSocket.adopt(original.fd(), LOOPBACK, original.port(), 1 << 20);
		try (DatagramSocket peer = new DatagramSocket(0, LOOPBACK)) {
			original.handOff(); // the descriptor stays open for the adopter
			assertThat(LibC.fcntl(adopted.fd(), LibC.F_GETFL, 0) & LibC.O_NONBLOCK).as("made non-blocking").isNotZero();
			assertThat(adopted.fd()).isEqualTo(original.fd());
			assertThat(adopted.where()).isEqualTo("127.0.0.1:" + original.port());
			byte[] data = "after the hand-over".getBytes();
			peer.send(new DatagramPacket(data, data.length, LOOPBACK, adopted.port()));
			assertThat(adopted.awaitReadable(2000)).isEqualTo(Wakeup.Ready.READABLE);
			MessageBatch batch = new MessageBatch(8, 2048);
			assertThat(batch.receive(adopted)).isOne();
			assertThat(batch.received(0).remaining()).isEqualTo(data.length);
		} finally {
			adopted.release();
		}
	}

	@Test
	void refusesToAdoptASocketBoundElsewhereOrNotUdpAndLeavesItOpen() throws Exception {
		UdpSocket socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		int tcp = Sockets.socket(Sockets.AF_INET, 1 /* SOCK_STREAM */, 0);
		try {
			assertThatThrownBy(() -> UdpSocket.adopt(socket.fd(), LOOPBACK, socket.port() + 1, 1 << 20))
					.hasMessageContaining("is not bound to 127.0.0.1:" + (socket.port() + 1));
			assertThatThrownBy(() -> UdpSocket.adopt(socket.fd(), InetAddress.getByName("0.0.0.0"), socket.port(), 1 << 20))
					.hasMessageContaining("is not bound to");
			assertThatThrownBy(() -> UdpSocket.adopt(socket.fd(), InetAddress.getByName("::1"), socket.port(), 1 << 20))
					.hasMessageContaining("is not bound to");
			assertThat(tcp).isNotNegative();
			assertThatThrownBy(() -> UdpSocket.adopt(tcp, LOOPBACK, socket.port(), 1 << 20)).hasMessageContaining("not a UDP socket");
			assertThatThrownBy(() -> UdpSocket.adopt(999_999, LOOPBACK, socket.port(), 1 << 20)).hasMessageContaining("not a socket");
			// still open and usable: the refused adoption closed nothing
			UdpSocket again = UdpSocket.adopt(socket.fd(), LOOPBACK, socket.port(), 1 << 20);
			assertThat(again.port()).isEqualTo(socket.port());
			again.handOff();
		} finally {
			LibC.close(tcp);
			socket.release();
		}
	}

	@Test
	void theDataPathsCallsGoThroughForeignCallsFromJava22UnlessJnaIsAskedFor() {
		assertThat(Sockets.FOREIGN).isEqualTo(Runtime.version().feature() >= 22 && !"jna".equals(System.getProperty("mobilegt.native")));
	}

	@Test
	void theWaitWatchesTheTunOnlyWhileItIsGivenAndTheKickThroughout() throws Exception {
		UdpSocket socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		Kick kick = new Kick();
		try (PolledTun tun = new PolledTun()) {
			Turn turn = Turn.of(tun, kick, true);
			socket.watch(turn, kick);
			tun.offer(new byte[] { 0x45 });
			assertThat(socket.awaitReadable(2000)).isEqualTo(Wakeup.Ready.READABLE);
			assertThat(socket.ready(1)).as("the TUN").isTrue();
			assertThat(socket.ready(0)).isFalse();
			socket.watch(null, kick);
			assertThat(socket.awaitReadable(0)).as("a TUN the downlink reads wakes no one here").isEqualTo(Wakeup.Ready.TIMEOUT);
			kick.raise();
			assertThat(socket.awaitReadable(2000)).isEqualTo(Wakeup.Ready.READABLE);
			assertThat(socket.ready(2)).as("the kick").isTrue();
		} finally {
			socket.release();
			kick.close();
		}
	}

	@Test
	void aTunThatCannotBeWatchedGoesBackToTheDownlink() throws Exception {
		UdpSocket socket = UdpSocket.bind(LOOPBACK, 0, 1 << 20);
		Kick kick = new Kick();
		PolledTun tun = new PolledTun();
		try {
			Turn turn = Turn.of(tun, kick, true);
			assertThat(turn.toUplink()).isTrue();
			tun.close(); // its descriptor is gone before the uplink registers it
			assertThatThrownBy(() -> socket.watch(turn, kick)).isInstanceOf(IOException.class);
			assertThat(turn.role()).as("the downlink reads it").isEqualTo(Turn.DOWNLINK);
			socket.watch(null, kick); // and the uplink, seeing that, watches no TUN
			assertThat(socket.awaitReadable(0)).isEqualTo(Wakeup.Ready.READABLE); // the kick that gave it the turn
			assertThat(socket.ready(1)).isFalse();
		} finally {
			socket.release();
			kick.close();
		}
	}

	@Test
	void passOnJava25ThroughForeignCalls() throws Exception {
		OnJava25.runTests(UdpSocketTest.class);
	}
}
