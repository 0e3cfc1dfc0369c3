package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

class OutputPumpTest {

	private static List<String> pump(String text, List<String> log) {
		OutputPump p = OutputPump.start(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), log::add, "test");
		p.awaitEnd(5000);
		return log;
	}

	@Test
	void logsLineByLineIncludingALastLineWithoutNewline() {
		assertThat(pump("one\r\ntwo\n\nthree", new CopyOnWriteArrayList<>())).containsExactly("one", "two", "three");
	}

	@Test
	void cutsLongLinesAndShowsControlCharacters() {
		List<String> log = pump("x".repeat(10_000) + "\nbell\u0007\u001b[31mred\n", new CopyOnWriteArrayList<>());
		assertThat(log.get(0)).isEqualTo("x".repeat(OutputPump.MAX_LINE) + " [...]");
		assertThat(log.get(1)).isEqualTo("bell??[31mred");
	}

	@Test
	void aFloodIsHeldBackButTheTailIsKept() {
		StringBuilder flood = new StringBuilder();
		for (int i = 1; i <= 1000; i++) {
			flood.append("line ").append(i).append('\n');
		}
		List<String> log = new CopyOnWriteArrayList<>();
		OutputPump p = OutputPump.start(new ByteArrayInputStream(flood.toString().getBytes(StandardCharsets.UTF_8)), log::add, "t");
		p.awaitEnd(5000);
		assertThat(log).hasSize(OutputPump.LINES_PER_WINDOW);
		assertThat(p.tail()).isEqualTo("line 996 | line 997 | line 998 | line 999 | line 1000");
	}
}
