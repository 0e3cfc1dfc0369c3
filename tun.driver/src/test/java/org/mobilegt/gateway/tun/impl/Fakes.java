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

import org.mobilegt.gateway.common.testing.Annotations;
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

/**
 * Just enough of OSGi (DS, the service registry, CM) to drive TunDriver directly; the logger and
 * EventAdmin are common's test support ({@code org.mobilegt.gateway.common.testing}).
 */
final class Fakes {

	/** Why DS deactivates a component when its bundle stops (for any reason). */
	static final int BUNDLE_STOPPED = ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED;

	/** The kept default subnet6 of every fake configuration directory. */
	static final String ULA_PREFIX = "fd12:3456:789a::/64";
	static final UlaPrefix ULA = keptUla();

	private Fakes() {
	}

	private static UlaPrefix keptUla() {
		try {
			Path file = Files.createTempDirectory("mgt-conf").resolve(UlaPrefix.FILE);
			Files.writeString(file, ULA_PREFIX + "\n");
			return new UlaPrefix(file, new java.util.Random(0), m -> { });
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
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
		return Annotations.of(TunConfig.class, values);
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
					if (method.getName().equals("getProperty") && UlaPrefix.CONF_PROPERTY.equals(args[0])) {
						return dataArea().resolve("conf").toString(); // kept as long as the data area, for the tests
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
