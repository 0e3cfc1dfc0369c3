package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFilesTest {

	@TempDir
	Path dir;

	@Test
	void writeCreatesOwnerOnlyFilesAndReplacesAtomically() throws Exception {
		Path file = dir.resolve("a.cfg");
		Files.writeString(file, "old\n");
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
		// a temporary file a crash left behind, world-readable
		Files.writeString(dir.resolve(".a.cfg.tmp"), "stale");
		PrivateFiles.write(file, "key=secret\n".getBytes(StandardCharsets.UTF_8));
		assertThat(Files.readString(file)).isEqualTo("key=secret\n");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		assertThat(dir.resolve(".a.cfg.tmp")).doesNotExist();
	}

	@Test
	void createNewNeverOverwrites() throws Exception {
		Path file = dir.resolve("password");
		assertThat(PrivateFiles.createNew(file, "one".getBytes(StandardCharsets.UTF_8))).isTrue();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		assertThat(PrivateFiles.createNew(file, "two".getBytes(StandardCharsets.UTF_8))).isFalse();
		assertThat(Files.readString(file)).isEqualTo("one");
	}

	@Test
	void directoriesAreOwnerOnly() throws Exception {
		Path created = dir.resolve("data").resolve("framework");
		assertThat(PrivateFiles.directory(created)).isFalse();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(created))).isEqualTo("rwx------");
		Path open = Files.createDirectory(dir.resolve("open"));
		Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
		assertThat(PrivateFiles.directory(open)).isTrue();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open))).isEqualTo("rwx------");
	}
}
