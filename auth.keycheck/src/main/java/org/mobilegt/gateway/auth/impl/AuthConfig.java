package org.mobilegt.gateway.auth.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = AuthConfig.PID, name = "mobilegt authentication",
		description = "The shared key clients must send, which client ids may connect, and how sources that keep failing are throttled.")
public @interface AuthConfig {

	String PID = "mobilegt.auth";

	@AttributeDefinition(name = "Shared key", type = AttributeType.PASSWORD, description = "The secret clients send in their handshake. Without one every handshake is refused.")
	String key() default "";

	@AttributeDefinition(name = "Allowed client ids", description = "Client ids that may connect; empty allows any id and anonymous ToyVpn clients. With a list, anonymous clients are refused.")
	String[] clientIds() default {};

	@AttributeDefinition(name = "Failures per minute", description = "A source (an IPv4 address, or an IPv6 /64) failing this many times within a minute is throttled (dropped without work) until the minute ends.", min = "1", max = "100000")
	int maxFailuresPerMinute() default 10;

	@AttributeDefinition(name = "Illegal-attempt log size", description = "How many illegal attempts the in-memory log keeps.", min = "10", max = "100000")
	int logSize() default 1000;
}
