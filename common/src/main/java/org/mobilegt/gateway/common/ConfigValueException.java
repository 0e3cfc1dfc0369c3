package org.mobilegt.gateway.common;

/**
 * A configuration value that breaks a rule. The message names the PID, the key, the value and the
 * rule, so operators see exactly what to fix; the component keeps its previous configuration.
 */
public final class ConfigValueException extends IllegalArgumentException {
	private static final long serialVersionUID = 1L;

	private final String pid;
	private final String key;

	public ConfigValueException(String pid, String key, Object value, String rule) {
		super(pid + ": " + key + "=" + value + " " + rule);
		this.pid = pid;
		this.key = key;
	}

	/** {@code value}, or a refusal unless it lies between {@code min} and {@code max} (inclusive). */
	public static int between(String pid, String key, int value, int min, int max) {
		if (value < min || value > max) {
			throw new ConfigValueException(pid, key, value, "must be between " + min + " and " + max);
		}
		return value;
	}

	public String pid() {
		return pid;
	}

	public String key() {
		return key;
	}
}
