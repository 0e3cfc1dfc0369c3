package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.mobilegt.gateway.common.Errno;
import org.mobilegt.gateway.common.LibC;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Sends a run of equally sized datagrams (the packets of one cut TCP segment) with few sendmsg
 * calls and UDP generic segmentation offload (UDP_SEGMENT): the kernel makes one datagram of each
 * {@code size} bytes. Falls back to a datagram per call when the kernel has no UDP GSO. One
 * thread uses an instance.
 */
final class GsoSender {

	/** Room for a 64 KiB TCP segment cut into packets, each with its own copy of the headers. */
	static final int CAPACITY = 2 * 65536;
	/** The most one UDP GSO call may carry: an IPv4 datagram's payload, at most 64 segments. */
	private static final int MAX_PAYLOAD = 65535 - 20 - 8;
	private static final int MAX_SEGMENTS = 64;

	private final ByteBuffer buffer = LazyBuffers.allocate(CAPACITY); // written before each send
	private final long bufferAddress = LibC.address(buffer);
	private final Memory message = new Memory(Sockets.MSGHDR_SIZE);
	private final long messageAddress = Pointer.nativeValue(message);
	private final Memory iovec = new Memory(Sockets.IOVEC_SIZE);
	private final Memory name = new Memory(Sockets.SOCKADDR_SIZE);
	private final Memory control = new Memory(Sockets.CMSG_U16_SPACE);
	private final ByteBuffer nameView = name.getByteBuffer(0, Sockets.SOCKADDR_SIZE).order(ByteOrder.BIG_ENDIAN);
	private final ByteBuffer controlView = control.getByteBuffer(0, Sockets.CMSG_U16_SPACE).order(ByteOrder.nativeOrder());
	private boolean gso = true;
	private int failedBytes;

	GsoSender() {
		message.clear();
		name.clear();
		control.clear();
		message.setPointer(Sockets.MSG_NAME, name);
		message.setInt(Sockets.MSG_NAMELEN, Sockets.SOCKADDR_SIZE);
		message.setPointer(Sockets.MSG_IOV, iovec);
		message.setLong(Sockets.MSG_IOVLEN, 1);
		controlView.putLong(Sockets.CMSG_LEN, Sockets.CMSG_U16_LEN).putInt(Sockets.CMSG_LEVEL, Sockets.SOL_UDP)
				.putInt(Sockets.CMSG_TYPE, Sockets.UDP_SEGMENT);
	}

	/** The buffer to fill with the run of datagrams, from position 0. */
	ByteBuffer buffer() {
		return buffer.clear();
	}

	/**
	 * Sends the buffer's first {@code length} bytes to {@code endpoint} as datagrams of {@code size}
	 * bytes (the last may be shorter).
	 *
	 * @return how many datagrams could not be sent
	 */
	int send(UdpSocket socket, long endpoint, int length, int size) {
		int nameLength = SocketNames.write(nameView, 0, endpoint, socket.inet6());
		if (nameLength == 0) { // not reachable from this socket: nothing to try, GSO stays as it is
			failedBytes = length;
			return (length + size - 1) / size;
		}
		message.setInt(Sockets.MSG_NAMELEN, nameLength);
		int off = 0;
		int failed = 0;
		failedBytes = 0;
		if (gso && length > size) {
			controlView.putShort(Sockets.CMSG_DATA, (short) size);
			message.setPointer(Sockets.MSG_CONTROL, control);
			message.setLong(Sockets.MSG_CONTROLLEN, Sockets.CMSG_U16_SPACE);
			int chunk = Math.min(MAX_SEGMENTS, MAX_PAYLOAD / size) * size;
			for (; off < length; off += chunk) {
				int n = Math.min(chunk, length - off);
				if (sendmsg(socket, off, n)) {
					continue;
				}
				int errno = LibC.errno();
				if (errno == Errno.EIO || errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP) {
					gso = false; // no UDP GSO here: one datagram per call from now on
					break;
				}
				failed += (n + size - 1) / size;
				failedBytes += n;
			}
			message.setPointer(Sockets.MSG_CONTROL, null);
			message.setLong(Sockets.MSG_CONTROLLEN, 0);
		}
		for (; off < length; off += size) {
			int n = Math.min(size, length - off);
			if (!sendmsg(socket, off, n)) {
				failed++;
				failedBytes += n;
			}
		}
		return failed;
	}

	/** The bytes of the datagrams the last {@link #send} could not send. */
	int failedBytes() {
		return failedBytes;
	}

	private boolean sendmsg(UdpSocket socket, int offset, int length) {
		iovec.setLong(Sockets.IOV_BASE, bufferAddress + offset);
		iovec.setLong(Sockets.IOV_LEN, length);
		long n;
		do {
			n = Sockets.sendmsg(socket.fd(), messageAddress, 0);
		} while (n < 0 && LibC.errno() == Errno.EINTR);
		return n >= 0;
	}
}
