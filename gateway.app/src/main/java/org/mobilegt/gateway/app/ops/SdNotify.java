package org.mobilegt.gateway.app.ops;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.mobilegt.gateway.common.LibC;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * systemd's notification protocol (sd_notify(3)): one datagram per message to the Unix datagram
 * socket named by {@code $NOTIFY_SOCKET}, a path or an abstract name ({@code @...}). The JDK has
 * no Unix datagram sockets, hence libc through JNA direct mapping.
 */
final class SdNotify implements AutoCloseable {

	static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
	private static final short AF_UNIX = 1;
	private static final int SOCK_DGRAM = 2;
	private static final int SOCK_CLOEXEC = 0x80000;
	/** struct sockaddr_un: sa_family_t then sun_path[108]. */
	private static final int SUN_PATH_OFFSET = 2;
	private static final int SUN_PATH_SIZE = 108;
	private static final int MSG_NOSIGNAL = 0x4000;

	static {
		Native.register(SdNotify.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
	}

	private static native int socket(int domain, int type, int protocol);

	private static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrLen);

	private final String name;
	private final byte[] address;
	private final int fd;

	private SdNotify(String name) throws IOException {
		this.name = name;
		this.address = sockaddr(name);
		int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0) {
			throw new IOException("socket(AF_UNIX, SOCK_DGRAM): " + LibC.describe(LibC.errno()));
		}
		this.fd = s;
	}

	/** The notifier of {@code environment}'s {@value #NOTIFY_SOCKET}, or null when it names none. */
	static SdNotify fromEnvironment(Map<String, String> environment) throws IOException {
		String socket = environment.get(NOTIFY_SOCKET);
		return socket == null || socket.isEmpty() ? null : new SdNotify(socket);
	}

	/** Sends {@code state}: newline-separated {@code KEY=VALUE} assignments, such as {@code READY=1}. */
	synchronized void send(String state) throws IOException {
		byte[] message = state.getBytes(StandardCharsets.UTF_8);
		if (sendto(fd, message, message.length, MSG_NOSIGNAL, address, address.length) < 0) {
			throw new IOException("sd_notify to " + name + ": " + LibC.describe(LibC.errno()));
		}
	}

	String name() {
		return name;
	}

	@Override
	public synchronized void close() {
		LibC.close(fd);
	}

	/** A path ({@code /run/systemd/notify}) or an abstract name ({@code @name}: a leading NUL). */
	static byte[] sockaddr(String name) {
		boolean abstractName = name.startsWith("@");
		if (!abstractName && !name.startsWith("/")) {
			throw new IllegalArgumentException(NOTIFY_SOCKET + " is neither a path nor an abstract name: " + name);
		}
		byte[] path = name.getBytes(StandardCharsets.UTF_8);
		if (abstractName) {
			path[0] = 0;
		}
		// a path ends with a NUL inside sun_path; an abstract name is exactly its bytes
		int pathLength = abstractName ? path.length : path.length + 1;
		if (pathLength > SUN_PATH_SIZE) {
			throw new IllegalArgumentException(NOTIFY_SOCKET + " is too long for a Unix socket address: " + name);
		}
		ByteBuffer sa = ByteBuffer.allocate(SUN_PATH_OFFSET + pathLength).order(ByteOrder.nativeOrder());
		sa.putShort(AF_UNIX).put(path);
		return sa.array();
	}
}
