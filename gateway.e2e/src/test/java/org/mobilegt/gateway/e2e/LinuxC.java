package org.mobilegt.gateway.e2e;

import java.nio.ByteBuffer;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/** The libc calls the harness needs (JNA direct mapping); on failure -1 and {@link #errno()}. */
final class LinuxC {

	static final int O_RDONLY = 0x0;
	static final int O_RDWR = 0x2;
	static final int O_NONBLOCK = 0x800;
	static final int O_CLOEXEC = 0x80000;
	static final int CLONE_NEWNET = 0x40000000;
	static final short POLLIN = 0x1;
	static final int EINTR = 4;
	static final int EAGAIN = 11;

	static {
		Native.register(LinuxC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
	}

	private LinuxC() {
	}

	static native int open(String path, int flags);

	static native int close(int fd);

	static native int setns(int fd, int nstype);

	static native int ioctl(int fd, long request, Pointer arg);

	/** Direct buffers only: JNA passes the address at the buffer's position; count must fit from there. */
	static native long read(int fd, ByteBuffer buf, long count);

	static native long write(int fd, ByteBuffer buf, long count);

	static native int poll(Pointer fds, long nfds, int timeoutMillis);

	static native int if_nametoindex(String name);

	static native int socket(int domain, int type, int protocol);

	static native int connect(int fd, Pointer address, int length);

	static native int setsockopt(int fd, int level, int name, Pointer value, int length);

	static native String strerror(int errnum);

	static int errno() {
		return Native.getLastError();
	}

	/** "strerror (errno N)" of the calling thread's last failed call, for messages. */
	static String lastError() {
		int errno = errno();
		return strerror(errno) + " (errno " + errno + ")";
	}
}
