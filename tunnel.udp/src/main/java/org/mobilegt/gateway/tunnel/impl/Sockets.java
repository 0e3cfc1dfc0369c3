package org.mobilegt.gateway.tunnel.impl;

import java.lang.invoke.MethodHandle;

import org.mobilegt.gateway.common.ForeignCalls;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The socket calls of the UDP side, bound with JNA direct mapping, the data path's through
 * {@link ForeignCalls} on Java 22 and newer: batched receive and send (recvmmsg/sendmmsg) move
 * many datagrams per system call without allocating. Linux, 64 bit.
 */
final class Sockets {

	static final int AF_INET = 2;
	static final int AF_INET6 = 10;
	static final int IPPROTO_IPV6 = 41;
	static final int IPV6_V6ONLY = 26;
	/** errno of socket(AF_INET6, ...) on a kernel without IPv6. */
	static final int EAFNOSUPPORT = 97;
	static final int SOCK_DGRAM = 2;
	static final int SOCK_NONBLOCK = 0x800;
	static final int SOCK_CLOEXEC = 0x80000;
	static final int SOL_SOCKET = 1;
	static final int SO_TYPE = 3;
	static final int SO_PROTOCOL = 38;
	static final int SO_REUSEPORT = 15;
	static final int SO_ATTACH_REUSEPORT_CBPF = 51;
	static final int SO_DETACH_REUSEPORT_BPF = 68;
	/** u32[SK_MEMINFO_VARS] of a socket's memory, SK_MEMINFO_DROPS its dropped datagrams. */
	static final int SO_MEMINFO = 55;
	static final int SK_MEMINFO_VARS = 9;
	static final int SK_MEMINFO_DROPS = 8;
	static final int IPPROTO_UDP = 17;
	static final int SO_SNDBUF = 7;
	static final int SO_RCVBUF = 8;
	static final int SO_SNDBUFFORCE = 32;
	static final int SO_RCVBUFFORCE = 33;
	static final int MSG_TRUNC = 0x20;
	static final int SOL_UDP = 17;
	static final int UDP_SEGMENT = 103;
	static final int UDP_GRO = 104;

	/** struct sockaddr_in: sa_family_t (host order), in_port_t and in_addr (network order), padding. */
	static final int SOCKADDR_IN_SIZE = 16;
	static final int SIN_FAMILY = 0;
	static final int SIN_PORT = 2;
	static final int SIN_ADDR = 4;
	/** struct sockaddr_in6: sa_family_t, in6_port_t, u32 flowinfo, in6_addr, u32 scope_id. */
	static final int SOCKADDR_IN6_SIZE = 28;
	static final int SIN6_ADDR = 8;
	/** Room for either: what a message's name slot holds. */
	static final int SOCKADDR_SIZE = SOCKADDR_IN6_SIZE;
	/** struct iovec: void *iov_base; size_t iov_len. */
	static final int IOVEC_SIZE = 16;
	static final int IOV_BASE = 0;
	static final int IOV_LEN = 8;
	/** struct msghdr. */
	static final int MSGHDR_SIZE = 56;
	/** struct mmsghdr: struct msghdr (56 bytes) then unsigned msg_len, padded. */
	static final int MMSGHDR_SIZE = 64;
	static final int MSG_NAME = 0;
	static final int MSG_NAMELEN = 8;
	static final int MSG_IOV = 16;
	static final int MSG_IOVLEN = 24;
	static final int MSG_FLAGS = 48;
	static final int MSG_LEN = 56;
	static final int MSG_CONTROL = 32;
	static final int MSG_CONTROLLEN = 40;
	/** struct cmsghdr (len, level, type) and a u16 payload, padded: CMSG_SPACE(2). */
	static final int CMSG_U16_SPACE = 24;
	static final int CMSG_U16_LEN = 18;
	/** The same for an int payload (UDP_GRO's segment size): CMSG_SPACE(4) and CMSG_LEN(4). */
	static final int CMSG_INT_SPACE = 24;
	static final int CMSG_INT_LEN = 20;
	static final int CMSG_LEN = 0;
	static final int CMSG_LEVEL = 8;
	static final int CMSG_TYPE = 12;
	static final int CMSG_DATA = 16;

	// UdpSocket makes its sockets non-blocking, adopted ones too: these calls never block, critical.
	private static final MethodHandle RECVMMSG = ForeignCalls.downcall("recvmmsg", true, int.class, int.class, long.class, int.class,
			int.class, long.class);
	private static final MethodHandle SENDMMSG = ForeignCalls.downcall("sendmmsg", true, int.class, int.class, long.class, int.class,
			int.class);
	private static final MethodHandle SENDMSG = ForeignCalls.downcall("sendmsg", true, long.class, int.class, long.class, int.class);
	/** Whether the data path's calls go through java.lang.foreign. */
	static final boolean FOREIGN = RECVMMSG != null && SENDMMSG != null && SENDMSG != null;

	static {
		if (Native.POINTER_SIZE != 8 || !Platform.isLinux()) {
			throw new UnsupportedOperationException("the UDP tunnel needs 64-bit Linux");
		}
		Native.register(Sockets.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
	}

	private Sockets() {
	}

	static native int socket(int domain, int type, int protocol);

	static native int bind(int fd, Pointer address, int length);

	static native int getsockname(int fd, Pointer address, Pointer length);

	static native int setsockopt(int fd, int level, int name, Pointer value, int length);

	/** Sets an int socket option; -1 (errno set) when the kernel refuses. */
	static int setsockopt(int fd, int level, int name, int value) {
		try (Memory v = new Memory(4)) {
			v.setInt(0, value);
			return setsockopt(fd, level, name, v, 4);
		}
	}

	static native int getsockopt(int fd, int level, int name, Pointer value, Pointer length);

	// The data path's calls take native addresses: no JNI calls back into the JVM (see LibC).

	static int recvmmsg(int fd, long messages, int count, int flags, long timeout) {
		if (!FOREIGN) {
			return Jna.recvmmsg(fd, messages, count, flags, timeout);
		}
		try {
			return ForeignCalls.result((int) RECVMMSG.invokeExact(ForeignCalls.captureState(), fd, messages, count, flags, timeout));
		} catch (Throwable t) {
			throw ForeignCalls.unchecked(t);
		}
	}

	static int sendmmsg(int fd, long messages, int count, int flags) {
		if (!FOREIGN) {
			return Jna.sendmmsg(fd, messages, count, flags);
		}
		try {
			return ForeignCalls.result((int) SENDMMSG.invokeExact(ForeignCalls.captureState(), fd, messages, count, flags));
		} catch (Throwable t) {
			throw ForeignCalls.unchecked(t);
		}
	}

	static long sendmsg(int fd, long message, int flags) {
		if (!FOREIGN) {
			return Jna.sendmsg(fd, message, flags);
		}
		try {
			return ForeignCalls.result((long) SENDMSG.invokeExact(ForeignCalls.captureState(), fd, message, flags));
		} catch (Throwable t) {
			throw ForeignCalls.unchecked(t);
		}
	}

	/** The JNA binding of the calls that {@link ForeignCalls} serves on Java 22 and newer. */
	private static final class Jna {

		static {
			Native.register(Jna.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
		}

		static native int recvmmsg(int fd, long messages, int count, int flags, long timeout);

		static native int sendmmsg(int fd, long messages, int count, int flags);

		static native long sendmsg(int fd, long message, int flags);
	}
}
