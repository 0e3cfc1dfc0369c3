package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.mobilegt.gateway.tun.api.TunDevice;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;

/** Just enough of OSGi (DS, the service registry, CM, EventAdmin, logging) to drive TunDriver directly. */
final class Fakes {

	/** Why DS deactivates a component when its bundle stops (for any reason). */
	static final int BUNDLE_STOPPED = ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED;

	private Fakes() {
	}

	static Map<String, Object> copy(Dictionary<?, ?> d) {
		Map<String, Object> copy = new HashMap<>();
		for (Object k : Collections.list(d.keys())) {
			copy.put((String) k, d.get(k));
		}
		return copy;
	}

	/** A TunConfig with the given values, every other key at its declared default. */
	static TunConfig config(Map<String, Object> values) {
		return (TunConfig) Proxy.newProxyInstance(TunConfig.class.getClassLoader(), new Class<?>[] { TunConfig.class },
				(proxy, method, args) -> switch (method.getName()) {
				case "annotationType" -> TunConfig.class;
				case "toString" -> "TunConfig" + values;
				case "hashCode" -> values.hashCode();
				case "equals" -> proxy == args[0];
				default -> values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue();
				});
	}

	/** The component properties DS would pass along with {@link #config(Map)}. */
	static Map<String, Object> properties(Map<String, Object> values) {
		Map<String, Object> props = new HashMap<>(values);
		props.put("component.name", TunDriver.class.getName());
		props.put("component.id", 7L);
		props.put("service.pid", TunConfig.PID);
		return props;
	}

	/**
	 * Records services registered through a BundleContext, and plays the framework's state when the
	 * driver stops: by default a shutdown; {@link #updating()} a bundle update, {@link #stoppedByOperator()}
	 * an operator's stop.
	 */
	static final class Registry {
		final List<Registration> registrations = new ArrayList<>();
		private int frameworkState = Bundle.STOPPING;
		/** The framework run: {@link #restartFramework()} starts another, keeping the data area. */
		private String frameworkUuid = UUID.randomUUID().toString();
		private boolean persistentlyStarted = true;
		final BundleContext context = (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
				new Class<?>[] { BundleContext.class }, (proxy, method, args) -> {
					if (method.getName().equals("registerService") && args[0] instanceof Class<?> type) {
						Registration r = new Registration(type, args[1], (Dictionary<?, ?>) args[2]);
						registrations.add(r);
						return r;
					}
					if (method.getName().equals("getDataFile")) {
						return dataArea().resolve((String) args[0]).toFile();
					}
					if (method.getName().equals("getProperty") && Constants.FRAMEWORK_UUID.equals(args[0])) {
						return frameworkUuid;
					}
					if (method.getName().equals("getBundle")) {
						return args == null ? bundle(persistentlyStarted) : systemBundle();
					}
					throw new UnsupportedOperationException("fake BundleContext: " + method.getName());
				});

		private Path dataArea;

		void restartFramework() {
			frameworkUuid = UUID.randomUUID().toString();
		}

		/** The bundle's data area: a fresh directory per registry, kept over "updates" like the real one. */
		synchronized Path dataArea() {
			if (dataArea == null) {
				try {
					dataArea = Files.createTempDirectory("mgt-tun-data");
				} catch (IOException e) {
					throw new UncheckedIOException(e);
				}
			}
			return dataArea;
		}

		/** The framework runs on and the bundle stays marked for start: an update. */
		void updating() {
			frameworkState = Bundle.ACTIVE;
			persistentlyStarted = true;
		}

		/** The framework runs on, the bundle is stopped for good. */
		void stoppedByOperator() {
			frameworkState = Bundle.ACTIVE;
			persistentlyStarted = false;
		}

		private Bundle systemBundle() {
			return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] { Bundle.class },
					(proxy, method, args) -> {
						if (method.getName().equals("getState")) {
							return frameworkState;
						}
						throw new UnsupportedOperationException("fake system bundle: " + method.getName());
					});
		}

		private static Bundle bundle(boolean persistentlyStarted) {
			BundleStartLevel startLevel = (BundleStartLevel) Proxy.newProxyInstance(BundleStartLevel.class.getClassLoader(),
					new Class<?>[] { BundleStartLevel.class }, (proxy, method, args) -> {
						if (method.getName().equals("isPersistentlyStarted")) {
							return persistentlyStarted;
						}
						throw new UnsupportedOperationException("fake BundleStartLevel: " + method.getName());
					});
			return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] { Bundle.class },
					(proxy, method, args) -> {
						if (method.getName().equals("adapt") && args[0] == BundleStartLevel.class) {
							return startLevel;
						}
						throw new UnsupportedOperationException("fake bundle: " + method.getName());
					});
		}

		/** The TunDevice registered now, or null. */
		TunDevice device() {
			return registrations.stream().filter(r -> !r.unregistered && r.type == TunDevice.class)
					.map(r -> (TunDevice) r.service).findFirst().orElse(null);
		}

		Registration current() {
			return registrations.stream().filter(r -> !r.unregistered).findFirst().orElse(null);
		}
	}

	static final class Registration implements ServiceRegistration<Object> {
		final Class<?> type;
		final Object service;
		final List<Map<String, Object>> properties = new ArrayList<>();
		boolean unregistered;

		Registration(Class<?> type, Object service, Dictionary<?, ?> props) {
			this.type = type;
			this.service = service;
			properties.add(copy(props));
		}

		Map<String, Object> props() {
			return properties.get(properties.size() - 1);
		}

		@Override
		public ServiceReference<Object> getReference() {
			throw new UnsupportedOperationException();
		}

		@Override
		public void setProperties(Dictionary<String, ?> props) {
			properties.add(copy(props));
		}

		@Override
		public void unregister() {
			if (unregistered) {
				throw new IllegalStateException("unregistered twice");
			}
			unregistered = true;
		}
	}

	/** A Logger that keeps "LEVEL message" lines with the {} placeholders filled in. */
	static final class Log {
		final List<String> lines = Collections.synchronizedList(new ArrayList<>());
		final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] { Logger.class },
				(proxy, method, args) -> {
					String name = method.getName();
					if (name.startsWith("is")) {
						return true;
					}
					if (name.equals("getName")) {
						return "fake";
					}
					if (args != null && args[0] instanceof String format) {
						Object[] params = args.length == 1 ? new Object[0]
								: args.length == 2 && args[1] instanceof Object[] a ? a
										: java.util.Arrays.copyOfRange(args, 1, args.length);
						lines.add(name.toUpperCase() + " " + fill(format, params));
					}
					return null;
				});

		private static String fill(String format, Object[] params) {
			StringBuilder b = new StringBuilder();
			int from = 0;
			int i = 0;
			for (int at; (at = format.indexOf("{}", from)) >= 0; from = at + 2) {
				b.append(format, from, at).append(i < params.length ? params[i++] : "{}");
			}
			return b.append(format.substring(from)).toString();
		}

		List<String> at(String level) {
			synchronized (lines) {
				return lines.stream().filter(l -> l.startsWith(level + " ")).map(l -> l.substring(level.length() + 1)).toList();
			}
		}
	}

	static final class Events implements EventAdmin {
		final List<Event> posted = Collections.synchronizedList(new ArrayList<>());

		@Override
		public void postEvent(Event event) {
			posted.add(event);
		}

		@Override
		public void sendEvent(Event event) {
			posted.add(event);
		}

		List<String> topics() {
			synchronized (posted) {
				return posted.stream().map(Event::getTopic).toList();
			}
		}

		Event last() {
			return posted.get(posted.size() - 1);
		}
	}

	/** ConfigurationAdmin that records what a rejection writes back. */
	static final class ConfigAdmin {
		final List<Map<String, Object>> restored = new ArrayList<>();
		final ConfigurationAdmin admin = (ConfigurationAdmin) Proxy.newProxyInstance(ConfigurationAdmin.class.getClassLoader(),
				new Class<?>[] { ConfigurationAdmin.class }, (proxy, method, args) -> {
					if (method.getName().equals("getConfiguration") && args.length == 2 && TunConfig.PID.equals(args[0])) {
						return configuration();
					}
					throw new UnsupportedOperationException("fake ConfigurationAdmin: " + method.getName());
				});

		private Configuration configuration() {
			return (Configuration) Proxy.newProxyInstance(Configuration.class.getClassLoader(),
					new Class<?>[] { Configuration.class }, (proxy, method, args) -> {
						if (method.getName().equals("updateIfDifferent")) {
							restored.add(copy((Dictionary<?, ?>) args[0]));
							return true;
						}
						throw new UnsupportedOperationException("fake Configuration: " + method.getName());
					});
		}
	}
}
