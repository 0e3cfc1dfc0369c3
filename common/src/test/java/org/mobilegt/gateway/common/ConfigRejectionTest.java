package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.config.api.ConfigVerdict;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

class ConfigRejectionTest {

	private final List<Event> posted = new ArrayList<>();
	private final EventAdmin events = new EventAdmin() {
		@Override
		public void postEvent(Event event) {
			posted.add(event);
		}

		@Override
		public void sendEvent(Event event) {
			posted.add(event);
		}
	};

	@Test
	void aChangedConfigurationIsReportedApplied() {
		ConfigRejection.applied(events, "mobilegt.tunnel", Map.of("port", 8000), Map.of("port", 8001));
		assertThat(posted).singleElement().satisfies(e -> {
			assertThat(e.getTopic()).isEqualTo(ConfigVerdict.TOPIC_APPLIED);
			assertThat(e.getProperty(ConfigVerdict.PID)).isEqualTo("mobilegt.tunnel");
		});
	}

	@Test
	void theFirstConfigurationIsReportedApplied() {
		ConfigRejection.applied(events, "mobilegt.tunnel", null, Map.of("port", 8000));
		assertThat(posted).hasSize(1);
	}

	@Test
	void theSameConfigurationAgainIsNotReported() {
		// the previous configuration restored after a rejection: its verdict would answer the next change
		ConfigRejection.applied(events, "mobilegt.tunnel", Map.of("port", 8000, "dns", new String[] { "192.0.2.1" }, "service.pid", "a"),
				Map.of("port", 8000, "dns", new String[] { "192.0.2.1" }, "service.pid", "b", "component.id", 7L));
		assertThat(posted).isEmpty();
	}

	/** A configuration type as components declare them. */
	@interface Sample {
		int port() default 8000;

		String[] dns() default {};
	}

	@Test
	void aRejectionRestoresTheAttributesOfTheConfigurationTypeOnly() {
		Map<String, Object> running = Map.of("port", 8000, "dns", new String[] { "192.0.2.1" }, "event.topics", "org/mobilegt/*",
				"component.id", 3L, "service.pid", "sample");
		Dictionary<String, Object> restored = ConfigRejection.attributes(Sample.class, running);
		assertThat(Collections.list(restored.keys())).containsExactlyInAnyOrder("port", "dns");
		assertThat(restored.get("port")).isEqualTo(8000);
	}

	@Test
	void listValuesAreComparedByContent() {
		assertThat(ConfigRejection.sameConfiguration(Map.of("dns", new String[] { "192.0.2.1" }),
				Map.of("dns", new String[] { "192.0.2.2" }))).isFalse();
		assertThat(ConfigRejection.sameConfiguration(Map.of("dns", new String[] { "192.0.2.1" }), Map.of())).isFalse();
	}
}
