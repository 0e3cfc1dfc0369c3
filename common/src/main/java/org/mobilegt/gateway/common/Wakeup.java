package org.mobilegt.gateway.common;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Waits until a non-blocking file descriptor is readable, or until {@link #close()} wakes every
 * waiter through an eventfd, so no thread stays blocked in the kernel after shutdown.
 * <p>
 * One instance per reading thread. It waits in an epoll set that holds its descriptors for as
 * long as they are watched, rather than in poll(2), which adds the thread to and removes it from
 * every descriptor's wait queue on every wait: the data path waits once per datagram at low load,
 * on up to four descriptors ({@link #watch}). No allocation per wait.
 */
public final class Wakeup implements Closeable {

	/** Outcome of {@link #awaitReadable(int)}. */
	public enum Ready {
		READABLE, TIMEOUT, CLOSED
	}

	private static final int EVENT_SIZE = LibC.EPOLL_EVENT_SIZE;
	private static final int EVENT_DATA = LibC.EPOLL_EVENT_DATA;
	/** An eventfd is written and read as one unsigned 64-bit counter. */
	private static final int EVENTFD_COUNTER_SIZE = 8;
	/** The descriptor, the eventfd, and the two of {@link #watch}; an event's data is its slot. */
	private static final int SLOTS = 4;
	private static final int CLOSE_SLOT = 1;

	private final int epollFd;
	private final int eventFd;
	private final int[] watched = { -1, -1, -1, -1 };
	private final Memory events = new Memory((long) SLOTS * EVENT_SIZE);
	private final long eventsAddress = Pointer.nativeValue(events);
	/** The events read in Java: {@code Memory.getLong} would be a JNI call per event, on the wake-up's path. */
	private final ByteBuffer eventsView = events.getByteBuffer(0, (long) SLOTS * EVENT_SIZE).order(ByteOrder.nativeOrder());
	/** The event epoll_ctl is given: the watching thread's only. */
	private final Memory control = new Memory(EVENT_SIZE);
	private final long controlAddress = Pointer.nativeValue(control);
	/** The slots the last wait found ready, a bit each. */
	private int ready;
	private volatile boolean closed;

	public Wakeup(int fd) throws IOException {
		epollFd = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
		if (epollFd < 0) {
			throw new IOException("epoll_create1 failed: " + LibC.describe(LibC.errno()));
		}
		eventFd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
		try {
			if (eventFd < 0) {
				throw new IOException("eventfd failed: " + LibC.describe(LibC.errno()));
			}
			add(0, fd);
			add(CLOSE_SLOT, eventFd);
		} catch (IOException e) {
			LibC.close(eventFd);
			LibC.close(epollFd);
			throw e;
		}
	}

	/** Blocks until the descriptor or a watched one is readable, the timeout passes or this is closed. */
	public Ready awaitReadable(int timeoutMillis) throws IOException {
		if (closed) {
			return Ready.CLOSED;
		}
		ready = 0;
		int n = LibC.epollWait(epollFd, eventsAddress, SLOTS, timeoutMillis);
		if (n < 0) {
			int errno = LibC.errno();
			if (errno == Errno.EINTR) {
				return Ready.TIMEOUT;
			}
			throw new IOException("epoll_wait failed: " + LibC.describe(errno));
		}
		for (int i = 0; i < n; i++) {
			ready |= 1 << eventsView.getLong(i * EVENT_SIZE + EVENT_DATA);
		}
		if (closed || (ready & 1 << CLOSE_SLOT) != 0) {
			return Ready.CLOSED;
		}
		return n == 0 ? Ready.TIMEOUT : Ready.READABLE;
	}

	/**
	 * From now on {@link #awaitReadable} also returns when {@code fd} is readable, in place of
	 * what {@code which} (1 or 2) watched before; a negative {@code fd} watches nothing there. Call
	 * it again for a descriptor whose number was closed and reused: the kernel forgot the old file.
	 */
	public void watch(int which, int fd) throws IOException {
		int slot = which + 1;
		if (watched[slot] >= 0) {
			control(LibC.EPOLL_CTL_DEL, slot, watched[slot]); // fails harmlessly when the file was closed
			watched[slot] = -1;
		}
		if (fd >= 0) {
			add(slot, fd);
		}
	}

	/**
	 * After {@link #awaitReadable}: whether descriptor {@code i} (0: this one's, 1 and 2: the
	 * watched ones) was ready, readable or failing (a read tells which).
	 */
	public boolean ready(int i) {
		return (ready & 1 << (i == 0 ? 0 : i + 1)) != 0;
	}

	private void add(int slot, int fd) throws IOException {
		if (control(LibC.EPOLL_CTL_ADD, slot, fd) < 0) {
			throw new IOException("cannot wait for descriptor " + fd + ": " + LibC.describe(LibC.errno()));
		}
		watched[slot] = fd;
	}

	private int control(int op, int slot, int fd) {
		control.setInt(0, LibC.EPOLLIN);
		control.setLong(EVENT_DATA, slot);
		return LibC.epoll_ctl(epollFd, op, fd, controlAddress);
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

	/** Frees the descriptors it made once no thread can be waiting any more. */
	public void release() {
		close();
		LibC.close(eventFd);
		LibC.close(epollFd);
	}
}
