package org.mobilegt.gateway.common.testing;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.osgi.service.log.Logger;

/** An OSGi Logger that keeps "LEVEL message" lines, with {} placeholders filled in. */
public final class RecordingLogger {

	private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
	public final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
			new Class<?>[] { Logger.class }, (proxy, method, args) -> {
				String name = method.getName();
				if (name.equals("getName")) {
					return "test";
				}
				if (name.startsWith("is")) {
					return true;
				}
				if (args != null && args.length > 0 && args[0] instanceof String format) {
					Object[] params = args.length > 1 && args[1] instanceof Object[] a ? a
							: java.util.Arrays.copyOfRange(args, 1, args.length);
					lines.add(name.toUpperCase() + " " + format(format, params));
				}
				return null;
			});

	static String format(String format, Object[] params) {
		StringBuilder sb = new StringBuilder();
		int p = 0;
		int from = 0;
		for (int i = format.indexOf("{}"); i >= 0; i = format.indexOf("{}", from)) {
			sb.append(format, from, i).append(p < params.length ? params[p++] : "{}");
			from = i + 2;
		}
		return sb.append(format.substring(from)).toString();
	}

	public List<String> lines() {
		return List.copyOf(lines);
	}

	/** Messages logged at {@code level} (e.g. "WARN"). */
	public List<String> at(String level) {
		return lines().stream().filter(l -> l.startsWith(level + " ")).map(l -> l.substring(level.length() + 1)).toList();
	}
}
