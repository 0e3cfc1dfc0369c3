package org.mobilegt.gateway.app.ops;

import java.util.Map;

import org.apache.felix.service.command.CommandSession;

/**
 * How a vpn: command says it failed without changing what the shell prints: it marks its session
 * (the control socket then answers with a failure status, and the mobilegt CLI exits non-zero)
 * and returns the message, as {@code {"error": "..."}} with --json.
 */
public final class Failure {

	/** The session variable a failed command sets to {@code Boolean.TRUE}. */
	public static final String VARIABLE = ".mobilegt.failed";

	private Failure() {
	}

	public static String of(CommandSession session, boolean json, String message) {
		if (session != null) {
			session.put(VARIABLE, Boolean.TRUE);
		}
		return json ? Views.json(Map.of("error", message)) : message;
	}

	/** {@code {"error": message}}, for failures outside the commands (an unknown command, a bad argument). */
	public static String json(String message) {
		return Views.json(Map.of("error", message == null ? "failed" : message));
	}
}
