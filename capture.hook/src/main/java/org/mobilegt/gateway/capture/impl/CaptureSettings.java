package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

import org.mobilegt.gateway.capture.api.CaptureException;
import org.mobilegt.gateway.common.ConfigValueException;

/**
 * The validated form of {@link CaptureConfig}. Construction fails with a message naming the key
 * and the rule, so that a bad value never replaces a working configuration.
 *
 * @param script the configured script, absolute, or null for the bundled default
 * @param dir    the output directory, absolute (relative ones are taken from the working directory)
 */
record CaptureSettings(Mode mode, Method method, Path script, ArgsTemplate args, Path dir, int maxConcurrent,
		int maxSeconds, long maxBytes, int files, int stopTimeoutSeconds, long maxTotalBytes) {

	/** 1 GiB: room for a few full default rings, still small next to a router box's disk. */
	static final long DEFAULT_MAX_TOTAL_BYTES = 1L << 30;
	/** 1 PiB, the Metatype maximum: a typo of a few digits more is refused rather than meaning "no budget". */
	static final long MAX_TOTAL_BYTES_LIMIT = 1L << 50;

	enum Mode {
		OFF, ALL, DEMAND
	}

	enum Method {
		SCRIPT, BUILTIN
	}

	CaptureSettings {
		if (maxConcurrent < 1 || maxConcurrent > 1024) {
			throw invalid("maxConcurrent", maxConcurrent, "must be between 1 and 1024");
		}
		// 0 stays "no limit" for an operator who asks for it: the default is finite and maxTotalBytes bounds the disk anyway
		if (maxSeconds < 0) {
			throw invalid("maxSeconds", maxSeconds, "must be 0 (no limit) or more");
		}
		if (maxBytes < 0 || maxBytes > 0 && maxBytes < 4096) {
			throw invalid("maxBytes", maxBytes, "must be 0 (no limit) or at least 4096");
		}
		if (files < 1 || files > 1000) {
			throw invalid("files", files, "must be between 1 and 1000");
		}
		if (stopTimeoutSeconds < 0 || stopTimeoutSeconds > 15) {
			// the gateway's shutdown waits 20 s for every bundle to stop
			throw invalid("stopTimeoutSeconds", stopTimeoutSeconds, "must be between 0 and 15");
		}
		if (maxTotalBytes < 0 || maxTotalBytes > MAX_TOTAL_BYTES_LIMIT) {
			throw invalid("maxTotalBytes", maxTotalBytes, "must be 0 (no budget) or up to " + MAX_TOTAL_BYTES_LIMIT);
		}
	}

	static CaptureSettings of(CaptureConfig c) {
		return new CaptureSettings(choice(Mode.class, "mode", c.mode()), choice(Method.class, "method", c.method()),
				script(c.script()), ArgsTemplate.parse(c.args()), dir(c.dir()), c.maxConcurrent(), c.maxSeconds(),
				c.maxBytes(), c.files(), c.stopTimeoutSeconds(), c.maxTotalBytes());
	}

	/**
	 * Checks what only the file system tells: that the script runs (for method script) and that a
	 * new output directory takes files.
	 */
	void checkUsable(CaptureSettings previous) {
		String problem = script == null ? null : problem(script);
		if (problem != null && method == Method.SCRIPT) {
			throw invalid("script", script, problem);
		}
		String dirProblem = previous != null && dir.equals(previous.dir()) ? null : directoryProblem(dir);
		if (dirProblem != null) {
			throw invalid("dir", dir, dirProblem);
		}
	}

	/**
	 * Why {@code script} cannot run ("does not exist", ...), or null when it can. Checked when the
	 * setting changes and again at every start: a file can go away.
	 */
	static String problem(Path script) {
		if (!Files.exists(script)) {
			return "does not exist";
		}
		if (!Files.isRegularFile(script)) {
			return "is not a regular file";
		}
		if (!Files.isExecutable(script)) {
			return "is not executable (chmod +x)";
		}
		return null;
	}

	/**
	 * Why captures could not write into {@code dir}, or null when they can: tried by creating it (as
	 * a capture would) and a file in it, since as root only trying tells (read-only or virtual file
	 * systems, a file in the way). Checked when the setting changes and again at every start.
	 */
	static String directoryProblem(Path dir) {
		try {
			createDirectory(dir);
			Files.delete(Files.createTempFile(dir, ".mobilegt-", ".probe"));
			return null;
		} catch (FileSystemException e) {
			return "is not a writable directory: " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName());
		} catch (IOException | UnsupportedOperationException e) {
			return "is not a writable directory: " + e.getMessage();
		}
	}

	/** The output directory, created if missing (see {@link #createDirectory}). */
	Path outputDirectory() throws CaptureException {
		try {
			return createDirectory(dir);
		} catch (IOException e) {
			throw new CaptureException("cannot create the output directory " + dir + ": " + e);
		}
	}

	/**
	 * Creates {@code dir} (and missing parents) 0700 if missing: capture files hold client traffic
	 * and their names client ids. An existing directory keeps the mode the operator gave it.
	 */
	static Path createDirectory(Path dir) throws IOException {
		return Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
	}

	private static <E extends Enum<E>> E choice(Class<E> type, String key, String value) {
		String v = value == null ? "" : value.strip();
		for (E e : type.getEnumConstants()) {
			if (e.name().equalsIgnoreCase(v)) {
				return e;
			}
		}
		StringBuilder allowed = new StringBuilder();
		for (E e : type.getEnumConstants()) {
			allowed.append(allowed.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
		}
		throw invalid(key, value, "must be one of " + allowed);
	}

	private static Path script(String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		return path("script", value).toAbsolutePath().normalize();
	}

	private static Path dir(String value) {
		if (value == null || value.isBlank()) {
			throw invalid("dir", value, "must name a directory");
		}
		return path("dir", value).toAbsolutePath().normalize();
	}

	private static Path path(String key, String value) {
		try {
			return Path.of(value.strip());
		} catch (InvalidPathException e) {
			throw invalid(key, value, "is not a valid path: " + e.getReason());
		}
	}

	private static ConfigValueException invalid(String key, Object value, String rule) {
		return new ConfigValueException(CaptureConfig.PID, key, value, rule);
	}
}
