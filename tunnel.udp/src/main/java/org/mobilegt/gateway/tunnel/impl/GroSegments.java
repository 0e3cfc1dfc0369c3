package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

/**
 * The datagrams of one UDP GRO message: the kernel merged same-sized datagrams of one sender,
 * back to back, the last possibly shorter. The first stays where it was received, behind the
 * slot's zero headroom; each later one is copied behind zero headroom of its own, so that a TUN
 * device that wants an offload header in front of every packet finds one, and a packet held for
 * coalescing is not overwritten by the next one's header. Each datagram gets its own buffer view,
 * valid until the next {@link #split}. Allocates nothing after construction; one thread uses it.
 */
final class GroSegments {

	/** At most this many datagrams per message: the kernel's send limit (UDP_MAX_SEGMENTS), above its merge limit of 64. */
	static final int MAX = 128;
	private final int headroom;
	private final ByteBuffer spill;
	private final ByteBuffer[] views = new ByteBuffer[MAX];
	private ByteBuffer first;
	private int count;

	GroSegments(int headroom) {
		this.headroom = headroom;
		spill = LazyBuffers.allocate(UplinkPump.SLOT + MAX * headroom);
		for (int i = 0; i < MAX; i++) {
			views[i] = spill.duplicate();
		}
	}

	/**
	 * Splits {@code message} (between position and limit, {@code headroom} zero bytes in front) into
	 * datagrams of {@code size} bytes; {@code message} becomes the first of them.
	 *
	 * @return how many datagrams it holds; 0 when more than {@link #MAX} (no kernel merges that
	 *         many: the message is not taken apart)
	 */
	int split(ByteBuffer message, int size) {
		int start = message.position();
		int end = message.limit();
		int n = (end - start + size - 1) / size;
		if (n > MAX) {
			return count = 0;
		}
		int at = 0;
		for (int i = 1; i < n; i++) {
			int from = start + i * size;
			int length = Math.min(size, end - from);
			for (int k = 0; k < headroom; k++) {
				spill.put(at + k, (byte) 0);
			}
			spill.put(at + headroom, message, from, length);
			views[i].clear().limit(at + headroom + length).position(at + headroom);
			at += headroom + length;
		}
		message.limit(start + Math.min(size, end - start));
		first = message;
		return count = n;
	}

	/** Datagram {@code i} of the last {@link #split}, {@code i} below what it returned. */
	ByteBuffer get(int i) {
		if (i >= count) {
			throw new IndexOutOfBoundsException(i);
		}
		return i == 0 ? first : views[i];
	}
}
