package org.mobilegt.gateway.tunnel.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.mobilegt.gateway.common.Errno;
import org.mobilegt.gateway.common.LibC;
import org.mobilegt.gateway.net.api.EndpointKey;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * A batch of datagrams for recvmmsg/sendmmsg: native message headers, one iovec and one socket
 * address (IPv4 or IPv6, {@link SocketNames}) per message, and one slot of native memory per message. Everything is allocated once;
 * receiving and sending reuse it, so the data path allocates nothing. One thread uses a batch.
 * The slots' memory becomes resident only where datagrams reach it ({@link LazyBuffers}): 32 slots
 * of 64 KiB are 2 MiB, of which packets of MTU size touch one page per slot. Receiving gives the
 * kernel room for a control message (UDP GRO's segment size, {@link #segmentSize}); sending passes none.
 */
final class MessageBatch {

	private final int capacity;
	private final int slotSize;
	private final int headroom;
	private final long[] slotAddresses;
	private final Memory headers;
	private final long headersAddress;
	private final Memory iovecs;
	private final Memory names;
	private final Memory controls;
	private final long controlsAddress;
	private final ByteBuffer controlView;
	private final ByteBuffer headerView;
	private final ByteBuffer iovecView;
	private final ByteBuffer nameView;
	private final ByteBuffer[] slots;
	private final boolean[] refused;
	private final long[] endpoints;
	private int count;
	/**
	 * How many leading entries a receive or a send changed since they were last made ready to
	 * receive: a receive re-arms only those (mostly one at low load), not every entry's cold memory.
	 */
	private int stale;

	MessageBatch(int capacity, int slotSize) {
		this(capacity, slotSize, 0);
	}

	/**
	 * @param headroom bytes kept free in front of each received datagram (room for a header the
	 *                 TUN device wants in front of a packet); they stay zero
	 */
	MessageBatch(int capacity, int slotSize, int headroom) {
		this.capacity = capacity;
		this.slotSize = slotSize;
		this.headroom = headroom;
		this.slotAddresses = new long[capacity];
		this.refused = new boolean[capacity];
		this.endpoints = new long[capacity];
		headers = new Memory((long) capacity * Sockets.MMSGHDR_SIZE);
		headersAddress = Pointer.nativeValue(headers);
		iovecs = new Memory((long) capacity * Sockets.IOVEC_SIZE);
		names = new Memory((long) capacity * Sockets.SOCKADDR_SIZE);
		controls = new Memory((long) capacity * Sockets.CMSG_INT_SPACE);
		controlsAddress = Pointer.nativeValue(controls);
		controlView = controls.getByteBuffer(0, controls.size()).order(ByteOrder.nativeOrder());
		headers.clear();
		names.clear();
		headerView = headers.getByteBuffer(0, headers.size()).order(ByteOrder.nativeOrder());
		iovecView = iovecs.getByteBuffer(0, iovecs.size()).order(ByteOrder.nativeOrder());
		nameView = names.getByteBuffer(0, names.size()).order(ByteOrder.BIG_ENDIAN);
		ByteBuffer data = LazyBuffers.allocate(capacity * slotSize);
		long dataAddress = LibC.address(data);
		slots = new ByteBuffer[capacity];
		for (int i = 0; i < capacity; i++) {
			slots[i] = data.slice(i * slotSize, slotSize);
			slots[i].put(0, new byte[headroom]); // the memory is not zeroed
			slotAddresses[i] = dataAddress + (long) i * slotSize;
			int h = i * Sockets.MMSGHDR_SIZE;
			headerView.putLong(h + Sockets.MSG_NAME, Pointer.nativeValue(names) + (long) i * Sockets.SOCKADDR_SIZE);
			headerView.putLong(h + Sockets.MSG_IOV, Pointer.nativeValue(iovecs) + (long) i * Sockets.IOVEC_SIZE);
			headerView.putLong(h + Sockets.MSG_IOVLEN, 1);
			arm(i);
		}
	}

	int capacity() {
		return capacity;
	}

	// ---- receiving

	/**
	 * Receives up to {@link #capacity()} datagrams without blocking.
	 *
	 * @return how many arrived, 0 when none was waiting
	 */
	int receive(UdpSocket socket) throws IOException {
		for (int i = 0; i < stale; i++) {
			arm(i);
		}
		int n = Sockets.recvmmsg(socket.fd(), headersAddress, capacity, 0, 0);
		stale = Math.max(n, 0); // the kernel writes back into the entries it filled only
		if (n >= 0) {
			return n;
		}
		int errno = LibC.errno();
		if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
			return 0;
		}
		throw new IOException("recvmmsg failed: " + LibC.describe(errno));
	}

	/** Makes entry {@code i} ready to receive into its slot, behind the headroom. */
	private void arm(int i) {
		int h = i * Sockets.MMSGHDR_SIZE;
		headerView.putInt(h + Sockets.MSG_NAMELEN, Sockets.SOCKADDR_SIZE);
		headerView.putLong(h + Sockets.MSG_CONTROL, controlsAddress + (long) i * Sockets.CMSG_INT_SPACE);
		headerView.putLong(h + Sockets.MSG_CONTROLLEN, Sockets.CMSG_INT_SPACE);
		iovecView.putLong(i * Sockets.IOVEC_SIZE, slotAddresses[i] + headroom);
		iovecView.putLong(i * Sockets.IOVEC_SIZE + Sockets.IOV_LEN, slotSize - headroom);
	}

	/** The length of received datagram {@code i}. */
	int length(int i) {
		return headerView.getInt(i * Sockets.MMSGHDR_SIZE + Sockets.MSG_LEN);
	}

	/** Whether datagram {@code i} was larger than a slot (its tail is lost). */
	boolean truncated(int i) {
		return (headerView.getInt(i * Sockets.MMSGHDR_SIZE + Sockets.MSG_FLAGS) & Sockets.MSG_TRUNC) != 0;
	}

	/**
	 * The size of each datagram that message {@code i} holds when the kernel merged several of one
	 * sender (UDP GRO, {@link UdpSocket#receiveOffload}): all but the last are this long. 0 for a
	 * single datagram.
	 */
	int segmentSize(int i) {
		int c = i * Sockets.CMSG_INT_SPACE;
		if (headerView.getLong(i * Sockets.MMSGHDR_SIZE + Sockets.MSG_CONTROLLEN) < Sockets.CMSG_INT_LEN
				|| controlView.getInt(c + Sockets.CMSG_LEVEL) != Sockets.SOL_UDP || controlView.getInt(c + Sockets.CMSG_TYPE) != Sockets.UDP_GRO) {
			return 0;
		}
		return controlView.getInt(c + Sockets.CMSG_DATA);
	}

	/** The sender of datagram {@code i}; {@link EndpointKey#NONE} for an IPv6 sender the key table has no room for. */
	long endpoint(int i) {
		return SocketNames.read(nameView, i * Sockets.SOCKADDR_SIZE);
	}

	/** Slot {@code i} holding the datagram between position (the headroom) and limit. */
	ByteBuffer received(int i) {
		ByteBuffer slot = slots[i];
		slot.clear();
		slot.limit(headroom + length(i));
		slot.position(headroom);
		return slot;
	}

	// ---- sending

	/** The slot for the next datagram to send, empty and with the whole slot as its limit. */
	ByteBuffer next() {
		ByteBuffer slot = slots[count];
		slot.clear();
		return slot;
	}

	/** Queues the next slot's first {@code length} bytes for {@code endpoint}. */
	void commit(int length, long endpoint) {
		commit(0, length, endpoint);
	}

	/** Queues {@code length} bytes from {@code offset} of the next slot for {@code endpoint}. */
	void commit(int offset, int length, long endpoint) {
		headerView.putLong(count * Sockets.MMSGHDR_SIZE + Sockets.MSG_CONTROLLEN, 0); // none of a receive: sendmmsg would refuse it
		iovecView.putLong(count * Sockets.IOVEC_SIZE, slotAddresses[count] + offset);
		iovecView.putLong(count * Sockets.IOVEC_SIZE + Sockets.IOV_LEN, length);
		endpoints[count] = endpoint;
		refused[count] = false;
		count++;
		stale = Math.max(stale, count);
	}

	/** Forgets the queued datagrams. */
	void clear() {
		count = 0;
	}

	int pending() {
		return count;
	}

	boolean full() {
		return count == capacity;
	}

	/**
	 * Sends every queued datagram, several per system call.
	 *
	 * @return how many could not be sent (the kernel refused them; {@link #refused} says which)
	 */
	int flush(UdpSocket socket) {
		// named now, in the family of the socket they leave by; one it cannot reach is refused below
		boolean inet6 = socket.inet6();
		for (int i = 0; i < count; i++) {
			int length = SocketNames.write(nameView, i * Sockets.SOCKADDR_SIZE, endpoints[i], inet6);
			headerView.putInt(i * Sockets.MMSGHDR_SIZE + Sockets.MSG_NAMELEN, length);
		}
		int sent = 0;
		int failed = 0;
		while (sent + failed < count) {
			int done = sent + failed;
			int n = Sockets.sendmmsg(socket.fd(), headersAddress + (long) done * Sockets.MMSGHDR_SIZE, count - done, 0);
			if (n > 0) {
				sent += n;
			} else if (n < 0 && LibC.errno() == Errno.EINTR) {
				continue;
			} else {
				refused[done] = true; // the first remaining datagram is refused (buffer full, unreachable...): skip it
				failed++;
			}
		}
		count = 0;
		return failed;
	}

	/** Whether the last {@link #flush} could not send datagram {@code i}; until the next commit of slot {@code i}. */
	boolean refused(int i) {
		return refused[i];
	}
}
