package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.Errno;
import org.mobilegt.gateway.common.LibC;
import org.mobilegt.gateway.common.Wakeup;
import org.mobilegt.gateway.tun.api.TunDevice;

/**
 * A Linux TUN device opened through {@code /dev/net/tun} with {@code IFF_TUN | IFF_NO_PI}: one
 * non-blocking file descriptor per queue, each with its own {@link Wakeup} so that closing the
 * device releases blocked readers at once.
 * <p>
 * Closing waits until no read or write is inside a system call before it closes the descriptors:
 * a descriptor number closed under a running call can be reused at once by any other open in the
 * process, and the call would then read or write someone else's file.
 */
final class LinuxTun implements Tun {

	static final int IFF_TUN = 0x0001;
	static final int IFF_NO_PI = 0x1000;
	static final int IFF_MULTI_QUEUE = 0x0100;
	static final int IFF_VNET_HDR = 0x4000;
	static final long TUNSETOFFLOAD = 0x400454d0L;
	static final int TUN_F_CSUM = 0x01;
	static final int TUN_F_TSO4 = 0x02;
	static final long TUNSETIFF = 0x400454caL;
	static final long TUNSETPERSIST = 0x400454cbL;
	static final long TUNGETIFF = 0x800454d2L;
	/** struct ifreq: char ifr_name[IFNAMSIZ], then a union whose short ifr_flags TUNSETIFF reads. */
	private static final int IFREQ_SIZE = 40;
	private static final int IFNAMSIZ = 16;
	private static final int IFR_FLAGS = IFNAMSIZ;
	private static final long CLOSE_WAIT_MILLIS = 1000;
	/** virtio_net_hdr took UDP segments (VIRTIO_NET_HDR_GSO_UDP_L4) in Linux 6.2; older kernels refuse such a write. */
	static final boolean KERNEL_TAKES_UDP_SEGMENTS = release(System.getProperty("os.version", "")) >= 6_002;

	private final String name;
	private final int[] fds;
	private final Wakeup[] wakeups;
	private final CallGate[] readers;
	private final CallGate writers = new CallGate();
	/** Per direction, like the gates: the two directions share no state. */
	private final BufferAddresses[] readBuffers;
	private final BufferAddresses writeBuffers = new BufferAddresses();
	private final int offloadHeader;
	private volatile boolean closed;

	private LinuxTun(String name, int[] fds, Wakeup[] wakeups, boolean offload) {
		this.name = name;
		this.fds = fds;
		this.wakeups = wakeups;
		this.offloadHeader = offload ? TunDevice.VIRTIO_NET_HDR : 0;
		this.readers = new CallGate[fds.length];
		this.readBuffers = new BufferAddresses[fds.length];
		for (int q = 0; q < fds.length; q++) {
			readers[q] = new CallGate();
			readBuffers[q] = new BufferAddresses();
		}
	}

	/**
	 * Opens (creating if needed) the TUN device {@code name} with {@code queues} queues, with
	 * offloads (virtio_net_hdr, checksum and TCPv4 segmentation offload) when {@code offload}. A
	 * device created here is not persistent until {@link #persist(boolean)}: if set-up fails,
	 * closing it removes it.
	 *
	 * @throws TunOpenException with an operator-readable reason
	 */
	static LinuxTun open(String clonePath, String name, int queues, boolean offload) throws TunOpenException {
		int[] fds = new int[queues];
		Wakeup[] wakeups = new Wakeup[queues];
		int opened = 0;
		try {
			for (; opened < queues; opened++) {
				int fd = openQueue(clonePath, name, queues > 1, offload);
				try {
					wakeups[opened] = new Wakeup(fd);
				} catch (IOException e) {
					LibC.close(fd);
					throw e;
				}
				fds[opened] = fd;
			}
			return new LinuxTun(name, fds, wakeups, offload);
		} catch (IOException e) {
			for (int i = 0; i < opened; i++) {
				wakeups[i].release();
				LibC.close(fds[i]);
			}
			throw e instanceof TunOpenException t ? t : new TunOpenException(e.getMessage());
		}
	}

	/**
	 * Takes over the queues of {@code handedOver} that a previous activation left open
	 * ({@link HandOver}) as the device {@code name} with {@code queues} queues. Each descriptor must
	 * be a queue of {@code handedOver}, as the kernel says (TUNGETIFF); one that is not is left
	 * alone, as it may be anyone's. When they do not fit (another name, count or queue mode) the
	 * ones that are its queues are closed, and null says "open anew".
	 */
	static LinuxTun adopt(String handedOver, String name, int queues, int[] fds) {
		boolean fits = handedOver.equals(name) && fds.length == queues;
		boolean offload = true;
		List<Integer> ours = new ArrayList<>();
		for (int fd : fds) {
			int flags = flagsIfQueueOf(fd, handedOver);
			if (flags < 0) {
				fits = false;
				continue;
			}
			ours.add(fd);
			offload &= (flags & IFF_VNET_HDR) != 0;
			fits &= ((flags & IFF_MULTI_QUEUE) != 0) == (queues > 1);
		}
		Wakeup[] wakeups = new Wakeup[fds.length];
		int made = 0;
		try {
			for (; fits && made < fds.length; made++) {
				wakeups[made] = new Wakeup(fds[made]);
			}
		} catch (IOException e) {
			fits = false;
		}
		if (!fits) {
			for (int i = 0; i < made; i++) {
				wakeups[i].release();
			}
			ours.forEach(LibC::close);
			return null;
		}
		return new LinuxTun(name, fds.clone(), wakeups, offload);
	}

	/** The device flags if {@code fd} is a queue of the TUN device {@code name}, else -1. */
	private static int flagsIfQueueOf(int fd, String name) {
		ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(java.nio.ByteOrder.nativeOrder());
		if (fd < 0 || LibC.ioctl(fd, TUNGETIFF, ifr) < 0) {
			return -1;
		}
		byte[] raw = new byte[IFNAMSIZ];
		ifr.get(0, raw);
		int end = 0;
		while (end < IFNAMSIZ && raw[end] != 0) {
			end++;
		}
		int flags = ifr.getShort(IFR_FLAGS) & 0xffff;
		boolean tun = (flags & IFF_TUN) != 0 && (flags & IFF_NO_PI) != 0;
		return tun && name.equals(new String(raw, 0, end, StandardCharsets.US_ASCII)) ? flags : -1;
	}

	/**
	 * Why TUNSETIFF said EINVAL. Asked only then: sysfs shows the network namespace it was mounted
	 * in, which is not ours under a bare {@code unshare --net}, so it must not veto an open.
	 */
	private static String invalidReason(String name, boolean multiQueue) {
		Path dev = Path.of("/sys/class/net", name);
		if (Files.exists(dev) && !Files.exists(dev.resolve("tun_flags"))) {
			return "the name " + name + " is in use by a non-TUN device; choose another name";
		}
		return "cannot attach to " + name + ": it exists with other flags (" + (multiQueue ? "not " : "")
				+ "multiqueue, or TAP) or is not a TUN device";
	}

	/**
	 * Why a user may not open the clone device: CAP_NET_ADMIN does not override its file mode, which
	 * Debian's udev sets to 0666 but a host without udev may leave at 0600 root.
	 */
	static String access(String clonePath) {
		try {
			PosixFileAttributes a = Files.readAttributes(Path.of(clonePath), PosixFileAttributes.class);
			return PosixFilePermissions.toString(a.permissions()) + " " + a.owner().getName() + ":" + a.group().getName()
					+ ": the gateway's user needs read and write on it, as udev's usual mode 0666 gives; CAP_NET_ADMIN does not override it";
		} catch (IOException | UnsupportedOperationException e) {
			return "run as root, or give the gateway's user read and write on it";
		}
	}

	private static int openQueue(String clonePath, String name, boolean multiQueue, boolean offload) throws IOException {
		if (!Files.exists(Path.of(clonePath))) {
			throw new TunOpenException("no " + clonePath + ": load the tun module (modprobe tun) or create the device node");
		}
		int fd = LibC.open(clonePath, LibC.O_RDWR | LibC.O_CLOEXEC);
		if (fd < 0) {
			int errno = LibC.errno();
			throw new TunOpenException(switch (errno) {
			case Errno.ENOENT -> "no " + clonePath + ": load the tun module (modprobe tun)";
			case Errno.EPERM, Errno.EACCES -> "cannot open " + clonePath + ": permission denied (" + access(clonePath) + ")";
			default -> "cannot open " + clonePath + ": " + LibC.describe(errno);
			});
		}
		ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(java.nio.ByteOrder.nativeOrder());
		ifr.put(name.getBytes(StandardCharsets.US_ASCII));
		ifr.putShort(IFR_FLAGS, (short) (IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0) | (offload ? IFF_VNET_HDR : 0)));
		ifr.clear();
		if (LibC.ioctl(fd, TUNSETIFF, ifr) < 0) {
			int errno = LibC.errno();
			LibC.close(fd);
			throw new TunOpenException(switch (errno) {
			case Errno.EPERM, Errno.EACCES -> "cannot create TUN device " + name + ": not root and no CAP_NET_ADMIN";
			case Errno.EBUSY -> "TUN device " + name + " is busy: another process holds it" + (multiQueue ? "" : " (or it is multiqueue)");
			case Errno.EINVAL -> invalidReason(name, multiQueue);
			default -> "TUNSETIFF " + name + " failed: " + LibC.describe(errno);
			});
		}
		// Always set, also to none: a persistent device keeps the offloads of its last user, and
		// without IFF_VNET_HDR the kernel cannot hand this queue the large segments they allow.
		if (LibC.ioctl(fd, TUNSETOFFLOAD, offload ? TUN_F_CSUM | TUN_F_TSO4 : 0) < 0) {
			int errno = LibC.errno();
			LibC.close(fd);
			String message = "TUNSETOFFLOAD " + (offload ? "" : "(none) ") + "on " + name + " failed: " + LibC.describe(errno);
			throw offload ? TunOpenException.offloadsRefused(message) : new TunOpenException(message);
		}
		LibC.setNonBlocking(fd);
		return fd;
	}

	@Override
	public void persist(boolean persist) throws IOException {
		if (LibC.ioctl(fds[0], TUNSETPERSIST, persist ? 1 : 0) < 0) {
			throw new IOException("cannot set persist=" + persist + " on " + name + ": " + LibC.describe(LibC.errno()));
		}
	}

	@Override
	public String name() {
		return name;
	}

	@Override
	public int queues() {
		return fds.length;
	}

	@Override
	public int offloadHeader() {
		return offloadHeader;
	}

	@Override
	public boolean writesUdpSegments() {
		return offloadHeader > 0 && KERNEL_TAKES_UDP_SEGMENTS;
	}

	/** A kernel release ("6.18.44-...") as major * 1000 + minor; 0 when it does not start with both. */
	static int release(String osVersion) {
		Matcher m = Pattern.compile("^(\\d{1,4})\\.(\\d{1,3})").matcher(osVersion);
		return m.find() ? Integer.parseInt(m.group(1)) * 1000 + Integer.parseInt(m.group(2)) : 0;
	}

	@Override
	public int read(int queue, ByteBuffer dst, int timeoutMillis) throws IOException {
		CallGate gate = readers[queue];
		gate.enter();
		try {
			return closed ? -1 : read(fds[queue], queue, dst, timeoutMillis);
		} finally {
			gate.leave();
		}
	}

	private int read(int fd, int queue, ByteBuffer dst, int timeoutMillis) throws IOException {
		long address = readBuffers[queue].of(dst) + dst.position();
		while (!closed) {
			long n = LibC.read(fd, address, dst.remaining());
			if (n >= 0) {
				dst.position(dst.position() + (int) n);
				return (int) n;
			}
			int errno = LibC.errno();
			if (errno == Errno.EINTR) {
				continue;
			}
			if (errno != Errno.EAGAIN) {
				throw new IOException("read from " + name + " failed: " + LibC.describe(errno));
			}
			if (timeoutMillis == 0) {
				return 0; // nothing waiting: no poll, whose pollfds belong to the queue's one waiting reader
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

	@Override
	public int pollFd(int queue) {
		return closed ? -1 : fds[queue];
	}

	@Override
	public int write(int queue, ByteBuffer src) throws IOException {
		writers.enter();
		try {
			if (closed) {
				throw new IOException(name + " is closed");
			}
			long n = LibC.write(fds[queue], writeBuffers.of(src) + src.position(), src.remaining());
			if (n < 0) {
				throw new IOException("write to " + name + " failed: " + LibC.describe(LibC.errno()));
			}
			src.position(src.position() + (int) n);
			return (int) n;
		} finally {
			writers.leave();
		}
	}

	@Override
	public void close() {
		for (int fd : stopUsing()) {
			LibC.close(fd);
		}
	}

	/**
	 * Leaves the queues open for the next activation, and this object usable for
	 * {@link TunDevice#HANDOVER_MILLIS} while consumers switch to the successor; then it stops using
	 * them (readers released, calls refused) without closing them.
	 */
	@Override
	public int[] handOver() {
		if (closed) {
			return new int[0];
		}
		ScheduledExecutorService timer = Daemons.scheduler("mobilegt-tun-handover");
		timer.schedule(() -> {
			stopUsing();
			timer.shutdown();
		}, TunDevice.HANDOVER_MILLIS, TimeUnit.MILLISECONDS);
		return fds.clone();
	}

	/** Releases blocked readers and waits for every call to leave; the descriptors, still open (none if done before). */
	private int[] stopUsing() {
		if (closed) {
			return new int[0];
		}
		closed = true;
		for (Wakeup w : wakeups) {
			w.close();
		}
		awaitNoUsers();
		for (Wakeup w : wakeups) {
			w.release();
		}
		return fds.clone();
	}

	/** Waits (bounded) until no reader or writer is inside a system call on the descriptors. */
	private void awaitNoUsers() {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
		writers.awaitEmpty(deadline);
		for (CallGate gate : readers) {
			gate.awaitEmpty(deadline);
		}
	}
}
