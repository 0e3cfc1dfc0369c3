package org.mobilegt.gateway.tunnel.impl;

import java.nio.ByteBuffer;

/**
 * The datagrams of UDP GRO messages: the kernel merged same-sized datagrams of one sender, back to
 * back, the last possibly shorter. The first stays where it was received, behind the slot's zero
 * headroom; each later one is copied behind zero headroom of its own, so that a TUN device that
 * wants an offload header in front of every packet finds one, and a packet held for coalescing is
 * not overwritten by the next one's header. The copies of several messages are kept side by side
 * until {@link #reset}, so that a receive batch's TCP segments coalesce across its messages. Each
 * datagram gets its own buffer view. Allocates nothing after construction; one thread uses it.
 */
final class GroSegments {

	/** At most this many datagrams per message: the kernel's send limit (UDP_MAX_SEGMENTS), above its merge limit of 64. */
	static final int MAX = 128;
	/** Room for the copies of this many full messages; more ask for a {@link #reset} first. */
	static final int MESSAGES = 4;
	private final int headroom;
	private final ByteBuffer spill;
	private final ByteBuffer[] views = new ByteBuffer[MESSAGES * MAX];
	private final ByteBuffer[] current = new ByteBuffer[MAX];
	private int at;
	private int used;
	private int count;

	GroSegments(int headroom) {
		this.headroom = headroom;
		spill = LazyBuffers.allocate(MESSAGES * (UplinkPump.SLOT + MAX * headroom));
		for (int i = 0; i < views.length; i++) {
			views[i] = spill.duplicate();
		}
	}

	/**
	 * Whether the copies of a message of {@code length} bytes in datagrams of {@code size} fit
	 * beside those kept; when not, the caller is done with the kept ones and calls {@link #reset}.
	 */
	boolean fits(int length, int size) {
		int n = count(length, size);
		return at + length + n * headroom <= spill.capacity() && used + n <= views.length;
	}

	/** Forgets the copies: their views may be reused. */
	void reset() {
		at = 0;
		used = 0;
		count = 0;
	}

	/**
	 * Splits {@code message} (between position and limit, {@code headroom} zero bytes in front) into
	 * datagrams of {@code size} bytes; {@code message} becomes the first of them. The copies must
	 * {@link #fits fit}.
	 *
	 * @return how many datagrams it holds; 0 when more than {@link #MAX} (no kernel merges that
	 *         many: the message is not taken apart)
	 */
	int split(ByteBuffer message, int size) {
		int start = message.position();
		int end = message.limit();
		int n = count(end - start, size);
		if (n > MAX) {
			return count = 0;
		}
		for (int i = 1; i < n; i++) {
			int from = start + i * size;
			int length = Math.min(size, end - from);
			for (int k = 0; k < headroom; k++) {
				spill.put(at + k, (byte) 0);
			}
			spill.put(at + headroom, message, from, length);
			current[i] = views[used++].clear().limit(at + headroom + length).position(at + headroom);
			at += headroom + length;
		}
		message.limit(start + Math.min(size, end - start));
		current[0] = message;
		return count = n;
	}

	/** How many datagrams a message of {@code length} bytes holds in datagrams of {@code size} (the last may be shorter). */
	static int count(int length, int size) {
		return (length + size - 1) / size;
	}

	/** Datagram {@code i} of the last {@link #split}, {@code i} below what it returned. */
	ByteBuffer get(int i) {
		if (i >= count) {
			throw new IndexOutOfBoundsException(i);
		}
		return current[i];
	}
}
