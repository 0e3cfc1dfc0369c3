package org.mobilegt.gateway.common;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.Objects;

import org.mobilegt.gateway.config.api.ConfigVerdict;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;

/**
 * What a component does when a new configuration cannot be applied: it keeps running with the
 * previous one, says why in the log, announces the verdict on EventAdmin (so {@code vpn:set} can
 * tell the operator, see {@link ConfigVerdict}) and writes the previous values back into
 * Configuration Admin, so the bad value is neither kept nor applied again at the next start.
 */
public final class ConfigRejection {

	private ConfigRejection() {
	}

	/** Reports that {@code pid}'s new configuration was applied. */
	private static void applied(EventAdmin events, String pid) {
		if (events != null) {
			events.postEvent(new Event(ConfigVerdict.TOPIC_APPLIED, Map.of(ConfigVerdict.PID, pid)));
		}
	}

	/**
	 * Reports that {@code pid}'s configuration {@code next} (component properties) was applied,
	 * unless it is the configuration {@code previous} again. Above all the previous configuration
	 * restored after a rejection: nobody waits for a verdict on it, and one arriving late would be
	 * taken for the verdict on the operator's next change ({@code vpn:set} waits for the first).
	 */
	public static void applied(EventAdmin events, String pid, Map<String, Object> previous, Map<String, Object> next) {
		if (previous == null || !sameConfiguration(previous, next)) {
			applied(events, pid);
		}
	}

	/** Whether two sets of component properties hold the same configuration (list values compared by content). */
	static boolean sameConfiguration(Map<String, Object> a, Map<String, Object> b) {
		Dictionary<String, Object> x = configurationOnly(a);
		Dictionary<String, Object> y = configurationOnly(b);
		if (x.size() != y.size()) {
			return false;
		}
		for (String key : Collections.list(x.keys())) {
			if (!Objects.deepEquals(x.get(key), y.get(key))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Reports the rejection of {@code pid}'s new configuration and restores the configuration the
	 * component runs with in Configuration Admin: the attributes of its configuration {@code type}
	 * taken from {@code previous} (its component properties).
	 */
	public static void rejected(Logger log, EventAdmin events, ConfigurationAdmin cm, String pid,
			Class<? extends Annotation> type, Map<String, Object> previous, Exception cause) {
		String key = cause instanceof ConfigValueException c ? c.key() : "";
		log.error("Configuration {} rejected, keeping the previous one: {}", pid, cause.getMessage());
		if (events != null) {
			Map<String, Object> props = new HashMap<>();
			props.put(ConfigVerdict.PID, pid);
			props.put(ConfigVerdict.KEY, key);
			props.put(ConfigVerdict.MESSAGE, String.valueOf(cause.getMessage()));
			events.postEvent(new Event(ConfigVerdict.TOPIC_REJECTED, props));
		}
		if (cm != null) {
			try {
				Configuration configuration = cm.getConfiguration(pid, "?");
				configuration.updateIfDifferent(attributes(type, previous));
			} catch (IOException | RuntimeException e) {
				log.error("Could not restore the previous configuration of {}: {}", pid, e.getMessage());
			}
		}
	}

	/**
	 * The values of the attributes of configuration {@code type} (its method names are the keys)
	 * among a component's properties. Its defaults are component properties too, so they are
	 * restored explicitly (the configuration directory keeps default values out of the files); what
	 * the component declares for itself, such as {@code event.topics} of an event handler, is not
	 * configuration and must not end up in the operator's file.
	 */
	static Dictionary<String, Object> attributes(Class<? extends Annotation> type, Map<String, Object> componentProperties) {
		Hashtable<String, Object> d = new Hashtable<>();
		for (Method m : type.getDeclaredMethods()) {
			Object v = componentProperties.get(m.getName());
			if (v != null) {
				d.put(m.getName(), v);
			}
		}
		return d;
	}

	/** The keys of a component's properties without what the framework, DS and CM add. */
	private static Dictionary<String, Object> configurationOnly(Map<String, Object> componentProperties) {
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
