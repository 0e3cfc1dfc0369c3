package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Commands runs real (harmless) processes: sh, cat, sleep. */
class CommandsTest {

	@Test
	void resultCarriesExitOutputAndTrimmedError() throws IOException {
		Commands.Result r = new Commands().run("sh", "-c", "echo out; echo ' err ' >&2; exit 3");
		assertThat(r).isEqualTo(new Commands.Result(3, "out\n", "err"));
		assertThat(r.ok()).isFalse();
	}

	@Test
	void stdinIsPassed() throws IOException {
		assertThat(new Commands().run(List.of("cat"), "table ip x {}\n").out()).isEqualTo("table ip x {}\n");
	}

	@Test
	void checkFailsWithTheToolsMessageOrExitCode() {
		assertThatThrownBy(() -> new Commands().check("sh", "-c", "echo 'Error: nope' >&2; exit 1"))
				.isInstanceOf(IOException.class).hasMessage("sh -c echo 'Error: nope' >&2; exit 1: Error: nope");
		assertThatThrownBy(() -> new Commands().check("sh", "-c", "exit 4")).isInstanceOf(IOException.class)
				.hasMessage("sh -c exit 4: exit 4");
	}

	@Test
	void aToolFillingBothPipesDoesNotHang() throws IOException {
		Commands.Result r = new Commands(5_000).run("sh", "-c",
				"head -c 300000 /dev/zero | tr '\\0' e >&2; head -c 300000 /dev/zero | tr '\\0' o");
		assertThat(r.ok()).isTrue();
		assertThat(r.out()).hasSize(300_000);
		assertThat(r.err()).hasSize(300_000);
	}

	@Test
	void aToolThatNeverAnswersIsKilledAtTheTimeout() {
		long start = System.nanoTime();
		assertThatThrownBy(() -> new Commands(300).run("sleep", "30")).isInstanceOf(IOException.class)
				.hasMessage("sleep 30: no answer within 300 ms");
		assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
	}

	@Test
	void findsInstalledToolsOnly() {
		assertThat(new Commands().find("sh")).hasValueSatisfying(p -> assertThat(p).endsWith("/sh"));
		assertThat(new Commands().find("no-such-tool-mobilegt")).isEmpty();
	}
}
