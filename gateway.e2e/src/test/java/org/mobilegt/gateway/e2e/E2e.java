package org.mobilegt.gateway.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** Where things are, and the harness's own progress lines. */
final class E2e {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

	private E2e() {
	}

	/** The runnable gateway.jar under test (system property mobilegt.gateway.jar, set by the pom). */
	static Path gatewayJar() {
		Path jar = Path.of(System.getProperty("mobilegt.gateway.jar", "../gateway.app/target/gateway.jar"))
				.toAbsolutePath().normalize();
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException(jar + " does not exist: build it first (mvn -B verify from the reactor root, "
					+ "or mvn -B package -pl gateway.e2e -am)");
		}
		return jar;
	}

	/** Base of the per-test working directories, kept after the run for debugging. */
	static Path workRoot() {
		return Path.of(System.getProperty("mobilegt.e2e.dir", "target/e2e")).toAbsolutePath().normalize();
	}

	static void log(String message) {
		System.out.println("[e2e " + LocalTime.now().format(TIME) + "] " + message);
	}
}
