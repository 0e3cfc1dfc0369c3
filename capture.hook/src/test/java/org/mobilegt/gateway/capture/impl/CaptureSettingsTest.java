package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.testing.Annotations;

class CaptureSettingsTest {

	static CaptureSettings settings(Map<String, Object> values) {
		return CaptureSettings.of(Annotations.of(CaptureConfig.class, values));
	}

	@Test
	void defaults() {
		CaptureSettings s = settings(Map.of());
		assertThat(s.mode()).isEqualTo(CaptureSettings.Mode.OFF);
		assertThat(s.method()).isEqualTo(CaptureSettings.Method.SCRIPT);
		assertThat(s.script()).as("the bundled script").isNull();
		assertThat(s.dir()).isEqualTo(Path.of("capture").toAbsolutePath());
		assertThat(s.maxConcurrent()).isEqualTo(4);
		assertThat(s.stopTimeoutSeconds()).isEqualTo(5);
		assertThat(s.maxSeconds()).as("finite by default").isEqualTo(3600);
		assertThat(s.maxTotalBytes()).as("1 GiB").isEqualTo(1L << 30);
	}

	@Test
	void unlimitedOnlyWhenAskedFor() {
		assertThat(settings(Map.of("maxSeconds", 0)).maxSeconds()).isZero();
		assertThat(settings(Map.of("maxTotalBytes", 0L)).maxTotalBytes()).isZero();
		assertThatThrownBy(() -> settings(Map.of("maxTotalBytes", -1L))).isInstanceOf(ConfigValueException.class)
				.hasMessage("mobilegt.capture: maxTotalBytes=-1 must be 0 (no budget) or up to 1125899906842624");
		assertThatThrownBy(() -> settings(Map.of("maxTotalBytes", (1L << 50) + 1))).hasMessageContaining("maxTotalBytes=");
	}

	@Test
	void modeAndMethodAreChoices() {
		assertThat(settings(Map.of("mode", "ALL", "method", "builtin")).mode()).isEqualTo(CaptureSettings.Mode.ALL);
		assertThatThrownBy(() -> settings(Map.of("mode", "sometimes"))).isInstanceOf(ConfigValueException.class)
				.hasMessage("mobilegt.capture: mode=sometimes must be one of off, all, demand");
		assertThatThrownBy(() -> settings(Map.of("method", "pcap"))).hasMessageContaining("method=pcap must be one of script, builtin");
	}

	@Test
	void limitsAreChecked() {
		assertThatThrownBy(() -> settings(Map.of("maxConcurrent", 0))).hasMessageContaining("maxConcurrent=0");
		assertThatThrownBy(() -> settings(Map.of("maxSeconds", -1))).hasMessageContaining("maxSeconds=-1");
		assertThatThrownBy(() -> settings(Map.of("maxBytes", 100L))).hasMessageContaining("maxBytes=100 must be 0 (no limit) or at least 4096");
		assertThatThrownBy(() -> settings(Map.of("stopTimeoutSeconds", 60))).hasMessageContaining("stopTimeoutSeconds=60");
		assertThatThrownBy(() -> settings(Map.of("args", "{nope}"))).hasMessageContaining("unknown placeholder {nope}");
		assertThatThrownBy(() -> settings(Map.of("dir", " "))).hasMessageContaining("dir=");
	}

	@Test
	void scriptProblemsAreNamed(@TempDir Path dir) throws Exception {
		Path script = dir.resolve("s.sh");
		assertThat(CaptureSettings.problem(script)).isEqualTo("does not exist");
		Files.writeString(script, "#!/bin/sh\n");
		Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-------"));
		assertThat(CaptureSettings.problem(script)).isEqualTo("is not executable (chmod +x)");
		Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
		assertThat(CaptureSettings.problem(script)).isNull();
		assertThat(CaptureSettings.problem(dir)).isEqualTo("is not a regular file");
	}

	@Test
	void anOutputDirectoryIsTriedByWritingInIt(@TempDir Path dir) throws Exception {
		assertThat(CaptureSettings.directoryProblem(dir.resolve("new/captures"))).isNull();
		assertThat(dir.resolve("new/captures")).isDirectory().isEmptyDirectory();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new/captures")))).isEqualTo("rwx------");
		Path file = Files.writeString(dir.resolve("file"), "in the way");
		assertThat(CaptureSettings.directoryProblem(file.resolve("captures"))).startsWith("is not a writable directory: ");
		assertThat(CaptureSettings.directoryProblem(file)).startsWith("is not a writable directory: ");
	}
}
