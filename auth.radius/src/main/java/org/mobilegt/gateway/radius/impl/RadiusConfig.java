package org.mobilegt.gateway.radius.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = RadiusConfig.PID, name = "mobilegt RADIUS",
		description = "Authentication and accounting through RADIUS servers. Active while servers is set: it then takes over from the gateway's own key check, and hands back when servers is emptied or the bundle stops.")
public @interface RadiusConfig {

	String PID = "mobilegt.radius";

	@AttributeDefinition(name = "Servers", required = false, description = "RADIUS servers as host:port (authentication port; accounting uses port+1), in the order they are tried. Empty: RADIUS is off.")
	String[] servers() default {};

	@AttributeDefinition(name = "Shared secret", type = AttributeType.PASSWORD, required = false, description = "The secret shared with the RADIUS servers.")
	String secret() default "";

	@AttributeDefinition(name = "NAS-Identifier", description = "This gateway's name in its requests.")
	String nasIdentifier() default "mobilegt";

	@AttributeDefinition(name = "Timeout (ms)", description = "How long to wait for an answer to one request, per try.", min = "100", max = "60000")
	int timeoutMillis() default 2000;

	@AttributeDefinition(name = "Retries", description = "Tries per server before the next one is asked.", min = "1", max = "10")
	int retries() default 2;

	@AttributeDefinition(name = "Accounting", description = "Send Accounting-Request Start, Interim-Update and Stop for every session, and Accounting-On/Off.")
	boolean accounting() default true;

	@AttributeDefinition(name = "Interim interval (s)", description = "Seconds between Interim-Update records; 0: none.", min = "0", max = "86400")
	int interimSeconds() default 300;

	@AttributeDefinition(name = "When no server answers", description = "reject: refuse the handshake; local: check it with the gateway's own keys (mobilegt.auth).", options = {
			@Option(label = "reject", value = "reject"), @Option(label = "local", value = "local") })
	String onUnreachable() default "reject";

	@AttributeDefinition(name = "Anonymous user name", description = "User-Name sent for clients that send no client id.")
	String anonymousName() default "anonymous";

	@AttributeDefinition(name = "Workers", description = "Threads waiting for RADIUS answers.", min = "1", max = "256")
	int workers() default 8;

	@AttributeDefinition(name = "Queue", description = "Handshakes waiting for a worker; beyond it they are dropped and counted.", min = "1", max = "100000")
	int queue() default 256;
}
