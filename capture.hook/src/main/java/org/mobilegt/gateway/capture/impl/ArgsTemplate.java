package org.mobilegt.gateway.capture.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.mobilegt.gateway.common.ConfigValueException;

/**
 * The capture script's argument template: blank-separated arguments with {@code {name}}
 * placeholders. Expansion replaces placeholders within each argument and never splits or
 * re-parses a value, so the result is an argv vector: client-controlled text can neither add
 * arguments nor reach a shell.
 */
final class ArgsTemplate {

	static final String TUN = "tun";
	static final String CLIENT = "client";
	static final String ADDRESS = "address";
	/** The IPv6 tunnel address, empty for a session without one. */
	static final String ADDRESS6 = "address6";
	static final String ENDPOINT = "endpoint";
	static final String SESSION = "session";
	static final String DIR = "dir";
	static final String TIME = "time";
	static final String MAX_BYTES = "maxBytes";
	static final String FILES = "files";
	static final Set<String> NAMES = Set.of(TUN, CLIENT, ADDRESS, ADDRESS6, ENDPOINT, SESSION, DIR, TIME, MAX_BYTES, FILES);

	/** What the bundled script expects: TUN, address to filter on, output prefix, file size, ring size, IPv6 address. */
	static final String DEFAULT = "{tun} {address} {dir}/{time}_s{session}_{client} {maxBytes} {files} {address6}";

	private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)\\}");

	private final List<String> arguments;

	private ArgsTemplate(List<String> arguments) {
		this.arguments = arguments;
	}

	/** Parses and checks {@code template}: every placeholder must be a known one. */
	static ArgsTemplate parse(String template) {
		String text = template == null ? "" : template.strip();
		List<String> arguments = text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
		for (String argument : arguments) {
			Matcher m = PLACEHOLDER.matcher(argument);
			while (m.find()) {
				if (!NAMES.contains(m.group(1))) {
					throw new ConfigValueException(CaptureConfig.PID, "args", template,
							"has an unknown placeholder {" + m.group(1) + "} (known: " + String.join(", ", NAMES.stream().sorted().toList()) + ")");
				}
			}
		}
		return new ArgsTemplate(arguments);
	}

	/** The argument vector for {@code values} (placeholder name → value; all names must be there). */
	List<String> expand(Map<String, String> values) {
		List<String> argv = new ArrayList<>(arguments.size());
		for (String argument : arguments) {
			Matcher m = PLACEHOLDER.matcher(argument);
			StringBuilder sb = new StringBuilder();
			while (m.find()) {
				String value = values.get(m.group(1));
				if (value == null) {
					throw new IllegalArgumentException("no value for placeholder {" + m.group(1) + "}");
				}
				m.appendReplacement(sb, Matcher.quoteReplacement(value));
			}
			m.appendTail(sb);
			argv.add(sb.toString());
		}
		return argv;
	}

	/** Whether some argument contains placeholder {@code name}. */
	boolean uses(String name) {
		return arguments.stream().anyMatch(a -> a.contains("{" + name + "}"));
	}

	@Override
	public String toString() {
		return String.join(" ", arguments);
	}
}
