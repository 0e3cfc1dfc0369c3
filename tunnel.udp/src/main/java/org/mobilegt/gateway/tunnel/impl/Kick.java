package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;

import org.mobilegt.gateway.common.LibC;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * An eventfd in the uplink's wait that wakes it when the TUN device's turn passes to it
 * ({@link Turn}): level-triggered, so a kick raised before the uplink waits is not lost. Lives as
 * long as the {@link Pumps} that made it and is closed only once their threads stopped, so no
 * pump ever writes to or reads from a descriptor number that another file took over.
 */
final class Kick {

	/** An eventfd is written and read as one unsigned 64-bit counter. */
	private static final int COUNTER = 8;

	private final int fd;
	/** Holds the 1 every raise adds; never changed, so any thread may raise. */
	private final Memory one = new Memory(COUNTER);
	private final long oneAddress = Pointer.nativeValue(one);
	/** Where the uplink reads the counter to reset it: its thread only. */
	private final Memory sink = new Memory(COUNTER);
	private final long sinkAddress = Pointer.nativeValue(sink);
	private boolean closed;

	Kick() throws IOException {
		fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
		if (fd < 0) {
			throw new IOException("eventfd failed: " + LibC.describe(LibC.errno()));
		}
		one.setLong(0, 1);
	}

	int fd() {
		return fd;
	}

	/** Makes the descriptor readable until {@link #clear()}. */
	void raise() {
		LibC.write(fd, oneAddress, COUNTER);
	}

	/** Resets it to not readable. The waiting thread only, before it looks at what the kick was for. */
	void clear() {
		LibC.read(fd, sinkAddress, COUNTER);
	}

	/** Once no pump can use it any more. */
	synchronized void close() {
		if (!closed) {
			closed = true;
			LibC.close(fd);
		}
	}
}
