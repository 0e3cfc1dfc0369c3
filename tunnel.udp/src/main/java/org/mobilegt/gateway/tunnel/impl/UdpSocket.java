package org.mobilegt.gateway.tunnel.impl;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.mobilegt.gateway.common.Errno;
import org.mobilegt.gateway.common.LibC;
import org.mobilegt.gateway.common.Wakeup;

import com.sun.jna.Memory;

/**
 * The tunnel's IPv4 UDP socket: non-blocking, with batched receive and send through
 * {@link MessageBatch}, and a {@link Wakeup} so that closing it releases the receiving thread.
 */
final class UdpSocket implements Closeable {

	private final int fd;
	private final Wakeup wakeup;
	private final InetAddress bind;
	private final int port;
	private volatile boolean closed;

	private UdpSocket(int fd, InetAddress bind, int port) throws IOException {
		this.fd = fd;
		this.bind = bind;
		this.port = port;
		this.wakeup = new Wakeup(fd);
	}

	/**
	 * Binds a socket to {@code bind:port} (port 0: any free port).
	 *
	 * @throws BindException with an operator-readable reason
	 */
	static UdpSocket bind(InetAddress bind, int port, int bufferBytes) throws IOException {
		int fd = Sockets.socket(Sockets.AF_INET, Sockets.SOCK_DGRAM | Sockets.SOCK_NONBLOCK | Sockets.SOCK_CLOEXEC, 0);
		if (fd < 0) {
			throw new IOException("cannot create a UDP socket: " + LibC.describe(LibC.errno()));
		}
		try (Memory address = new Memory(Sockets.SOCKADDR_SIZE)) {
			address.clear();
			ByteBuffer a = address.getByteBuffer(0, Sockets.SOCKADDR_SIZE).order(ByteOrder.nativeOrder());
			a.putShort(Sockets.SIN_FAMILY, (short) Sockets.AF_INET);
			a.order(ByteOrder.BIG_ENDIAN).putShort(Sockets.SIN_PORT, (short) port).put(Sockets.SIN_ADDR, bind.getAddress());
			if (Sockets.bind(fd, address, Sockets.SOCKADDR_SIZE) < 0) {
				int errno = LibC.errno();
				LibC.close(fd);
				String where = bind.getHostAddress() + ":" + port;
				throw new BindException(switch (errno) {
				case Errno.EADDRINUSE -> "UDP " + where + " is in use by another socket";
				case Errno.EADDRNOTAVAIL -> "UDP " + where + ": no local interface has address " + bind.getHostAddress();
				case Errno.EACCES -> "UDP " + where + ": permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
				default -> "cannot bind UDP " + where + ": " + LibC.describe(errno);
				});
			}
			UdpSocket socket = new UdpSocket(fd, bind, port == 0 ? boundPort(fd) : port);
			socket.buffers(bufferBytes);
			return socket;
		} catch (IOException | RuntimeException e) {
			if (!(e instanceof BindException)) {
				LibC.close(fd);
			}
			throw e;
		}
	}

	private static int boundPort(int fd) throws IOException {
		try (Memory address = new Memory(Sockets.SOCKADDR_SIZE); Memory length = new Memory(4)) {
			length.setInt(0, Sockets.SOCKADDR_SIZE);
			if (Sockets.getsockname(fd, address, length) < 0) {
				throw new IOException("getsockname failed: " + LibC.describe(LibC.errno()));
			}
			return Short.toUnsignedInt(address.getByteBuffer(0, Sockets.SOCKADDR_SIZE).order(ByteOrder.BIG_ENDIAN).getShort(Sockets.SIN_PORT));
		}
	}

	/**
	 * Sets the kernel's receive and send buffers. Root may exceed net.core.[rw]mem_max (the FORCE
	 * options); others get what the limits allow.
	 */
	void buffers(int bytes) {
		try (Memory v = new Memory(4)) {
			v.setInt(0, bytes);
			if (Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUFFORCE, v, 4) < 0) {
				Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUF, v, 4);
			}
			if (Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_SNDBUFFORCE, v, 4) < 0) {
				Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_SNDBUF, v, 4);
			}
		}
	}

	/** The receive buffer the kernel actually granted (it doubles the requested value). */
	int receiveBuffer() {
		try (Memory v = new Memory(4); Memory len = new Memory(4)) {
			len.setInt(0, 4);
			return Sockets.getsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUF, v, len) < 0 ? -1 : v.getInt(0);
		}
	}

	int fd() {
		return fd;
	}

	InetAddress bindAddress() {
		return bind;
	}

	int port() {
		return port;
	}

	/** Blocks until a datagram may be read, the timeout passes or the socket is closed. */
	Wakeup.Ready awaitReadable(int timeoutMillis) throws IOException {
		return wakeup.awaitReadable(timeoutMillis);
	}

	boolean closed() {
		return closed;
	}

	/** Wakes the receiving thread; {@link #release()} frees the descriptor once it has stopped. */
	@Override
	public void close() {
		closed = true;
		wakeup.close();
	}

	void release() {
		close();
		LibC.close(fd);
		wakeup.release();
	}

	/** The socket could not be bound; the message says why in operator terms. */
	static final class BindException extends IOException {
		private static final long serialVersionUID = 1L;

		BindException(String message) {
			super(message);
		}
	}
}
