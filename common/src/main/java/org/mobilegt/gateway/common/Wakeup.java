package org.mobilegt.gateway.common;

import java.io.Closeable;
import java.io.IOException;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Waits until a non-blocking file descriptor is readable, or until {@link #close()} wakes every
 * waiter through an eventfd, so no thread stays blocked in the kernel after shutdown.
 * <p>
 * One instance per reading thread: the pollfd array is reused for every wait (no allocation).
 * {@link #awaitAny} also waits for two more descriptors, given anew on each call.
 */
public final class Wakeup implements Closeable {

	/** Outcome of {@link #awaitReadable(int)}. */
	public enum Ready {
		READABLE, TIMEOUT, CLOSED
	}

	/** struct pollfd: int fd; short events; short revents. */
	private static final int POLLFD_SIZE = 8;
	private static final int POLLFD_FD = 0;
	private static final int POLLFD_EVENTS = 4;
	private static final int POLLFD_REVENTS = 6;
	/** An eventfd is written and read as one unsigned 64-bit counter. */
	private static final int EVENTFD_COUNTER_SIZE = 8;

	private final int eventFd;
	/** The descriptor, the eventfd, and the two slots of {@link #awaitAny}. */
	private final Memory pollFds = new Memory(4L * POLLFD_SIZE);
	private final long pollFdsAddress = Pointer.nativeValue(pollFds);
	private volatile boolean closed;

	public Wakeup(int fd) throws IOException {
		eventFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
		if (eventFd < 0) {
			throw new IOException("eventfd failed: " + LibC.describe(LibC.errno()));
		}
		pollFds.setInt(POLLFD_FD, fd);
		pollFds.setShort(POLLFD_EVENTS, LibC.POLLIN);
		pollFds.setInt(POLLFD_SIZE + POLLFD_FD, eventFd);
		pollFds.setShort(POLLFD_SIZE + POLLFD_EVENTS, LibC.POLLIN);
		for (int slot = 2; slot < 4; slot++) {
			pollFds.setShort(slot * POLLFD_SIZE + POLLFD_EVENTS, LibC.POLLIN);
		}
	}

	/** Blocks until the descriptor is readable, the timeout passes or this is closed. */
	public Ready awaitReadable(int timeoutMillis) throws IOException {
		return await(2, timeoutMillis);
	}

	/**
	 * Like {@link #awaitReadable(int)}, but also returns when {@code second} or {@code third} is
	 * readable (a negative one is left out); {@link #ready(int)} then says which of the three is.
	 */
	public Ready awaitAny(int timeoutMillis, int second, int third) throws IOException {
		pollFds.setInt(2 * POLLFD_SIZE + POLLFD_FD, second);
		pollFds.setInt(3 * POLLFD_SIZE + POLLFD_FD, third);
		return await(4, timeoutMillis);
	}

	/**
	 * After {@link #awaitAny}: whether descriptor {@code i} (0: this one's, 1: the second, 2: the
	 * third) polled ready, readable or failing (a read tells which).
	 */
	public boolean ready(int i) {
		return pollFds.getShort((i == 0 ? 0 : i + 1) * POLLFD_SIZE + POLLFD_REVENTS) != 0;
	}

	private Ready await(int slots, int timeoutMillis) throws IOException {
		if (closed) {
			return Ready.CLOSED;
		}
		for (int slot = 0; slot < slots; slot++) {
			pollFds.setShort(slot * POLLFD_SIZE + POLLFD_REVENTS, (short) 0);
		}
		int n = LibC.poll(pollFdsAddress, slots, timeoutMillis);
		if (n < 0) {
			int errno = LibC.errno();
			if (errno == Errno.EINTR) {
				return Ready.TIMEOUT;
			}
			throw new IOException("poll failed: " + LibC.describe(errno));
		}
		if (closed || pollFds.getShort(POLLFD_SIZE + POLLFD_REVENTS) != 0) {
			return Ready.CLOSED;
		}
		return n == 0 ? Ready.TIMEOUT : Ready.READABLE;
	}

	/** Wakes all waiters for good; the eventfd stays readable until {@link #release()}. */
	@Override
	public void close() {
		if (!closed) {
			closed = true;
			try (Memory one = new Memory(EVENTFD_COUNTER_SIZE)) {
				one.setLong(0, 1);
				LibC.write(eventFd, Pointer.nativeValue(one), EVENTFD_COUNTER_SIZE);
			}
		}
	}

	/** Frees the eventfd once no thread can be waiting any more. */
	public void release() {
		close();
		LibC.close(eventFd);
	}
}
