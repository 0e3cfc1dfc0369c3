package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.sun.jna.Memory;

/**
 * A client-side TUN device ({@code IFF_TUN | IFF_NO_PI}, non-blocking) created inside a
 * namespace. It is not persistent: closing the file descriptor removes the device and its routes.
 * One reader thread and one writer thread may use it; close it only after they stopped.
 */
final class ClientTun implements AutoCloseable {

	private static final long TUNSETIFF = 0x400454caL;
	private static final short IFF_TUN = 0x0001;
	private static final short IFF_NO_PI = 0x1000;
	private static final int IFREQ_SIZE = 40;
	private static final int IFNAMSIZ = 16;

	private final String name;
	private final int fd;
	private final int index;
	private final Memory pollFd = new Memory(8);
	private volatile boolean closed;

	private ClientTun(String name, int fd, int index) {
		this.name = name;
		this.fd = fd;
		this.index = index;
	}

	/** Creates TUN device {@code name} in {@code ns}. */
	static ClientTun create(String ns, String name) {
		if (name.isEmpty() || name.length() >= IFNAMSIZ) {
			throw new IllegalArgumentException("interface names have 1 to 15 characters: " + name);
		}
		return Netns.inside(ns, () -> {
			int fd = LinuxC.open("/dev/net/tun", LinuxC.O_RDWR | LinuxC.O_NONBLOCK | LinuxC.O_CLOEXEC);
			if (fd < 0) {
				throw new IOException("cannot open /dev/net/tun: " + LinuxC.lastError());
			}
			Memory ifr = new Memory(IFREQ_SIZE);
			ifr.clear();
			ifr.write(0, name.getBytes(StandardCharsets.US_ASCII), 0, name.length());
			ifr.setShort(IFNAMSIZ, (short) (IFF_TUN | IFF_NO_PI));
			if (LinuxC.ioctl(fd, TUNSETIFF, ifr) < 0) {
				String error = LinuxC.lastError();
				LinuxC.close(fd);
				throw new IOException("cannot create TUN " + name + " in netns " + ns + " (name taken?): " + error);
			}
			return new ClientTun(name, fd, LinuxC.if_nametoindex(name));
		});
	}

	String name() {
		return name;
	}

	/** The interface index in its namespace (unique there, so usable as a route metric). */
	int index() {
		return index;
	}

	/**
	 * Reads one packet into the direct buffer {@code dst} at its position (advanced past it): the
	 * length, 0 when none came within {@code timeoutMillis}, -1 once closed.
	 */
	int read(ByteBuffer dst, int timeoutMillis) throws IOException {
		while (!closed) {
			long n = LinuxC.read(fd, dst, dst.remaining());
			if (n >= 0) {
				dst.position(dst.position() + (int) n);
				return (int) n;
			}
			int errno = LinuxC.errno();
			if (errno != LinuxC.EAGAIN && errno != LinuxC.EINTR) {
				throw new IOException("read from TUN " + name + ": " + LinuxC.lastError());
			}
			pollFd.setInt(0, fd);
			pollFd.setShort(4, LinuxC.POLLIN);
			pollFd.setShort(6, (short) 0);
			int ready = LinuxC.poll(pollFd, 1, timeoutMillis);
			if (ready == 0) {
				return 0;
			}
			if (ready < 0 && LinuxC.errno() != LinuxC.EINTR) {
				throw new IOException("poll on TUN " + name + ": " + LinuxC.lastError());
			}
		}
		return -1;
	}

	/** Writes the remaining bytes of the direct buffer {@code src} as one packet; false if refused. */
	boolean write(ByteBuffer src) {
		int length = src.remaining();
		if (closed || LinuxC.write(fd, src, length) != length) {
			return false;
		}
		src.position(src.limit());
		return true;
	}

	@Override
	public void close() {
		if (!closed) {
			closed = true;
			LinuxC.close(fd);
		}
	}
}
