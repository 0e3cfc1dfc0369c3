package org.mobilegt.gateway.app.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

class LogRingTest {

	private static LogLine line(long seq, LogLevel level) {
		return new LogLine(seq, 0, level, "test", -1, "main", "line " + seq, List.of());
	}

	@Test
	void keepsTheNewestAndFiltersBySeverity() {
		LogRing ring = new LogRing();
		for (int i = 1; i <= LogRing.CAPACITY + 10; i++) {
			ring.add(line(i, i % 10 == 0 ? LogLevel.ERROR : i % 5 == 0 ? LogLevel.WARN : LogLevel.INFO));
		}
		assertThat(ring.newestFirst()).hasSize(LogRing.CAPACITY).first().extracting(LogLine::sequence).isEqualTo((long) LogRing.CAPACITY + 10);
		assertThat(ring.newest(3, LogLevel.TRACE)).extracting(LogLine::sequence)
				.containsExactly((long) LogRing.CAPACITY + 8, (long) LogRing.CAPACITY + 9, (long) LogRing.CAPACITY + 10);
		assertThat(ring.newest(4, LogLevel.WARN)).extracting(LogLine::level).containsOnly(LogLevel.WARN, LogLevel.ERROR).hasSize(4);
		assertThat(ring.newest(2, LogLevel.ERROR)).extracting(LogLine::sequence)
				.containsExactly((long) LogRing.CAPACITY, (long) LogRing.CAPACITY + 10);
	}

	@Test
	void levelsByName() {
		assertThat(LogRing.level("warning")).isEqualTo(LogLevel.WARN);
		assertThat(LogRing.level("Debug")).isEqualTo(LogLevel.DEBUG);
		assertThatThrownBy(() -> LogRing.level("LOUD")).isInstanceOf(IllegalArgumentException.class);
	}
}
