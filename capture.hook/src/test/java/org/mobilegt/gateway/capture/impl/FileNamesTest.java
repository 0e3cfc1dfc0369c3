package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The client id part of a file name is common's {@code ClientIds.fileName} (ClientIdsTest). */
class FileNamesTest {

	@Test
	void timestampsSortAndNeedNoQuoting() {
		assertThat(FileNames.time(Instant.parse("2026-11-01T08:05:03.042Z"))).isEqualTo("20261101T080503.042Z");
	}
}
