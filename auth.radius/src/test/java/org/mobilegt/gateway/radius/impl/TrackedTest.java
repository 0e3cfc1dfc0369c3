package org.mobilegt.gateway.radius.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.net.api.IpAddress;

class TrackedTest {

	static final Granted.Grant GRANT = new Granted.Grant("alice smith", 3600, 300, "cls".getBytes(), 0);
	static final IpAddress V6 = IpAddress.parse("fd3c:1a2b:4c5d::a:2");
	/** A session with no IPv6 address as the previous version saved it over an update: 9 fields. */
	static final String OLD_LINE = "7\t65f0a1b2-7\tYWxpY2Ugc21pdGg=\t172.31.0.2:4000\t172820745\t1000\t3600\t300\tY2xz";

	@Test
	void aTrackedSessionSurvivesAnUpdateAsOneLine() {
		Tracked t = new Tracked(7, "65f0a1b2-7", GRANT, "[2001:db8::2]:4000", 0x0A4D0909, V6, 1_000, new long[] { 1 });
		assertThat(t.line()).doesNotContain("\n").endsWith("\tfd3c:1a2b:4c5d::a:2");
		assertSame(Tracked.parse(t.line(), 5_000), t);
		assertThat(Tracked.parse(t.line(), 5_000).lastInterim()).containsExactly(5_000);

		Tracked noGrantClass = new Tracked(8, "65f0a1b2-8", new Granted.Grant("bob", 0, 0, null, 0), "172.31.0.2:4001", 0x0A4D0002, null,
				2_000, new long[] { 1 });
		assertSame(Tracked.parse(noGrantClass.line(), 5_000), noGrantClass);
	}

	@Test
	void aLineOfThePreviousVersionStillParses() {
		assertThat(OLD_LINE.split("\t")).hasSize(9);
		Tracked t = Tracked.parse(OLD_LINE, 5_000);
		assertSame(t, new Tracked(7, "65f0a1b2-7", GRANT, "172.31.0.2:4000", 0x0A4D0909, null, 1_000, null));
	}

	@Test
	void aMalformedLineIsRefused() {
		Tracked t = new Tracked(7, "65f0a1b2-7", GRANT, "172.31.0.2:4000", 0x0A4D0909, V6, 1_000, new long[] { 1 });
		String head = t.line().substring(0, t.line().lastIndexOf('\t') + 1);
		for (String bad : new String[] { "10.77.9.9", "fd3c::zz", "localhost", "fd3c::/64", "" }) {
			assertThatThrownBy(() -> Tracked.parse(head + bad, 0)).as(bad).isInstanceOf(IllegalArgumentException.class);
		}
		assertThatThrownBy(() -> Tracked.parse("garbage", 0)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> Tracked.parse(t.line() + "\tmore", 0)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void aRoamedSessionKeepsAllButItsEndpoint() {
		long[] lastInterim = { 1 };
		Tracked t = new Tracked(7, "65f0a1b2-7", GRANT, "172.31.0.2:4000", 0x0A4D0909, V6, 1_000, lastInterim);
		Tracked moved = t.at("[2001:db8::2]:4001");
		assertThat(moved.endpoint()).isEqualTo("[2001:db8::2]:4001");
		assertThat(moved).usingRecursiveComparison().ignoringFields("endpoint").isEqualTo(t);
		assertThat(moved.lastInterim()).isSameAs(lastInterim);
	}

	/** Equal but for lastInterim (not saved). */
	private static void assertSame(Tracked actual, Tracked expected) {
		assertThat(actual).usingRecursiveComparison().ignoringFields("lastInterim").isEqualTo(expected);
	}
}
