package org.mobilegt.gateway.capture.impl;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Optional;

/** The capture script shipped in the bundle, copied out to a file so that it can be executed. */
final class DefaultScript {

	static final String NAME = "mobilegt-capture.sh";
	/** The tools it uses, in order of preference. */
	private static final String[] TOOLS = { "dumpcap", "tcpdump" };

	private DefaultScript() {
	}

	/**
	 * Writes the bundled script to {@code file} (replacing an older copy atomically) and makes it
	 * executable by its owner and readable by all, but writable by nobody else.
	 */
	static Path install(Path file) throws IOException {
		byte[] text;
		try (InputStream in = DefaultScript.class.getResourceAsStream(NAME)) {
			if (in == null) {
				throw new IOException(NAME + " is missing from the bundle");
			}
			text = in.readAllBytes();
		}
		Files.createDirectories(file.getParent());
		Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
		Files.write(tmp, text);
		Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
		Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		return file;
	}

	/** The tool the default script would use on this machine (from PATH), if any. */
	static Optional<String> tool() {
		String path = System.getenv("PATH");
		String[] dirs = (path == null || path.isBlank() ? "/usr/sbin:/usr/bin:/sbin:/bin" : path).split(File.pathSeparator);
		return Arrays.stream(TOOLS).filter(t -> Arrays.stream(dirs).anyMatch(d -> Files.isExecutable(Path.of(d, t)))).findFirst();
	}
}
