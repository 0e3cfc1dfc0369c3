package org.mobilegt.gateway.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * Runs a test class's tests again in a Java 25 JVM, where the data path's native calls go through
 * java.lang.foreign (the build runs the tests on Java 17, where they use JNA). Skipped when that
 * JVM is not installed. Knows only plain tests: no-argument {@code @Test} methods, no lifecycle
 * methods.
 */
public final class OnJava25 {

	public static final Path JAVA = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

	private OnJava25() {
	}

	/**
	 * Runs {@code testClass}'s tests in Java 25 on this classpath with {@code jvmOptions}; fails if
	 * any fails. Skipped where the tests run on Java 22 or newer already (as in the fork itself).
	 */
	public static void runTests(Class<?> testClass, String... jvmOptions) throws IOException, InterruptedException {
		assumeTrue(Runtime.version().feature() < 22, "these tests run on Java " + Runtime.version().feature() + " already");
		assumeTrue(Files.isExecutable(JAVA), "SKIPPED: no Java 25 at " + JAVA);
		List<String> command = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED"));
		command.addAll(List.of(jvmOptions));
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), OnJava25.class.getName(), testClass.getName()));
		Path output = Files.createTempFile("on-java25", ".txt");
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
			if (!process.waitFor(120, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
			String text = Files.readString(output);
			assertThat(process.isAlive() ? -1 : process.exitValue()).as(text).isZero();
			assertThat(text).as("no warning, no failure").startsWith("passed ");
		} finally {
			Files.delete(output);
		}
	}

	/** In the forked JVM: runs the tests of the class named by {@code args[0]}, exits 1 at the first failure. */
	public static void main(String[] args) throws ReflectiveOperationException {
		Class<?> testClass = Class.forName(args[0]);
		Constructor<?> constructor = testClass.getDeclaredConstructor();
		constructor.setAccessible(true);
		int passed = 0;
		int skipped = 0;
		for (Method test : testClass.getDeclaredMethods()) {
			if (!test.isAnnotationPresent(Test.class)) {
				continue;
			}
			test.setAccessible(true);
			try {
				test.invoke(constructor.newInstance());
				passed++;
			} catch (InvocationTargetException e) {
				if (!(e.getCause() instanceof TestAbortedException)) {
					System.out.println("failed " + test.getName());
					e.getCause().printStackTrace(System.out);
					System.exit(1);
				}
				skipped++;
			}
		}
		System.out.println("passed " + passed + " tests of " + testClass.getSimpleName() + ", skipped " + skipped + " on Java "
				+ Runtime.version());
	}
}
