package org.mobilegt.gateway.common;

import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libc calls the data path needs, bound with JNA direct mapping (no per-call reflection,
 * no allocation); on Java 22 and newer the data path's read, write and waits go through
 * {@link ForeignCalls} instead. The data path's calls take native addresses, not buffers or
 * pointers: a primitive-only call crosses into native code without JNI calls back into the JVM (a
 * buffer argument costs a type check and a call of its position() per call). On failure a call
 * returns -1 and {@link #errno()} tells why.
 */
public final class LibC {

	public static final int O_RDWR = 0x2;
	public static final int O_NONBLOCK = 0x800;
	public static final int O_CLOEXEC = 0x80000;
	public static final int F_GETFL = 3;
	public static final int F_SETFL = 4;
	public static final int EFD_CLOEXEC = 0x80000;
	public static final int EFD_NONBLOCK = 0x800;
	public static final int EPOLLIN = 0x1;
	public static final int EPOLL_CTL_ADD = 1;
	public static final int EPOLL_CTL_DEL = 2;
	public static final int EPOLL_CLOEXEC = 0x80000;
	/** struct epoll_event {uint32 events; uint64 data}: packed on x86 (12 bytes), aligned elsewhere. */
	public static final int EPOLL_EVENT_SIZE = Platform.isIntel() ? 12 : 16;
	public static final int EPOLL_EVENT_DATA = EPOLL_EVENT_SIZE - 8;

	// read and write serve non-blocking descriptors only (eventfds, TUN queues): critical; epoll_wait blocks.
	private static final MethodHandle READ = ForeignCalls.downcall("read", true, long.class, int.class, long.class, long.class);
	private static final MethodHandle WRITE = ForeignCalls.downcall("write", true, long.class, int.class, long.class, long.class);
	private static final MethodHandle EPOLL_WAIT = ForeignCalls.downcall("epoll_wait", false, int.class, int.class, long.class, int.class,
			int.class);
	private static final boolean FOREIGN = READ != null && WRITE != null && EPOLL_WAIT != null;

	static {
		Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
	}

	private LibC() {
	}

	public static native int open(String path, int flags);

	public static native int close(int fd);

	public static native int ioctl(int fd, long request, ByteBuffer arg);

	public static native int ioctl(int fd, long request, long arg);

	public static native int fcntl(int fd, int cmd, int arg);

	public static long read(int fd, long address, long count) {
		if (!FOREIGN) {
			return Jna.read(fd, address, count);
		}
		try {
			return ForeignCalls.result((long) READ.invokeExact(ForeignCalls.captureState(), fd, address, count));
		} catch (Throwable t) {
			throw ForeignCalls.unchecked(t);
		}
	}

	public static long write(int fd, long address, long count) {
		if (!FOREIGN) {
			return Jna.write(fd, address, count);
		}
		try {
			return ForeignCalls.result((long) WRITE.invokeExact(ForeignCalls.captureState(), fd, address, count));
		} catch (Throwable t) {
			throw ForeignCalls.unchecked(t);
		}
	}

	/**
	 * epoll_wait(2) into {@code maxEvents} struct epoll_event at {@code events}; on Java 17 to 21
	 * through the JDK's binding where it is open to this code ({@link JdkEpoll}), whose failures
	 * other than EINTR are its IOException.
	 */
	public static int epollWait(int epfd, long events, int maxEvents, int timeoutMillis) throws java.io.IOException {
		if (!FOREIGN) {
			return JdkEpoll.WAIT != null ? JdkEpoll.await(epfd, events, maxEvents, timeoutMillis)
					: Jna.epoll_wait(epfd, events, maxEvents, timeoutMillis);
		}
		try {
			return ForeignCalls.result((int) EPOLL_WAIT.invokeExact(ForeignCalls.captureState(), epfd, events, maxEvents, timeoutMillis));
		} catch (Throwable t) {
			throw ForeignCalls.unchecked(t);
		}
	}

	public static native int epoll_create1(int flags);

	/** epoll_ctl(2) with the struct epoll_event at {@code event}. */
	public static native int epoll_ctl(int epfd, int op, int fd, long event);

	public static native int eventfd(int initval, int flags);

	public static native String strerror(int errnum);

	/** The errno of this thread's last failed call, of either binding. */
	public static int errno() {
		return Native.getLastError();
	}

	/** "ffm" when read, write and epoll_wait go through java.lang.foreign, else "jna". */
	public static String binding() {
		return FOREIGN ? "ffm" : "jna";
	}

	/** How epoll_wait is called: "ffm", "jdk" ({@link JdkEpoll}) or "jna". */
	public static String waitBinding() {
		return FOREIGN ? "ffm" : JdkEpoll.WAIT != null ? "jdk" : "jna";
	}

	/** The native address of a direct buffer's first byte (allocates: for set-up, not per packet). */
	public static long address(ByteBuffer direct) {
		if (!direct.isDirect()) {
			throw new IllegalArgumentException("native I/O needs a direct buffer");
		}
		return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
	}

	/** "strerror (errno N)" for messages. */
	public static String describe(int errno) {
		return strerror(errno) + " (errno " + errno + ")";
	}

	/** Switches {@code fd} to non-blocking mode. */
	public static void setNonBlocking(int fd) throws java.io.IOException {
		int flags = fcntl(fd, F_GETFL, 0);
		if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
			throw new java.io.IOException("fcntl(O_NONBLOCK) failed: " + describe(errno()));
		}
	}

	/** The JNA binding of the calls that {@link ForeignCalls} serves on Java 22 and newer. */
	private static final class Jna {

		static {
			Native.register(Jna.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
		}

		static native long read(int fd, long address, long count);

		static native long write(int fd, long address, long count);

		static native int epoll_wait(int epfd, long events, int maxEvents, int timeoutMillis);
	}
}
