package org.mobilegt.gateway.app.ops;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = MetricsConfig.PID, name = "mobilegt metrics and health",
		description = "Prometheus /metrics and /health on their own HTTP port, apart from the Web Console and its credentials.")
public @interface MetricsConfig {

	String PID = "mobilegt.metrics";

	@AttributeDefinition(name = "Enabled", description = "Serve /metrics and /health.")
	boolean enabled() default true;

	@AttributeDefinition(name = "Bind address", description = "Address the metrics server listens on. Without a token, only clients on loopback are answered, whatever the address.")
	String bind() default "127.0.0.1";

	@AttributeDefinition(name = "Port", description = "HTTP port of /metrics and /health.", min = "1", max = "65535")
	int port() default 9464;

	@AttributeDefinition(name = "Bearer token", type = AttributeType.PASSWORD, description = "When set, every request needs 'Authorization: Bearer <token>' and may come from anywhere; when empty, only loopback clients are answered.")
	String token() default "";
}
