package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.mobilegt.gateway.common.LibC;
import org.mobilegt.gateway.common.Wakeup;
import org.mobilegt.gateway.tun.api.TunDevice;

/**
 * A Linux TUN device opened through {@code /dev/net/tun} with {@code IFF_TUN | IFF_NO_PI}: one
 * non-blocking file descriptor per queue, each with its own {@link Wakeup} so that closing the
 * device releases blocked readers at once.
 */
final class LinuxTun {

	static final int IFF_TUN = 0x0001;
	static final int IFF_NO_PI = 0x1000;
	static final int IFF_MULTI_QUEUE = 0x0100;
	static final long TUNSETIFF = 0x400454caL;
	static final long TUNSETPERSIST = 0x400454cbL;
	private static final int IFREQ_SIZE = 40;
	private static final int ENOENT = 2;
	private static final int EPERM = 1;
	private static final int EACCES = 13;
	private static final int EBUSY = 16;
	private static final int EINVAL = 22;

	private final String name;
	private final int[] fds;
	private final Wakeup[] wakeups;
	private volatile boolean closed;

	private LinuxTun(String name, int[] fds, Wakeup[] wakeups) {
		this.name = name;
		this.fds = fds;
		this.wakeups = wakeups;
	}

	/**
	 * Opens (creating if needed) the TUN device {@code name} with {@code queues} queues. A device
	 * created here is not persistent until {@link #persist(boolean)}: if set-up fails, closing it
	 * removes it.
	 *
	 * @throws TunOpenException with an operator-readable reason
	 */
	static LinuxTun open(String clonePath, String name, int queues) throws TunOpenException {
		checkNameFree(name);
		int[] fds = new int[queues];
		Wakeup[] wakeups = new Wakeup[queues];
		int opened = 0;
		try {
			for (; opened < queues; opened++) {
				fds[opened] = openQueue(clonePath, name, queues > 1);
				wakeups[opened] = new Wakeup(fds[opened]);
			}
			return new LinuxTun(name, fds, wakeups);
		} catch (IOException e) {
			for (int i = 0; i < opened; i++) {
				if (wakeups[i] != null) {
					wakeups[i].release();
				}
				LibC.close(fds[i]);
			}
			throw e instanceof TunOpenException t ? t : new TunOpenException(e.getMessage());
		}
	}

	private static void checkNameFree(String name) throws TunOpenException {
		Path dev = Path.of("/sys/class/net", name);
		if (Files.exists(dev) && !Files.exists(dev.resolve("tun_flags"))) {
			throw new TunOpenException("the name " + name + " is in use by a non-TUN device; choose another name");
		}
	}

	private static int openQueue(String clonePath, String name, boolean multiQueue) throws IOException {
		if (!Files.exists(Path.of(clonePath))) {
			throw new TunOpenException("no " + clonePath + ": load the tun module (modprobe tun) or create the device node");
		}
		int fd = LibC.open(clonePath, LibC.O_RDWR | LibC.O_CLOEXEC);
		if (fd < 0) {
			int errno = LibC.errno();
			throw new TunOpenException(switch (errno) {
			case ENOENT -> "no " + clonePath + ": load the tun module (modprobe tun)";
			case EPERM, EACCES -> "cannot open " + clonePath + ": permission denied (run as root or grant CAP_NET_ADMIN)";
			default -> "cannot open " + clonePath + ": " + LibC.describe(errno);
			});
		}
		ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(java.nio.ByteOrder.nativeOrder());
		ifr.put(name.getBytes(StandardCharsets.US_ASCII));
		ifr.putShort(16, (short) (IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0)));
		ifr.clear();
		if (LibC.ioctl(fd, TUNSETIFF, ifr) < 0) {
			int errno = LibC.errno();
			LibC.close(fd);
			throw new TunOpenException(switch (errno) {
			case EPERM, EACCES -> "cannot create TUN device " + name + ": not root and no CAP_NET_ADMIN";
			case EBUSY -> "TUN device " + name + " is busy: another process holds it" + (multiQueue ? "" : " (or it is multiqueue)");
			case EINVAL -> "cannot attach to " + name + ": it exists with other flags (multiqueue or TAP?) or is not a TUN device";
			default -> "TUNSETIFF " + name + " failed: " + LibC.describe(errno);
			});
		}
		LibC.setNonBlocking(fd);
		return fd;
	}

	/** Sets or clears TUNSETPERSIST: whether the device outlives its last open queue. */
	void persist(boolean persist) throws IOException {
		if (LibC.ioctl(fds[0], TUNSETPERSIST, persist ? 1 : 0) < 0) {
			throw new IOException("cannot set persist=" + persist + " on " + name + ": " + LibC.describe(LibC.errno()));
		}
	}

	String name() {
		return name;
	}

	int queues() {
		return fds.length;
	}

	/** See {@link TunDevice#read(int, ByteBuffer, int)}. */
	int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException {
		int fd = fds[queue];
		while (!closed) {
			long n = LibC.read(fd, dst, dst.remaining());
			if (n >= 0) {
				dst.position(dst.position() + (int) n);
				return (int) n;
			}
			int errno = LibC.errno();
			if (errno == LibC.EINTR) {
				continue;
			}
			if (errno != LibC.EAGAIN) {
				throw new IOException("read from " + name + " failed: " + LibC.describe(errno));
			}
			switch (wakeups[queue].awaitReadable(timeoutMillis)) {
			case TIMEOUT:
				return 0;
			case CLOSED:
				return -1;
			default:
				// readable: loop and read
			}
		}
		return -1;
	}

	/** See {@link TunDevice#write(ByteBuffer)}. */
	int write(ByteBuffer src) throws IOException {
		if (closed) {
			throw new IOException(name + " is closed");
		}
		long n = LibC.write(fds[0], src, src.remaining());
		if (n < 0) {
			throw new IOException("write to " + name + " failed: " + LibC.describe(LibC.errno()));
		}
		src.position(src.position() + (int) n);
		return (int) n;
	}

	/** Wakes readers, then closes every queue. A persistent device stays in the system. */
	void close() {
		if (closed) {
			return;
		}
		closed = true;
		for (Wakeup w : wakeups) {
			w.close();
		}
		for (int i = 0; i < fds.length; i++) {
			LibC.close(fds[i]);
			wakeups[i].release();
		}
	}
}
