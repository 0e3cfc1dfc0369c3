package org.mobilegt.gateway.common.testing;

import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.util.Map;

/** Component property types (configuration annotations) the way DS builds them, for unit tests. */
public final class Annotations {

	private Annotations() {
	}

	/** An instance of {@code type} answering {@code values}, every other element at its default. */
	public static <A extends Annotation> A of(Class<A> type, Map<String, ?> values) {
		return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type },
				(proxy, method, args) -> switch (method.getName()) {
				case "annotationType" -> type;
				case "toString" -> type.getSimpleName() + values;
				case "hashCode" -> values.hashCode();
				case "equals" -> proxy == args[0];
				default -> values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue();
				}));
	}
}
