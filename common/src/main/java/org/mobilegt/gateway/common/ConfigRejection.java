package org.mobilegt.gateway.common;

import java.io.IOException;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;

/**
 * What a component does when a new configuration cannot be applied: it keeps running with the
 * previous one, says why in the log, announces the verdict on EventAdmin (so {@code vpn:set} can
 * tell the operator) and writes the previous values back into Configuration Admin, so the bad
 * value is neither kept nor applied again at the next start.
 */
public final class ConfigRejection {

	/** EventAdmin topic of a configuration a component refused; properties {@link #PID}, {@link #KEY}, {@link #MESSAGE}. */
	public static final String TOPIC_REJECTED = "org/mobilegt/gateway/config/REJECTED";
	/** EventAdmin topic of a configuration a component applied; property {@link #PID}. */
	public static final String TOPIC_APPLIED = "org/mobilegt/gateway/config/APPLIED";
	public static final String PID = "pid";
	public static final String KEY = "key";
	public static final String MESSAGE = "message";

	private ConfigRejection() {
	}

	/** Reports that {@code pid}'s new configuration was applied. */
	public static void applied(EventAdmin events, String pid) {
		if (events != null) {
			events.postEvent(new Event(TOPIC_APPLIED, Map.of(PID, pid)));
		}
	}

	/**
	 * Reports the rejection of {@code pid}'s new configuration and restores {@code previous} (the
	 * component properties it runs with) in Configuration Admin.
	 */
	public static void rejected(Logger log, EventAdmin events, ConfigurationAdmin cm, String pid,
			Map<String, Object> previous, Exception cause) {
		String key = cause instanceof ConfigValueException c ? c.key() : "";
		log.error("Configuration {} rejected, keeping the previous one: {}", pid, cause.getMessage());
		if (events != null) {
			Map<String, Object> props = new HashMap<>();
			props.put(PID, pid);
			props.put(KEY, key);
			props.put(MESSAGE, String.valueOf(cause.getMessage()));
			events.postEvent(new Event(TOPIC_REJECTED, props));
		}
		if (cm != null) {
			try {
				Configuration configuration = cm.getConfiguration(pid, "?");
				configuration.updateIfDifferent(configurationOnly(previous));
			} catch (IOException | RuntimeException e) {
				log.error("Could not restore the previous configuration of {}: {}", pid, e.getMessage());
			}
		}
	}

	/**
	 * The configuration keys of a component's properties, without what the framework, DS and CM
	 * add. The defaults of the component's configuration type are component properties too, so they
	 * are restored explicitly; the configuration directory keeps default values out of the files.
	 */
	public static Dictionary<String, Object> configurationOnly(Map<String, Object> componentProperties) {
		Hashtable<String, Object> d = new Hashtable<>();
		componentProperties.forEach((k, v) -> {
			if (!k.startsWith("component.") && !k.startsWith("service.") && !k.startsWith("felix.")
					&& !k.startsWith("osgi.") && !k.equals("objectClass") && v != null) {
				d.put(k, v);
			}
		});
		return d;
	}
}
