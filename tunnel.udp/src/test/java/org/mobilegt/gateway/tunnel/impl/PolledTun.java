package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.mobilegt.gateway.common.LibC;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * A fake TUN device with a real poll descriptor, as a TUN queue's: an eventfd in semaphore mode
 * that counts the packets queued ({@link #offer}), so it polls readable exactly while there is
 * one (a take lowers it after, so at worst a wake-up finds nothing: never the other way round).
 */
final class PolledTun extends Fakes.FakeTun implements AutoCloseable {

	private static final int EFD_SEMAPHORE = 1;

	private final int fd;
	private final Memory one = new Memory(8);
	private final Memory sink = new Memory(8);

	PolledTun() throws IOException {
		super(0);
		fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK | EFD_SEMAPHORE);
		if (fd < 0) {
			throw new IOException("eventfd failed");
		}
		one.setLong(0, 1);
	}

	/** Queues a packet for reading, then raises the count. */
	void offer(byte[] packet) {
		toRead.add(packet);
		LibC.write(fd, Pointer.nativeValue(one), 8);
	}

	/** Queues all the packets, then raises the count by as many: a reader woken finds them all. */
	void offerAll(byte[]... packets) {
		for (byte[] p : packets) {
			toRead.add(p);
		}
		try (Memory n = new Memory(8)) {
			n.setLong(0, packets.length);
			LibC.write(fd, Pointer.nativeValue(n), 8);
		}
	}

	@Override
	public int pollFd(int queue) {
		return fd;
	}

	@Override
	public int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException {
		int n = super.read(queue, dst, timeoutMillis);
		if (n > 0) {
			synchronized (sink) { // two readers may take packets at once
				LibC.read(fd, Pointer.nativeValue(sink), 8);
			}
		}
		return n;
	}

	@Override
	public void close() {
		LibC.close(fd);
	}
}
