package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.Wakeup;
import org.mobilegt.gateway.net.api.EndpointKey;

import com.sun.jna.Memory;

/** The JNA socket layer against real sockets on the loopback interface. */
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
}
