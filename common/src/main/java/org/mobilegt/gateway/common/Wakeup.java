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
	private final Memory pollFds = new Memory(2L * POLLFD_SIZE);
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
	}

	/** Blocks until the descriptor is readable, the timeout passes or this is closed. */
	public Ready awaitReadable(int timeoutMillis) throws IOException {
		if (closed) {
			return Ready.CLOSED;
		}
		pollFds.setShort(POLLFD_REVENTS, (short) 0);
		pollFds.setShort(POLLFD_SIZE + POLLFD_REVENTS, (short) 0);
		int n = LibC.poll(pollFdsAddress, 2, timeoutMillis);
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
