package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.capture.impl.DiskBudget.Verdict;

class DiskBudgetTest {

	private final DiskBudget budget = new DiskBudget();

	@Test
	void withinTheBudgetNothingHappens() {
		assertThat(budget.check(0, 1000)).isEqualTo(Verdict.NONE);
		assertThat(budget.check(1000, 1000)).as("exactly the budget is within it").isEqualTo(Verdict.NONE);
		assertThat(budget.check(Long.MAX_VALUE, 0)).as("0 = no budget").isEqualTo(Verdict.NONE);
	}

	@Test
	void exceedingStopsOnceThenOnlyWhileTheFilesKeepGrowing() {
		assertThat(budget.check(1001, 1000)).isEqualTo(Verdict.EXCEEDED);
		assertThat(budget.check(1500, 1000)).as("the stopped capture settles").isEqualTo(Verdict.NONE);
		assertThat(budget.check(1500, 1000)).as("the rest does not grow: it keeps running").isEqualTo(Verdict.NONE);
		assertThat(budget.check(1400, 1000)).as("a ring replacing its oldest file").isEqualTo(Verdict.NONE);
		assertThat(budget.check(1501, 1000)).as("growing again").isEqualTo(Verdict.STILL_GROWING);
		assertThat(budget.check(1600, 1000)).isEqualTo(Verdict.NONE);
		assertThat(budget.check(1600, 1000)).isEqualTo(Verdict.NONE);
		assertThat(budget.check(1700, 1000)).isEqualTo(Verdict.STILL_GROWING);
	}

	@Test
	void removingFilesEndsTheEventAndTheNextExcessIsANewOne() {
		assertThat(budget.check(2000, 1000)).isEqualTo(Verdict.EXCEEDED);
		assertThat(budget.check(500, 1000)).isEqualTo(Verdict.BACK_WITHIN);
		assertThat(budget.check(600, 1000)).isEqualTo(Verdict.NONE);
		assertThat(budget.check(1200, 1000)).isEqualTo(Verdict.EXCEEDED);
		assertThat(budget.check(1200, 5000)).as("a larger budget").isEqualTo(Verdict.BACK_WITHIN);
	}

	@Test
	void usedCountsEveryRegularFileBelowTheDirectory(@TempDir Path dir) throws Exception {
		assertThat(DiskBudget.used(dir.resolve("missing"))).isZero();
		Files.write(dir.resolve("a.pcap"), new byte[1000]);
		Files.createDirectories(dir.resolve("sub"));
		Files.write(dir.resolve("sub/b.pcapng"), new byte[234]);
		Path outside = Files.write(Files.createTempFile("disk-budget", ".bin"), new byte[5000]);
		try {
			Files.createSymbolicLink(dir.resolve("link"), outside);
			assertThat(DiskBudget.used(dir)).as("symbolic links are not followed").isEqualTo(1234);
		} finally {
			Files.delete(outside);
		}
	}
}
