package org.mobilegt.gateway.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Debian package's sources in gateway.deb (system property mobilegt.deb.dir, set by the pom):
 * the systemd unit {@code mobilegt.service} as the tests read it, so that what they run is what
 * the package installs, and the other files the package ships.
 */
final class ServiceUnit {

	/** Where the package puts things, and where a test's own directories stand in for them. */
	static final String JAVA = "/usr/bin/java";
	static final String JAR = "/usr/share/mobilegt/gateway.jar";
	static final String CONF = "/etc/mobilegt";
	static final String STATE = "/var/lib/mobilegt";
	static final String LOGS = "/var/log/mobilegt";
	static final String RUN = "/run/mobilegt";
	static final String SYSCTL = "/usr/lib/sysctl.d/60-mobilegt.conf";

	private final Map<String, List<String>> service;

	private ServiceUnit(Map<String, List<String>> service) {
		this.service = service;
	}

	static Path debDir() {
		return Path.of(System.getProperty("mobilegt.deb.dir", "../gateway.deb")).toAbsolutePath().normalize();
	}

	static Path unitFile() {
		return debDir().resolve("src/deb/systemd/mobilegt.service");
	}

	/** The package's source file for {@code /etc/mobilegt/org.ops4j.pax.logging.cfg}. */
	static Path loggingCfg() {
		return debDir().resolve("src/deb/etc/org.ops4j.pax.logging.cfg");
	}

	/** The package mvn package built: the one {@code target/mobilegt_*_all.deb} of gateway.deb. */
	static Path debFile() {
		try (Stream<Path> files = Files.list(debDir().resolve("target"))) {
			List<Path> debs = files.filter(p -> p.getFileName().toString().matches("mobilegt_.+_all\\.deb")).toList();
			if (debs.size() != 1) {
				throw new IllegalStateException("expected one mobilegt_*_all.deb in " + debDir().resolve("target") + ": " + debs
						+ " (build it: mvn -B package)");
			}
			return debs.get(0);
		} catch (IOException e) {
			throw new UncheckedIOException("no package built in " + debDir(), e);
		}
	}

	/** Unpacks the package's files (dpkg-deb -x, no maintainer scripts) into {@code dir}. */
	static Path unpack(Path dir) {
		Exec.run(Duration.ofSeconds(60), List.of("dpkg-deb", "-x", debFile().toString(), dir.toString())).check();
		return dir;
	}

	/** The [Service] section of the unit in the source tree: each key with its values in order. */
	static ServiceUnit read() {
		return read(unitFile());
	}

	/** The [Service] section of {@code file}: each key with its values in order. */
	static ServiceUnit read(Path file) {
		Map<String, List<String>> service = new LinkedHashMap<>();
		String section = "";
		try {
			for (String raw : Files.readAllLines(file)) {
				String line = raw.strip();
				if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
					continue;
				}
				if (line.startsWith("[")) {
					section = line;
				} else if (section.equals("[Service]")) {
					int eq = line.indexOf('=');
					service.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read " + file, e);
		}
		return new ServiceUnit(service);
	}

	/** The values of {@code key} in [Service] (empty if absent). */
	List<String> get(String key) {
		return service.getOrDefault(key, List.of());
	}

	/** The one value of {@code key}. */
	String one(String key) {
		List<String> values = get(key);
		if (values.size() != 1) {
			throw new AssertionError(unitFile() + ": " + key + " should be set once: " + values);
		}
		return values.get(0);
	}

	/**
	 * A command line of the unit split into words; the unit uses neither quotes nor variables, so
	 * words are what systemd runs. {@code +} and {@code -} prefixes are removed.
	 */
	static List<String> words(String commandLine) {
		if (commandLine.matches(".*[\"'$%\\\\].*")) {
			throw new AssertionError("the unit's command line should be plain words: " + commandLine);
		}
		String plain = commandLine.replaceFirst("^[-+!@:]+", "");
		return List.of(plain.split("\\s+"));
	}

	/** ExecStart with each packaged path replaced by its stand-in: {@code paths} maps prefixes. */
	List<String> execStart(Map<String, String> paths) {
		return words(one("ExecStart")).stream().map(word -> relocate(word, paths)).toList();
	}

	static String relocate(String word, Map<String, String> paths) {
		for (Map.Entry<String, String> p : paths.entrySet()) {
			int at = word.indexOf(p.getKey());
			if (at >= 0) {
				return word.substring(0, at) + p.getValue() + word.substring(at + p.getKey().length());
			}
		}
		return word;
	}
}
