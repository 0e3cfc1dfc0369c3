package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

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
	/** What a raise adds, set under the lock. */
	private final Memory added = new Memory(8);
	private final Memory sink = new Memory(8);
	/** What each write queues, as replies the kernel made inside the write (none: nothing). */
	volatile byte[][] echo = {};
	/**
	 * Whether those replies raise the count, as the kernel's do; when not, only a read that does
	 * not wait for the descriptor finds them.
	 */
	volatile boolean echoPolls;
	/** Runs at each read that found the queue empty. */
	volatile Runnable onEmptyRead = () -> { };

	PolledTun() throws IOException {
		super(0);
		fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK | EFD_SEMAPHORE);
		if (fd < 0) {
			throw new IOException("eventfd failed");
		}
	}

	/** Queues a packet for reading and raises the count. */
	void offer(byte[] packet) {
		offerAll(packet);
	}

	/**
	 * Queues all the packets and raises the count by as many: a reader woken finds them all. A
	 * reader that takes one before the count was raised lowers it only after (one lock): its
	 * lowering is not lost, which would leave the descriptor readable with nothing to read.
	 */
	void offerAll(byte[]... packets) {
		synchronized (sink) {
			for (byte[] p : packets) {
				toRead.add(p);
			}
			added.setLong(0, packets.length);
			LibC.write(fd, Pointer.nativeValue(added), 8);
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
			synchronized (sink) { // two readers may take packets at once; an offer may still be raising
				LibC.read(fd, Pointer.nativeValue(sink), 8);
			}
		} else if (n == 0) {
			onEmptyRead.run();
		}
		return n;
	}

	@Override
	public int write(ByteBuffer src) throws IOException {
		int n = super.write(src);
		byte[][] replies = echo;
		if (echoPolls) {
			offerAll(replies);
		} else {
			toRead.addAll(List.of(replies));
		}
		return n;
	}

	@Override
	public void close() {
		LibC.close(fd);
	}
}
