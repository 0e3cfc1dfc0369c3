package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which kernels take UDP segments written to a TUN device: read from the release, 6.2 and newer. */
class KernelReleaseTest {

	@Test
	void theReleaseIsReadFromItsFirstTwoNumbers() {
		assertThat(LinuxTun.release("6.18.44-fc-v1045")).isEqualTo(6_018);
		assertThat(LinuxTun.release("6.1.0-28-amd64")).isEqualTo(6_001);
		assertThat(LinuxTun.release("6.2")).isEqualTo(6_002);
		assertThat(LinuxTun.release("10.0.1")).isEqualTo(10_000);
	}

	@Test
	void debian12sKernelIsBeforeUdpSegmentsAndNewerOnesAfter() {
		assertThat(LinuxTun.release("6.1.0-28-amd64")).isLessThan(6_002);
		assertThat(LinuxTun.release("5.19.0")).isLessThan(6_002);
		assertThat(LinuxTun.release("6.12.9-amd64")).isGreaterThanOrEqualTo(6_002);
	}

	@Test
	void whatIsNoReleaseCountsAsTooOld() {
		assertThat(LinuxTun.release("")).isZero();
		assertThat(LinuxTun.release("linux")).isZero();
		assertThat(LinuxTun.release("6")).isZero();
		assertThat(LinuxTun.release("99999999999.1")).isZero();
	}
}
