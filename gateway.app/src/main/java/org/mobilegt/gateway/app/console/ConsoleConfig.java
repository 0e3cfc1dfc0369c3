package org.mobilegt.gateway.app.console;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = ConsoleConfig.PID, name = "mobilegt operator console",
		description = "Where the Web Console listens and who may log in (metrics and health: mobilegt.metrics).")
public @interface ConsoleConfig {

	String PID = "mobilegt.console";

	@AttributeDefinition(name = "Bind address", description = "Address the HTTP server listens on. Keep 127.0.0.1 unless the console must be reachable from elsewhere (then use TLS in front of it).")
	String bind() default "127.0.0.1";

	@AttributeDefinition(name = "Port", description = "HTTP port of the Web Console.", min = "1", max = "65535")
	int port() default 8080;

	@AttributeDefinition(name = "User name", description = "Web Console user.")
	String username() default "admin";

	/** Kept so that an operator's file from before mobilegt.metrics is not refused as a whole. */
	@AttributeDefinition(name = "Metrics endpoint (no longer used)", description = "Ignored: /metrics and /health are served by mobilegt.metrics on a port of their own.")
	boolean metrics() default false;

	@AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, description = "Web Console password (plain or {sha-256}base64). Empty: a random password is generated at first start and kept in the framework's data area.")
	String password() default "";
}
