package org.mobilegt.gateway.tunnel.impl;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Just enough of a framework for TunnelServer without one: a data area, the system bundle's
 * service registry (filters are not evaluated: only hand-over offers are registered here) and
 * the bundle's start mark, which tells an update (marked) from an operator's stop.
 */
final class FakeFramework {

	private final Path data;
	/** Registered services by their reference. */
	final Map<ServiceReference<?>, Object> services = new ConcurrentHashMap<>();
	volatile boolean persistentlyStarted = true;

	FakeFramework(Path data) {
		this.data = data;
	}

	BundleContext context() {
		return proxy(BundleContext.class, (method, args) -> switch (method) {
		case "getProperty" -> Constants.FRAMEWORK_UUID.equals(args[0]) ? "framework-1" : null;
		case "getDataFile" -> data.resolve((String) args[0]).toFile();
		case "getBundle" -> args == null ? bundle() : system();
		case "registerService" -> register((Dictionary<?, ?>) args[2], args[1]);
		case "getServiceReferences" -> services.isEmpty() ? null : List.copyOf(services.keySet());
		case "getService" -> services.get(args[0]);
		case "ungetService" -> true;
		default -> throw new UnsupportedOperationException(method);
		});
	}

	private Bundle system() {
		return proxy(Bundle.class, (method, args) -> switch (method) {
		case "getState" -> Bundle.ACTIVE;
		case "getBundleContext" -> context();
		default -> throw new UnsupportedOperationException(method);
		});
	}

	private Bundle bundle() {
		BundleStartLevel level = proxy(BundleStartLevel.class, (method, args) -> switch (method) {
		case "isPersistentlyStarted" -> persistentlyStarted;
		default -> throw new UnsupportedOperationException(method);
		});
		return proxy(Bundle.class, (method, args) -> switch (method) {
		case "adapt" -> level;
		case "findEntries" -> null;
		default -> throw new UnsupportedOperationException(method);
		});
	}

	private ServiceRegistration<?> register(Dictionary<?, ?> props, Object service) {
		ServiceReference<?> ref = proxy(ServiceReference.class, (method, args) -> switch (method) {
		case "getProperty" -> props.get(args[0]);
		case "hashCode" -> System.identityHashCode(props);
		case "equals" -> args[0] != null && Proxy.isProxyClass(args[0].getClass()) && args[0].hashCode() == System.identityHashCode(props);
		default -> throw new UnsupportedOperationException(method);
		});
		services.put(ref, service);
		return proxy(ServiceRegistration.class, (method, args) -> switch (method) {
		case "unregister" -> {
			if (services.remove(ref) == null) {
				throw new IllegalStateException("unregistered already");
			}
			yield null;
		}
		default -> throw new UnsupportedOperationException(method);
		});
	}

	private interface Handler {
		Object invoke(String method, Object[] args);
	}

	@SuppressWarnings("unchecked")
	private static <T> T proxy(Class<T> type, Handler handler) {
		return (T) Proxy.newProxyInstance(FakeFramework.class.getClassLoader(), new Class<?>[] { type },
				(proxy, method, args) -> handler.invoke(method.getName(), args));
	}
}
