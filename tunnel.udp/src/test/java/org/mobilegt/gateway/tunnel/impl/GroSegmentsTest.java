package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class GroSegmentsTest {

	private static final int HEADROOM = Offload.HEADER;

	/** A received slot: zero headroom, then {@code length} bytes counting up from 1, as a message holds them. */
	private static ByteBuffer message(int length) {
		ByteBuffer slot = ByteBuffer.allocateDirect(HEADROOM + length);
		for (int i = 0; i < length; i++) {
			slot.put(HEADROOM + i, (byte) (i + 1));
		}
		return slot.position(HEADROOM);
	}

	private static byte[] expected(int from, int length) {
		byte[] b = new byte[length];
		for (int i = 0; i < length; i++) {
			b[i] = (byte) (from + i + 1);
		}
		return b;
	}

	private static byte[] contents(ByteBuffer p) {
		byte[] b = new byte[p.remaining()];
		p.get(p.position(), b);
		return b;
	}

	@Test
	void eachDatagramHasItsBytesAndZeroHeadroomInFront() {
		GroSegments segments = new GroSegments(HEADROOM);
		ByteBuffer message = message(3 * 100 + 37);
		// garbage where the copies go: what a previous message left
		ByteBuffer dirty = message(UplinkPump.SLOT - HEADROOM);
		assertThat(segments.split(dirty, 600)).isPositive();
		segments.reset();

		assertThat(segments.split(message, 100)).isEqualTo(4);

		assertThat(segments.get(0)).as("the first in place").isSameAs(message);
		for (int i = 0; i < 4; i++) {
			ByteBuffer p = segments.get(i);
			assertThat(contents(p)).as("datagram " + i).isEqualTo(expected(i * 100, i < 3 ? 100 : 37));
			for (int k = 1; k <= HEADROOM; k++) {
				assertThat(p.get(p.position() - k)).as("headroom of datagram " + i).isZero();
			}
		}
	}

	@Test
	void aDatagramStaysIntactWhileTheNextOnesAreUsed() {
		GroSegments segments = new GroSegments(HEADROOM);
		segments.split(message(5 * 64), 64);
		ByteBuffer held = segments.get(1);
		// what the TUN write of a later one does: the header in front, the position moved back
		segments.get(2).position(segments.get(2).position() - HEADROOM);
		segments.get(3).put(segments.get(3).position(), (byte) 0);

		assertThat(contents(held)).isEqualTo(expected(64, 64));
		assertThat(held.get(held.position() - 1)).isZero();
	}

	@Test
	void theCopiesOfEarlierMessagesStayIntactUntilReset() {
		GroSegments segments = new GroSegments(HEADROOM);
		segments.split(message(3 * 1000), 1000);
		ByteBuffer earlier = segments.get(2);
		int messages = 1;
		while (segments.fits(UplinkPump.SLOT - HEADROOM, 1400)) {
			segments.split(message(UplinkPump.SLOT - HEADROOM), 1400);
			messages++;
		}

		assertThat(messages).as("full messages that fit beside the first").isGreaterThanOrEqualTo(GroSegments.MESSAGES);
		assertThat(contents(earlier)).isEqualTo(expected(2000, 1000));
		segments.reset();
		assertThat(segments.fits(UplinkPump.SLOT - HEADROOM, 1400)).isTrue();
	}

	@Test
	void aMessageOfMoreDatagramsThanAKernelMergesIsNotTakenApart() {
		GroSegments segments = new GroSegments(HEADROOM);
		assertThat(segments.split(message(GroSegments.MAX * 10), 10)).isEqualTo(GroSegments.MAX);
		assertThat(segments.split(message(GroSegments.MAX * 10 + 1), 10)).isZero();
		assertThatThrownBy(() -> segments.get(0)).isInstanceOf(IndexOutOfBoundsException.class);
	}
}
