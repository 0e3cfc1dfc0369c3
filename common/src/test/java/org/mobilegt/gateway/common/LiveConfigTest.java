package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.Annotations;
import org.mobilegt.gateway.common.testing.RecordingEvents;
import org.mobilegt.gateway.common.testing.RecordingLogger;
import org.mobilegt.gateway.config.api.ConfigVerdict;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.event.Event;

class LiveConfigTest {

	static final String PID = "mobilegt.sample";

	/** A configuration type as components declare them. */
	@interface SampleConfig {
		int port() default 8000;
	}

	record SampleSettings(int port) {
		static SampleSettings of(SampleConfig c) {
			return new SampleSettings(ConfigValueException.between(PID, "port", c.port(), 1, 65535));
		}
	}

	final RecordingEvents events = new RecordingEvents();
	final RecordingLogger log = new RecordingLogger();
	/** What was written back into Configuration Admin. */
	final List<Dictionary<String, Object>> restored = new ArrayList<>();
	final ConfigurationAdmin cm = (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
			new Class<?>[] { ConfigurationAdmin.class }, (p, m, a) -> {
				assertThat(a[0]).isEqualTo(PID);
				return configuration();
			});
	final List<SampleSettings> applied = new ArrayList<>();
	final LiveConfig<SampleConfig, SampleSettings> live = new LiveConfig<>(PID, SampleConfig.class, SampleSettings::of, log.logger,
			() -> events.admin, () -> cm);

	@SuppressWarnings("unchecked")
	Configuration configuration() {
		return (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Configuration.class },
				(p, m, a) -> {
					assertThat(m.getName()).isEqualTo("updateIfDifferent");
					restored.add((Dictionary<String, Object>) a[0]);
					return true;
				});
	}

	/** Component properties as DS hands them over: the configuration plus what DS adds. */
	static Map<String, Object> properties(int port) {
		return new HashMap<>(Map.of("port", port, "component.id", 7L, "service.pid", PID));
	}

	boolean update(int port) {
		Map<String, Object> p = properties(port);
		return live.update(Annotations.of(SampleConfig.class, p), p, applied::add);
	}

	void start(int port) {
		Map<String, Object> p = properties(port);
		assertThat(live.start(Annotations.of(SampleConfig.class, p), p)).isEqualTo(new SampleSettings(port));
	}

	@Test
	void aGoodConfigurationIsAppliedAndAnnounced() {
		start(8000);
		assertThat(update(8001)).isTrue();
		assertThat(applied).containsExactly(new SampleSettings(8001));
		assertThat(events.all()).singleElement().satisfies(e -> {
			assertThat(e.getTopic()).isEqualTo(ConfigVerdict.TOPIC_APPLIED);
			assertThat(e.getProperty(ConfigVerdict.PID)).isEqualTo(PID);
		});
		assertThat(live.properties()).containsEntry("port", 8001);
		assertThat(restored).isEmpty();
	}

	@Test
	void aValueOutOfRangeIsRejectedAndThePreviousConfigurationRestored() {
		start(8000);
		assertThat(update(70000)).isFalse();
		assertThat(applied).isEmpty();
		Event e = events.all().get(0);
		assertThat(events.all()).hasSize(1);
		assertThat(e.getTopic()).isEqualTo(ConfigVerdict.TOPIC_REJECTED);
		assertThat(e.getProperty(ConfigVerdict.PID)).isEqualTo(PID);
		assertThat(e.getProperty(ConfigVerdict.KEY)).isEqualTo("port");
		assertThat(e.getProperty(ConfigVerdict.MESSAGE)).isEqualTo("mobilegt.sample: port=70000 must be between 1 and 65535");
		// only the configuration's own attributes go back, not what DS added
		assertThat(restored).singleElement().satisfies(d -> {
			assertThat(d.size()).isEqualTo(1);
			assertThat(d.get("port")).isEqualTo(8000);
		});
		assertThat(live.properties()).containsEntry("port", 8000);
		assertThat(log.at("ERROR")).anyMatch(l -> l.contains("port=70000"));
	}

	@Test
	void aConfigurationTheSystemCannotUseIsRejectedToo() {
		start(8000);
		Map<String, Object> p = properties(8001);
		assertThat(live.update(Annotations.of(SampleConfig.class, p), p, s -> {
			throw new IOException("Address already in use");
		})).isFalse();
		assertThat(events.all()).singleElement().satisfies(e -> {
			assertThat(e.getTopic()).isEqualTo(ConfigVerdict.TOPIC_REJECTED);
			assertThat(e.getProperty(ConfigVerdict.KEY)).isEqualTo("");
			assertThat(e.getProperty(ConfigVerdict.MESSAGE)).isEqualTo("Address already in use");
		});
		assertThat(restored).singleElement().satisfies(d -> assertThat(d.get("port")).isEqualTo(8000));
	}

	@Test
	void theRestoredConfigurationIsAppliedWithoutAVerdict() {
		// a late APPLIED for the restore would be taken for the verdict on the operator's next change
		start(8000);
		update(70000);
		assertThat(update(8000)).isTrue();
		assertThat(applied).containsExactly(new SampleSettings(8000));
		assertThat(events.all()).extracting(Event::getTopic).containsExactly(ConfigVerdict.TOPIC_REJECTED);
		assertThat(update(8002)).isTrue();
		assertThat(events.all()).extracting(Event::getTopic).containsExactly(ConfigVerdict.TOPIC_REJECTED,
				ConfigVerdict.TOPIC_APPLIED);
	}

	@Test
	void withoutARunningConfigurationTheFailureGoesToTheComponent() {
		start(8000);
		List<Exception> failures = new ArrayList<>();
		Map<String, Object> p = properties(70000);
		assertThat(live.update(Annotations.of(SampleConfig.class, p), p, applied::add, failures::add)).isFalse();
		assertThat(failures).singleElement().isInstanceOf(ConfigValueException.class);
		assertThat(events.all()).isEmpty();
		assertThat(restored).isEmpty();
	}

	@Test
	void aFirstConfigurationRefusedHasNothingToRestore() {
		assertThat(update(0)).isFalse();
		assertThat(events.all()).extracting(Event::getTopic).containsExactly(ConfigVerdict.TOPIC_REJECTED);
		assertThat(restored).isEmpty();
		assertThat(update(8000)).isTrue();
		assertThat(events.all()).extracting(Event::getTopic).containsExactly(ConfigVerdict.TOPIC_REJECTED,
				ConfigVerdict.TOPIC_APPLIED);
	}
}
