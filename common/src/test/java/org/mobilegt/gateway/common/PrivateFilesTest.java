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
	void replaceSharedKeepsAGroupOnlyShareAndNarrowsAWorldReadableFile() throws Exception {
		Path shared = dir.resolve("mobilegt.auth.cfg");
		Files.writeString(shared, "key=old\n");
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-rw----"));
		// root (as in CI) can give it another group, as postinst gives /etc/mobilegt/*.cfg to mobilegt
		int gid = "root".equals(System.getProperty("user.name")) ? 65534 : (Integer) Files.getAttribute(shared, "unix:gid");
		Files.setAttribute(shared, "unix:gid", gid);
		PrivateFiles.replaceShared(shared, "key=new\n".getBytes(StandardCharsets.UTF_8));
		assertThat(Files.readString(shared)).isEqualTo("key=new\n");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rw-rw----");
		assertThat(Files.getAttribute(shared, "unix:gid")).isEqualTo(gid);

		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r-----"));
		PrivateFiles.replaceShared(shared, "key=newer\n".getBytes(StandardCharsets.UTF_8));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rw-r-----");

		Path open = dir.resolve("open.cfg");
		Files.writeString(open, "key=old\n");
		Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-rw-r--"));
		PrivateFiles.replaceShared(open, "key=new\n".getBytes(StandardCharsets.UTF_8));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open))).as("never to others: owner only")
				.isEqualTo("rw-------");

		Path fresh = dir.resolve("new.cfg");
		PrivateFiles.replaceShared(fresh, "x=1\n".getBytes(StandardCharsets.UTF_8));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rw-------");
		try (var left = Files.list(dir)) {
			assertThat(left).noneMatch(p -> p.getFileName().toString().endsWith(".tmp"));
		}
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
