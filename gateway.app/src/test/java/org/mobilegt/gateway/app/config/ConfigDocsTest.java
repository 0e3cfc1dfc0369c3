package org.mobilegt.gateway.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.app.ops.Operations;

/**
 * Every parameter is described in three places: the Metatype of its component's {@code *Config}
 * annotation, the packaged {@code cnf/conf/<pid>.cfg} and the README's parameter table. This test
 * fails when they drift apart: a key missing from a copy, a different default, or a copy that
 * documents a key the component does not have. It also holds {@link Operations#PIDS} to the
 * configured components.
 */
class ConfigDocsTest {

	private static final String ROOT_PACKAGE = "org/mobilegt/gateway";
	/** A key line of a .cfg file, commented out (a documented default) or not. */
	private static final Pattern CFG_ENTRY = Pattern.compile("^#?([A-Za-z][A-Za-z0-9._-]*)=(.*)$");
	/** A row of the README's parameter table: | `pid` | `key` | `default` or empty |. */
	private static final Pattern README_ROW = Pattern.compile("^\\| `(mobilegt\\.[\\w.]+)` \\| `([^`]+)` \\| (?:`([^`]*)`)? *\\|");

	@Test
	void metatypeCfgFilesAndReadmeAgree() throws Exception {
		Map<String, Map<String, String>> metatype = metatype();
		assertThat(metatype).as("the *Config annotations found on the test class path").hasSizeGreaterThanOrEqualTo(9);
		Path root = projectRoot();
		List<String> drift = new ArrayList<>();
		Set<String> cfgFiles = new TreeSet<>();
		try (Stream<Path> files = Files.list(root.resolve("cnf/conf"))) {
			files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("mobilegt.") && n.endsWith(".cfg"))
					.forEach(n -> cfgFiles.add(n.substring(0, n.length() - ".cfg".length())));
		}
		for (String pid : cfgFiles) {
			if (!metatype.containsKey(pid)) {
				drift.add("cnf/conf/" + pid + ".cfg: no component has PID " + pid);
			}
		}
		Map<String, Map<String, String>> readme = readme(root.resolve("README.md"));
		for (String pid : readme.keySet()) {
			if (!metatype.containsKey(pid)) {
				drift.add("README: no component has PID " + pid);
			}
		}
		metatype.forEach((pid, keys) -> {
			Path file = root.resolve("cnf/conf/" + pid + ".cfg");
			compare("cnf/conf/" + pid + ".cfg", keys, Files.exists(file) ? cfg(file) : Map.of(), drift);
			compare("README " + pid, keys, readme.getOrDefault(pid, Map.of()), drift);
		});
		assertThat(drift).as("drift between Metatype, cnf/conf/*.cfg and README").isEmpty();
	}

	@Test
	void operationsManagesExactlyTheConfiguredPids() throws Exception {
		assertThat(new TreeSet<>(Operations.PIDS)).isEqualTo(metatype().keySet());
	}

	private static void compare(String where, Map<String, String> metatype, Map<String, String> documented, List<String> drift) {
		metatype.forEach((key, value) -> {
			if (!documented.containsKey(key)) {
				drift.add(where + ": " + key + " is missing (default " + value + ")");
			} else if (!documented.get(key).equals(value)) {
				drift.add(where + ": " + key + " documented as '" + documented.get(key) + "', Metatype default '" + value + "'");
			}
		});
		for (String key : documented.keySet()) {
			if (!metatype.containsKey(key)) {
				drift.add(where + ": " + key + " is not a parameter");
			}
		}
	}

	private static Map<String, String> cfg(Path file) {
		Map<String, String> keys = new TreeMap<>();
		try {
			for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
				Matcher m = CFG_ENTRY.matcher(line.strip());
				if (m.matches()) {
					keys.put(m.group(1), m.group(2).strip());
				}
			}
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		return keys;
	}

	private static Map<String, Map<String, String>> readme(Path file) throws IOException {
		Map<String, Map<String, String>> pids = new TreeMap<>();
		for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
			Matcher m = README_ROW.matcher(line);
			if (m.find()) {
				pids.computeIfAbsent(m.group(1), p -> new TreeMap<>()).put(m.group(2), m.group(3) == null ? "" : m.group(3));
			}
		}
		assertThat(pids).as("the README's parameter table rows").isNotEmpty();
		return pids;
	}

	/** The key and default of every attribute of every {@code *Config} annotation with a PID, by PID. */
	static Map<String, Map<String, String>> metatype() throws Exception {
		Map<String, Map<String, String>> pids = new TreeMap<>();
		for (Class<?> type : configAnnotations()) {
			String pid = (String) type.getField("PID").get(null);
			Map<String, String> keys = new TreeMap<>();
			for (Method m : type.getDeclaredMethods()) {
				keys.put(key(m.getName()), text(m.getDefaultValue()));
			}
			pids.put(pid, keys);
		}
		return pids;
	}

	/** The attribute id Metatype derives from a method name (OSGi Compendium 105.15.2.2). */
	private static String key(String method) {
		return method.replace("$_$", "-").replace("$$", "\u0000").replace("$", "").replace("__", "\u0001").replace('_', '.')
				.replace('\u0000', '$').replace('\u0001', '_');
	}

	/** A default as a .cfg file writes it: arrays comma-separated. */
	private static String text(Object value) {
		if (value == null) {
			return "";
		}
		if (value.getClass().isArray()) {
			List<String> items = new ArrayList<>();
			for (int i = 0; i < Array.getLength(value); i++) {
				items.add(String.valueOf(Array.get(value, i)));
			}
			return String.join(",", items);
		}
		return String.valueOf(value);
	}

	/** Annotation types named *Config with a PID constant, in every class path entry of the gateway's packages. */
	private static Set<Class<?>> configAnnotations() throws IOException, URISyntaxException, ClassNotFoundException {
		Set<String> names = new TreeSet<>();
		ClassLoader loader = ConfigDocsTest.class.getClassLoader();
		for (URL url : Collections.list(loader.getResources(ROOT_PACKAGE))) {
			if (url.getProtocol().equals("jar")) {
				String jar = url.getPath().substring("file:".length(), url.getPath().indexOf('!'));
				try (FileSystem fs = FileSystems.newFileSystem(Path.of(jar))) {
					collect(fs.getPath("/"), names);
				}
			} else {
				Path dir = Path.of(url.toURI());
				collect(dir.resolve("../".repeat(ROOT_PACKAGE.split("/").length)).normalize(), names);
			}
		}
		Set<Class<?>> types = new java.util.LinkedHashSet<>();
		for (String name : names) {
			Class<?> c = Class.forName(name, false, loader);
			if (c.isAnnotation() && Stream.of(c.getFields()).anyMatch(f -> f.getName().equals("PID"))) {
				types.add(c);
			}
		}
		return types;
	}

	private static void collect(Path root, Set<String> names) throws IOException {
		Path base = root.resolve(ROOT_PACKAGE);
		if (!Files.isDirectory(base)) {
			return;
		}
		try (Stream<Path> files = Files.walk(base)) {
			files.map(p -> root.relativize(p).toString()).filter(n -> n.endsWith("Config.class"))
					.forEach(n -> names.add(n.substring(0, n.length() - ".class".length()).replace('/', '.')));
		}
	}

	/** The reactor's root: the directory above this module holding README.md and cnf/. */
	private static Path projectRoot() {
		for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
			if (Files.exists(p.resolve("README.md")) && Files.isDirectory(p.resolve("cnf/conf"))) {
				return p;
			}
		}
		throw new IllegalStateException("no README.md with cnf/conf above " + Path.of("").toAbsolutePath());
	}
}
