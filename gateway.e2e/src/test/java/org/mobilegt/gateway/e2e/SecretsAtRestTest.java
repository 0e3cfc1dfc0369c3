package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * After a full run (start with a generated console password, the key and the console password
 * changed through {@code vpn:set}, stop), every file holding the shared key or the console password is 0600 and the framework
 * storage, which holds Configuration Admin's copies, is 0700. The modes are listed in the test
 * output.
 */
@RequiresRoot
class SecretsAtRestTest {

	private static final String NEW_KEY = "rotated-Key-" + ProcessHandle.current().pid();

	@Test
	void secretsAreOwnerOnlyAfterAFullRun() {
		try (Topology t = Topology.create(); Gateway gw = Scenarios.gateway(t, "SecretsAtRestTest/run").start()) {
			gw.awaitTunnel(Scenarios.START);
			gw.awaitConsole(Duration.ofSeconds(30));
			assertThat(gw.gogo("vpn:set mobilegt.auth key " + NEW_KEY)).contains("applied");
			ConsoleGuardTest.awaitFile(gw.workDir().resolve("conf").resolve("mobilegt.auth.cfg"), "key=" + NEW_KEY);
			// the two files the test wrote before the start now hold secrets the gateway wrote
			assertThat(gw.gogo("vpn:set mobilegt.console password " + NEW_KEY)).contains("applied");
			ConsoleGuardTest.awaitFile(gw.workDir().resolve("conf").resolve("mobilegt.console.cfg"), "password=" + NEW_KEY);
			gw.stop();

			Path work = gw.workDir();
			Map<String, String> modes = modes(work);
			modes.forEach((path, mode) -> E2e.log(mode + " " + path));

			Path storage = work.resolve("data").resolve("framework");
			assertThat(mode(storage)).as("framework storage %s", storage).isEqualTo("rwx------");
			try (Stream<Path> cfgs = Files.list(work.resolve("conf"))) {
				for (Path cfg : cfgs.filter(p -> p.toString().endsWith(".cfg")).toList()) {
					assertThat(mode(cfg)).as("%s", cfg).isEqualTo("rw-------");
				}
			}
			List<Path> passwords = find(storage, p -> p.getFileName().toString().equals("console-password"));
			assertThat(passwords).as("the generated console password file").hasSize(1);
			assertThat(mode(passwords.get(0))).as("%s", passwords.get(0)).isEqualTo("rw-------");
			// gw.outputFile() is the test's own capture of the console, where the vpn:set command was typed
			List<Path> holdingKey = find(work, p -> !p.equals(gw.outputFile()) && contains(p, NEW_KEY));
			assertThat(holdingKey).as("files holding the key").isNotEmpty();
			for (Path p : holdingKey) {
				// Configuration Admin writes its own files with the umask: they are private through the 0700 storage
				assertThat(p.startsWith(storage) || mode(p).equals("rw-------")).as("%s (%s) is private", p, mode(p)).isTrue();
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static Map<String, String> modes(Path root) throws IOException {
		Map<String, String> modes = new TreeMap<>();
		try (Stream<Path> all = Files.walk(root)) {
			all.forEach(p -> modes.put(root.relativize(p).toString(), mode(p)));
		}
		return modes;
	}

	private static List<Path> find(Path root, java.util.function.Predicate<Path> match) throws IOException {
		try (Stream<Path> all = Files.walk(root)) {
			return all.filter(Files::isRegularFile).filter(match).toList();
		}
	}

	private static boolean contains(Path file, String text) {
		try {
			return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains(text);
		} catch (IOException e) {
			return false;
		}
	}

	private static String mode(Path p) {
		try {
			return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
