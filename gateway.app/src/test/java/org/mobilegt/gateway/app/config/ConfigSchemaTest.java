package org.mobilegt.gateway.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Hashtable;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigSchemaTest {

	@Test
	void cardinalityBoundsTheNumberOfValues() {
		assertThat(ConfigSchema.maxValues(0)).isEqualTo(1);
		assertThat(ConfigSchema.maxValues(3)).isEqualTo(3);
		assertThat(ConfigSchema.maxValues(-3)).isEqualTo(3);
		assertThat(ConfigSchema.maxValues(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
		assertThat(ConfigSchema.maxValues(Integer.MIN_VALUE)).isEqualTo(Integer.MAX_VALUE);
	}

	@Test
	void textsKeepOnlyConfigurationKeys() {
		Hashtable<String, Object> props = new Hashtable<>(Map.of("service.pid", "mobilegt.tunnel", "felix.x", "y",
				"component.id", 4L, "port", 8000, "dns", new String[] { "1.1.1.1", "8.8.8.8" }));
		assertThat(ConfigSchema.texts(props)).containsOnly(Map.entry("port", "8000"), Map.entry("dns", "1.1.1.1,8.8.8.8"));
	}
}
