package org.mobilegt.gateway.tun.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxTunAccessTest {

	@TempDir
	Path dir;

	@Test
	void aCloneDeviceOnlyRootMayOpenIsNamedWithItsModeAndOwner() throws IOException {
		Path node = Files.createFile(dir.resolve("tun"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		String owner = Files.getOwner(node).getName();
		assertThat(LinuxTun.access(node.toString())).startsWith("rw------- " + owner + ":")
				.contains("the gateway's user needs read and write on it", "CAP_NET_ADMIN does not override it");
	}

	@Test
	void withoutItsAttributesTheAdviceIsGeneral() {
		assertThat(LinuxTun.access(dir.resolve("gone").toString())).isEqualTo("run as root, or give the gateway's user read and write on it");
	}
}
