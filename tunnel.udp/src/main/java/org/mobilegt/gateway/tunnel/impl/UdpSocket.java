package org.mobilegt.gateway.tunnel.impl;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.mobilegt.gateway.common.Errno;
import org.mobilegt.gateway.common.LibC;
import org.mobilegt.gateway.common.Wakeup;
import org.mobilegt.gateway.net.api.IpAddress;
import org.mobilegt.gateway.net.api.IpEndpoint;

import com.sun.jna.Memory;

/**
 * The tunnel's UDP socket: non-blocking, IPv4 (bound to an IPv4 address), IPv6 only (bound to an
 * IPv6 address) or dual stack (bound to {@code ::}, IPv4 senders seen as v4-mapped addresses), with batched receive and send through
 * {@link MessageBatch}, and a {@link Wakeup} so that closing it releases the receiving thread.
 */
final class UdpSocket implements Closeable {

	private final int fd;
	private final Wakeup wakeup;
	private final InetAddress bind;
	private final int port;
	private final boolean inet6;
	private volatile boolean closed;
	private volatile boolean receiveOffload;
	private boolean released;
	/** What {@link #watch} registered; the receiving thread's only. */
	private Turn watchedTurn;
	private Kick watchedKick;

	private UdpSocket(int fd, InetAddress bind, int port) throws IOException {
		this.fd = fd;
		this.inet6 = bind instanceof Inet6Address;
		this.bind = bind;
		this.port = port;
		this.wakeup = new Wakeup(fd);
	}

	/**
	 * Binds a socket to {@code bind:port} (port 0: any free port): {@code ::} takes both families,
	 * any other address its own family only. On a kernel without IPv6 (ipv6.disable=1), {@code ::}
	 * falls back to {@code 0.0.0.0}, so the default still serves IPv4 ({@link #where} says so).
	 *
	 * @throws BindException with an operator-readable reason
	 */
	static UdpSocket bind(InetAddress bind, int port, int bufferBytes) throws IOException {
		return bind(bind, port, bufferBytes, false);
	}

	/**
	 * {@link #bind(InetAddress, int, int)}, with {@code reusePort}: SO_REUSEPORT, so that further
	 * sockets of this user may bind the same port and share its datagrams ({@link UplinkSockets}).
	 */
	static UdpSocket bind(InetAddress bind, int port, int bufferBytes, boolean reusePort) throws IOException {
		boolean v6 = bind instanceof Inet6Address;
		int fd = Sockets.socket(v6 ? Sockets.AF_INET6 : Sockets.AF_INET, Sockets.SOCK_DGRAM | Sockets.SOCK_NONBLOCK | Sockets.SOCK_CLOEXEC, 0);
		if (fd < 0) {
			int errno = LibC.errno();
			if (errno == Sockets.EAFNOSUPPORT && v6 && bind.isAnyLocalAddress()) {
				return bind(InetAddress.getByAddress(new byte[4]), port, bufferBytes, reusePort);
			}
			throw new IOException("cannot create a UDP socket: " + LibC.describe(errno));
		}
		try (Memory address = new Memory(Sockets.SOCKADDR_SIZE)) {
			address.clear();
			ByteBuffer a = address.getByteBuffer(0, Sockets.SOCKADDR_SIZE).order(ByteOrder.nativeOrder());
			a.putShort(Sockets.SIN_FAMILY, (short) (v6 ? Sockets.AF_INET6 : Sockets.AF_INET));
			a.order(ByteOrder.BIG_ENDIAN).putShort(Sockets.SIN_PORT, (short) port).put(v6 ? Sockets.SIN6_ADDR : Sockets.SIN_ADDR, bind.getAddress());
			if (v6) {
				flag(fd, Sockets.IPPROTO_IPV6, Sockets.IPV6_V6ONLY, !bind.isAnyLocalAddress()); // explicit: the sysctl net.ipv6.bindv6only must not decide
			}
			if (reusePort) {
				flag(fd, Sockets.SOL_SOCKET, Sockets.SO_REUSEPORT, true);
			}
			int length = v6 ? Sockets.SOCKADDR_IN6_SIZE : Sockets.SOCKADDR_IN_SIZE;
			if (Sockets.bind(fd, address, length) < 0) {
				int errno = LibC.errno();
				LibC.close(fd);
				String where = (v6 ? "[" + IpAddress.of(bind) + "]" : bind.getHostAddress()) + ":" + port;
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

	/**
	 * Takes the open socket {@code fd} (another revision's, handed over) if the kernel says it is a
	 * UDP socket bound to {@code bind:port}; the descriptor is not closed when it is not.
	 *
	 * @throws IOException saying what does not fit
	 */
	static UdpSocket adopt(int fd, InetAddress bind, int port, int bufferBytes) throws IOException {
		boolean v6 = bind instanceof Inet6Address;
		if (option(fd, Sockets.SO_TYPE) != Sockets.SOCK_DGRAM || option(fd, Sockets.SO_PROTOCOL) != Sockets.IPPROTO_UDP) {
			throw new IOException("descriptor " + fd + " is not a UDP socket");
		}
		try (Memory address = new Memory(Sockets.SOCKADDR_SIZE); Memory length = new Memory(4)) {
			address.clear();
			length.setInt(0, Sockets.SOCKADDR_SIZE);
			if (Sockets.getsockname(fd, address, length) < 0) {
				throw new IOException("getsockname of descriptor " + fd + " failed: " + LibC.describe(LibC.errno()));
			}
			ByteBuffer a = address.getByteBuffer(0, Sockets.SOCKADDR_SIZE).order(ByteOrder.nativeOrder());
			byte[] bound = new byte[v6 ? 16 : 4];
			a.get(v6 ? Sockets.SIN6_ADDR : Sockets.SIN_ADDR, bound);
			int family = a.getShort(Sockets.SIN_FAMILY);
			int boundPort = Short.toUnsignedInt(a.order(ByteOrder.BIG_ENDIAN).getShort(Sockets.SIN_PORT));
			if (family != (v6 ? Sockets.AF_INET6 : Sockets.AF_INET) || !InetAddress.getByAddress(bound).equals(bind)
					|| boundPort != port) {
				throw new IOException("descriptor " + fd + " is not bound to " + IpEndpoint.of(IpAddress.of(bind), port));
			}
		}
		LibC.setNonBlocking(fd); // as the sockets it makes: the data path's calls must not block (Sockets)
		UdpSocket socket = new UdpSocket(fd, bind, port);
		socket.buffers(bufferBytes);
		return socket;
	}

	private static int option(int fd, int name) throws IOException {
		int[] v = options(fd, name, 1);
		if (v == null) {
			throw new IOException("descriptor " + fd + " is not a socket: " + LibC.describe(LibC.errno()));
		}
		return v[0];
	}

	/** The first {@code ints} ints of socket option {@code name}; null when it fails or the kernel gives fewer. */
	private static int[] options(int fd, int name, int ints) {
		try (Memory v = new Memory(ints * 4L); Memory len = new Memory(4)) {
			len.setInt(0, ints * 4);
			if (Sockets.getsockopt(fd, Sockets.SOL_SOCKET, name, v, len) < 0 || len.getInt(0) < ints * 4) {
				return null;
			}
			return v.getIntArray(0, ints);
		}
	}

	private static void flag(int fd, int level, int name, boolean on) throws IOException {
		if (Sockets.setsockopt(fd, level, name, on ? 1 : 0) < 0) {
			throw new IOException("cannot set socket option " + level + "/" + name + ": " + LibC.describe(LibC.errno()));
		}
	}

	/** Whether SO_REUSEPORT is set: only then may more sockets join it on its port. */
	boolean reusePort() {
		try {
			return option(fd, Sockets.SO_REUSEPORT) != 0;
		} catch (IOException e) {
			return false;
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
		if (Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUFFORCE, bytes) < 0) {
			Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUF, bytes);
		}
		if (Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_SNDBUFFORCE, bytes) < 0) {
			Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_SNDBUF, bytes);
		}
	}

	/**
	 * Turns UDP GRO on or off: with it the kernel hands over several same-sized datagrams of one
	 * sender as one message ({@link MessageBatch#segmentSize}), one receive for many under load. A
	 * socket handed over between revisions keeps the setting: the receiving revision sets it again.
	 *
	 * @return whether it is on; false when the kernel refused (before Linux 5.0)
	 */
	boolean receiveOffload(boolean on) {
		receiveOffload = Sockets.setsockopt(fd, Sockets.SOL_UDP, Sockets.UDP_GRO, on ? 1 : 0) == 0 && on;
		return receiveOffload;
	}

	/** Whether UDP GRO is on ({@link #receiveOffload(boolean)}). */
	boolean receiveOffload() {
		return receiveOffload;
	}

	/** The receive buffer the kernel actually granted (it doubles the requested value). */
	int receiveBuffer() {
		int[] v = options(fd, Sockets.SO_RCVBUF, 1);
		return v == null ? -1 : v[0];
	}

	/**
	 * The datagrams the kernel dropped at this socket since it was made (its receive buffer was
	 * full, mostly), a 32-bit counter that wraps; -1 when the kernel does not say (SO_MEMINFO's
	 * drops came with Linux 4.18).
	 */
	long drops() {
		int[] v = options(fd, Sockets.SO_MEMINFO, Sockets.SK_MEMINFO_VARS);
		return v == null ? -1 : Integer.toUnsignedLong(v[Sockets.SK_MEMINFO_DROPS]);
	}

	int fd() {
		return fd;
	}

	/** "0.0.0.0:8000", "[::]:8000": the address and port it listens on. */
	String where() {
		return IpEndpoint.of(IpAddress.of(bind), port).toString();
	}

	int port() {
		return port;
	}

	/** Whether this is an IPv6 socket (its messages name IPv4 endpoints v4-mapped). */
	boolean inet6() {
		return inet6;
	}

	/** Blocks until a datagram may be read, the timeout passes or the socket is closed. */
	Wakeup.Ready awaitReadable(int timeoutMillis) throws IOException {
		return wakeup.awaitReadable(timeoutMillis);
	}

	/**
	 * From now on {@link #awaitReadable(int)} also returns when the TUN device of {@code turn} or
	 * {@code kick} polls ready (null: neither), as {@link #ready(int)} 1 and 2 say. Registers
	 * only what changed: an uplink calls it before every wait.
	 */
	void watch(Turn turn, Kick kick) throws IOException {
		if (kick != watchedKick) {
			watchedKick = kick; // a registration that failed is not tried again before every wait
			wakeup.watch(2, kick == null ? -1 : kick.fd());
		}
		if (turn != watchedTurn) {
			watchedTurn = turn;
			try {
				wakeup.watch(1, turn == null ? -1 : turn.fd);
			} catch (IOException e) {
				turn.toDownlink(); // unwatched, its packets would wait for the next datagram: the downlink reads them
				throw e;
			}
		}
	}

	/** After a wait: whether descriptor {@code i} was ready (0: this socket, 1 and 2: {@link #watch}). */
	boolean ready(int i) {
		return wakeup.ready(i);
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

	synchronized void release() {
		if (!released) {
			released = true;
			close();
			LibC.close(fd);
			wakeup.release();
		}
	}

	/**
	 * Frees what only this object holds, once its receiver stopped, and leaves the descriptor
	 * open: it belongs to the next revision now (or was never this object's to close). A later
	 * {@link #release} frees nothing.
	 */
	synchronized void handOff() {
		if (!released) {
			released = true;
			close();
			wakeup.release();
		}
	}

	/** The address it is bound to, as {@link #bind} was given it. */
	InetAddress bindAddress() {
		return bind;
	}

	/** The socket could not be bound; the message says why in operator terms. */
	static final class BindException extends IOException {
		private static final long serialVersionUID = 1L;

		BindException(String message) {
			super(message);
		}
	}
}
