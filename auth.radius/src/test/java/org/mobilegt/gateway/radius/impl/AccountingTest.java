package org.mobilegt.gateway.radius.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.testing.RecordingLogger;

class AccountingTest {

	@TempDir
	Path dir;

	@Test
	void queuedStopsOfBothFormatsAreReadAndAnUnreadableLineIsKeptAside() throws Exception {
		Path queue = dir.resolve("accounting-stops");
		String bad = AcctRecordTest.STOP.line().replace("fd3c:1a2b:4c5d::a:2", "fd3c::zz");
		Files.write(queue, List.of(AcctRecordTest.OLD_LINE, bad, AcctRecordTest.STOP.line()));
		RecordingLogger log = new RecordingLogger();
		Accounting accounting = new Accounting(queue, log.logger);
		try {
			assertThat(accounting.queued()).as("the lines before and after the bad one").isEqualTo(2);
			Path aside = dir.resolve("accounting-stops.unreadable");
			assertThat(Files.readAllLines(aside)).containsExactly(bad);
			assertThat(Files.readAllLines(queue)).as("the queue without it").containsExactly(AcctRecordTest.STOP_V4_ONLY.line(),
					AcctRecordTest.STOP.line());
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(aside))).isEqualTo("rw-------");
			assertThat(log.at("ERROR")).singleElement().asString().contains("line 2", "fd3c::zz", aside.toString());
			assertThat(log.at("INFO")).containsExactly("RADIUS: 2 accounting Stop records still to send");
		} finally {
			accounting.close();
		}
	}
}
