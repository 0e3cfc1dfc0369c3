package org.mobilegt.gateway.app.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * What Metatype says about a configuration PID: its keys, their types and ranges, which ones are
 * secrets. Turns {@code key=value} text into typed configuration properties and explains, key by
 * key, what is wrong with a value.
 */
public final class ConfigSchema {

	public static final String MASK = "****";
	/** Keys that hold secrets even where no Metatype says so. */
	private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|secret|passphrase|token|\\bkey)$");

	private final BundleContext context;
	private final MetaTypeService metaType;

	public ConfigSchema(BundleContext context, MetaTypeService metaType) {
		this.context = context;
		this.metaType = metaType;
	}

	/** The OCD of {@code pid} from whichever bundle describes it. */
	public Optional<ObjectClassDefinition> ocd(String pid) {
		for (Bundle b : context.getBundles()) {
			MetaTypeInformation info = metaType.getMetaTypeInformation(b);
			if (info != null && Arrays.asList(info.getPids()).contains(pid)) {
				return Optional.ofNullable(info.getObjectClassDefinition(pid, null));
			}
		}
		return Optional.empty();
	}

	public Map<String, AttributeDefinition> attributes(String pid) {
		Map<String, AttributeDefinition> ads = new LinkedHashMap<>();
		ocd(pid).map(o -> o.getAttributeDefinitions(ObjectClassDefinition.ALL)).ifPresent(all -> {
			for (AttributeDefinition ad : all) {
				ads.put(ad.getID(), ad);
			}
		});
		return ads;
	}

	/**
	 * Problems with {@code values} for {@code pid}, one message per bad key, naming key and rule.
	 * Empty when valid or when nothing describes the PID.
	 */
	public List<String> validate(String pid, Map<String, String> values) {
		return new ArrayList<>(problemsByKey(pid, values, true).values());
	}

	/**
	 * The problem of each bad key among {@code values}: its value against the Metatype type,
	 * range, options and cardinality; {@code unknownKeys} whether a key Metatype does not describe
	 * is a problem. Empty when valid or when nothing describes the PID.
	 */
	public Map<String, String> problemsByKey(String pid, Map<String, String> values, boolean unknownKeys) {
		Map<String, AttributeDefinition> ads = attributes(pid);
		Map<String, String> problems = new LinkedHashMap<>();
		if (ads.isEmpty()) {
			return problems;
		}
		values.forEach((key, value) -> {
			AttributeDefinition ad = ads.get(key);
			if (ad == null) {
				if (unknownKeys) {
					problems.put(key, "unknown key '" + key + "' (known: " + String.join(", ", ads.keySet()) + ")");
				}
				return;
			}
			List<String> items = items(ad, value);
			int most = maxValues(ad.getCardinality());
			if (items.size() > most) {
				problems.put(key, "key '" + key + "': at most " + most + " value(s), not " + items.size());
				return;
			}
			for (String item : items) {
				String verdict = ad.validate(item);
				if (verdict != null && !verdict.isEmpty()) {
					problems.put(key, "key '" + key + "': " + shown(pid, key, item) + " is invalid: " + verdict);
					return;
				}
			}
		});
		return problems;
	}

	/** The configuration keys of {@code props} (no service.*, felix.*, component.*) with their values as text. */
	public static Map<String, String> texts(Dictionary<String, ?> props) {
		Map<String, String> values = new LinkedHashMap<>();
		if (props != null) {
			for (var keys = props.keys(); keys.hasMoreElements();) {
				String key = keys.nextElement();
				if (!key.startsWith("service.") && !key.startsWith("felix.") && !key.startsWith("component.")) {
					values.put(key, text(props.get(key)));
				}
			}
		}
		return values;
	}

	/** Typed properties for Configuration Admin, as Metatype declares them; unknown keys stay text. */
	public Dictionary<String, Object> convert(String pid, Map<String, String> values) {
		Map<String, AttributeDefinition> ads = attributes(pid);
		Hashtable<String, Object> props = new Hashtable<>();
		values.forEach((key, value) -> {
			AttributeDefinition ad = ads.get(key);
			props.put(key, ad == null ? value : typed(ad, value));
		});
		return props;
	}

	/** The Metatype default of {@code key} as text, or null when there is none. */
	public String defaultText(String pid, String key) {
		AttributeDefinition ad = attributes(pid).get(key);
		String[] defaults = ad == null ? null : ad.getDefaultValue();
		return defaults == null ? null : String.join(",", defaults);
	}

	/** The text form of a configuration value (lists joined with commas). */
	public static String text(Object value) {
		if (value instanceof Object[] array) {
			return String.join(",", Arrays.stream(array).map(String::valueOf).toList());
		}
		if (value instanceof java.util.Collection<?> c) {
			return String.join(",", c.stream().map(String::valueOf).toList());
		}
		return String.valueOf(value);
	}

	public boolean secret(String pid, String key) {
		AttributeDefinition ad = attributes(pid).get(key);
		return (ad != null && ad.getType() == AttributeDefinition.PASSWORD) || SECRET_NAME.matcher(key).matches();
	}

	/** The value as operators may see it: secrets masked. */
	public String shown(String pid, String key, Object value) {
		return secret(pid, key) && value != null && !text(value).isEmpty() ? MASK : text(value);
	}

	/** How many values a Metatype cardinality allows (0 is one; MIN_VALUE and MAX_VALUE are unbounded). */
	static int maxValues(int cardinality) {
		return cardinality == 0 ? 1 : cardinality == Integer.MIN_VALUE ? Integer.MAX_VALUE : Math.abs(cardinality);
	}

	private static List<String> items(AttributeDefinition ad, String value) {
		if (ad.getCardinality() == 0) {
			return List.of(value);
		}
		return value.isBlank() ? List.of() : Arrays.stream(value.split(",")).map(String::strip).toList();
	}

	private static Object typed(AttributeDefinition ad, String value) {
		List<String> items = items(ad, value);
		if (ad.getCardinality() == 0) {
			return scalar(ad.getType(), value.strip());
		}
		return switch (ad.getType()) {
		case AttributeDefinition.INTEGER -> items.stream().map(Integer::valueOf).toArray(Integer[]::new);
		case AttributeDefinition.LONG -> items.stream().map(Long::valueOf).toArray(Long[]::new);
		case AttributeDefinition.BOOLEAN -> items.stream().map(Boolean::valueOf).toArray(Boolean[]::new);
		default -> items.toArray(String[]::new);
		};
	}

	private static Object scalar(int type, String v) {
		return switch (type) {
		case AttributeDefinition.INTEGER -> Integer.valueOf(v);
		case AttributeDefinition.LONG -> Long.valueOf(v);
		case AttributeDefinition.BOOLEAN -> Boolean.valueOf(v);
		case AttributeDefinition.DOUBLE -> Double.valueOf(v);
		default -> v;
		};
	}
}
