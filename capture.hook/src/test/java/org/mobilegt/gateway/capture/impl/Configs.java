package org.mobilegt.gateway.capture.impl;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Configuration annotations for tests, as DS builds them: given values, else the defaults. */
final class Configs {

	private Configs() {
	}

	static CaptureConfig capture(Map<String, Object> values) {
		return (CaptureConfig) Proxy.newProxyInstance(Configs.class.getClassLoader(), new Class<?>[] { CaptureConfig.class },
				(proxy, method, args) -> {
					if (values.containsKey(method.getName())) {
						return values.get(method.getName());
					}
					Object d = method.getDefaultValue();
					if (d == null) {
						throw new UnsupportedOperationException(method.getName());
					}
					return d;
				});
	}
}
