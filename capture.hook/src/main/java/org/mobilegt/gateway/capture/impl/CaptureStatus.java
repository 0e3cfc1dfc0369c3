package org.mobilegt.gateway.capture.impl;

import java.util.Locale;

import org.mobilegt.gateway.capture.impl.CaptureSettings.Method;

/** The one-line capture status of {@code vpn:status} and the log. */
final class CaptureStatus {

	private CaptureStatus() {
	}

	/**
	 * @param s           the running settings, or null when the configuration is invalid ({@code configError} says why)
	 * @param used        the bytes in the output directory when last measured, -1 before
	 * @param lastError   the last error, or null
	 */
	static String line(CaptureSettings s, String configError, ScriptCaptures scripts, int running, long used, String lastError) {
		StringBuilder sb = new StringBuilder();
		if (s == null) {
			sb.append("mode off (configuration invalid: ").append(configError).append(')');
		} else {
			sb.append("mode ").append(name(s.mode()));
			sb.append(", method ").append(name(s.method()));
			if (s.method() == Method.SCRIPT) {
				sb.append(" (").append(scripts.description(s)).append(')');
			}
			sb.append(", dir ").append(s.dir()).append(", ").append(running).append(" running (max ").append(s.maxConcurrent()).append(')');
			sb.append(", maxSeconds ").append(s.maxSeconds() > 0 ? Integer.toString(s.maxSeconds()) : "unlimited");
			sb.append(", maxTotalBytes ").append(s.maxTotalBytes() > 0 ? Long.toString(s.maxTotalBytes()) : "unlimited");
			if (used >= 0) {
				sb.append(" (").append(used).append(" used)");
			}
		}
		if (lastError != null) {
			sb.append("; last error: ").append(lastError);
		}
		return sb.toString();
	}

	private static String name(Enum<?> e) {
		return e.name().toLowerCase(Locale.ROOT);
	}
}
