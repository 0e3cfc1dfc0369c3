package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReplyProbeTest {

	private final ReplyProbe probe = new ReplyProbe();

	/** How many of {@code writes} writes are followed by a read, each finding {@code reply}. */
	private int reads(int writes, boolean reply) {
		int reads = 0;
		for (int i = 0; i < writes; i++) {
			if (probe.due()) {
				reads++;
				probe.found(reply);
			}
		}
		return reads;
	}

	@Test
	void whileReadsFindRepliesEveryWriteIsFollowedByOne() {
		assertThat(reads(1000, true)).isEqualTo(1000);
	}

	@Test
	void afterAMissOnlyOneWriteInAProbeIsFollowedByARead() {
		assertThat(reads(1, false)).isOne();
		assertThat(reads(10 * ReplyProbe.PROBE, false)).isEqualTo(10);
	}

	@Test
	void aProbeThatFindsAReplyResumesReadingAfterEveryWrite() {
		reads(1, false);
		reads(ReplyProbe.PROBE - 1, true); // the last of them is the probe
		assertThat(reads(100, true)).isEqualTo(100);
	}
}
