package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeptStateTest {

	record State(long next, List<String> leases) {
	}

	@TempDir
	Path dir;

	@Test
	void theSameRunResumesAndAnotherRunOnlyReadsWithTheStamp() throws IOException {
		Path file = dir.resolve("state.json");
		new KeptState<>(file, State.class, "run-1").save(new State(7, List.of("a")));

		KeptState.Loaded<State> same = new KeptState<>(file, State.class, "run-1").load().orElseThrow();
		KeptState.Loaded<State> next = new KeptState<>(file, State.class, "run-2").load().orElseThrow();

		assertThat(same.sameRun()).isTrue();
		assertThat(next.sameRun()).isFalse();
		assertThat(next.state()).isEqualTo(new State(7, List.of("a")));
		assertThat(next.savedAt()).isPositive();
		assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PrivateFiles.OWNER_FILE);
	}

	@Test
	void aFileWrittenBeforeKeepsItsStampFieldsMeaning() throws IOException {
		Path file = dir.resolve("old.json");
		Files.writeString(file, "{\"framework\":\"run-0\",\"savedAt\":42,\"next\":3,\"leases\":[]}");

		KeptState.Loaded<State> old = new KeptState<>(file, State.class, "run-0").load().orElseThrow();

		assertThat(old.sameRun()).isTrue();
		assertThat(old.savedAt()).isEqualTo(42);
		assertThat(old.state().next()).isEqualTo(3);
	}

	@Test
	void nothingSavedIsEmptyAndGarbageIsAnErrorNamingTheFile() throws IOException {
		Path file = dir.resolve("state.json");
		KeptState<State> kept = new KeptState<>(file, State.class, "run-1");
		assertThat(kept.load()).isEmpty();

		Files.writeString(file, "[1, 2");
		assertThatThrownBy(kept::load).isInstanceOf(IOException.class).hasMessageContaining(file.toString());
		Files.writeString(file, "\"text\"");
		assertThatThrownBy(kept::load).isInstanceOf(IOException.class).hasMessageContaining("not a JSON object");

		kept.delete();
		assertThat(file).doesNotExist();
	}
}
