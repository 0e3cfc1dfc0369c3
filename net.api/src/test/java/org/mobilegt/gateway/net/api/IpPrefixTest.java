package org.mobilegt.gateway.net.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpPrefixTest {

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource({ "2001:db8::/32, 2001:db8::/32", "2001:0DB8:0000:CD30:0000:0000:0000:0000/60, 2001:db8:0:cd30::/60",
			"2001:db8:0:cd30::/60, 2001:db8:0:cd30::/60", "::/0, ::/0", "::1/128, ::1/128", "10.77.0.0/16, 10.77.0.0/16",
			"0.0.0.0/0, 0.0.0.0/0", "192.0.2.1/32, 192.0.2.1/32", "fd00::/8, fd00::/8" })
	void prefixesParseAndPrintCanonically(String text, String canonical) {
		IpPrefix p = IpPrefix.parse(text);
		assertThat(p.toString()).isEqualTo(canonical);
		assertThat(IpPrefix.parse(canonical)).isEqualTo(p);
	}

	@ParameterizedTest(name = "{0} means {1}")
	@CsvSource({ "10.77.0.5/16, 10.77.0.0/16", "2001:db8::1/32, 2001:db8::/32", "2001:db8:0:cd3f::/60, 2001:db8:0:cd30::/60",
			"192.0.2.1/0, 0.0.0.0/0", "2001:db8::8000:0:0:0/64, 2001:db8::/64", "2001:db8::1/127, 2001:db8::/127" })
	void hostBitsAreRefusedNamingTheNetwork(String text, String network) {
		assertThatThrownBy(() -> IpPrefix.parse(text)).isInstanceOfSatisfying(HostBitsException.class,
				e -> assertThat(e.network()).isEqualTo(IpPrefix.parse(network)))
				.hasMessage("'" + text + "' has host bits set; did you mean " + network + "?");
		assertThat(IpPrefix.parseCovering(text)).isEqualTo(IpPrefix.parse(network));
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/x", "10.0.0.0/08", "10.0.0.0/-1", "::/129",
			"2001:db8::/+32", "10.0.0/8", "10.0.0.0/8/8", "::/1000", "/8" })
	void badPrefixesAreRefused(String text) {
		assertThatThrownBy(() -> IpPrefix.parse(text)).isInstanceOf(IllegalArgumentException.class)
				.isNotInstanceOf(HostBitsException.class).hasMessageContaining("'");
	}

	@Test
	void aBareAddressCoversItselfOnly() {
		assertThat(IpPrefix.parseCovering("192.0.2.7")).hasToString("192.0.2.7/32");
		assertThat(IpPrefix.parseCovering("2001:db8::7")).hasToString("2001:db8::7/128");
	}

	@Test
	void containmentAndOverlapRespectTheFamily() {
		IpPrefix net = IpPrefix.parse("2001:db8::/32");
		assertThat(net.contains(IpAddress.parse("2001:db8:ffff::1"))).isTrue();
		assertThat(net.contains(IpAddress.parse("2001:db9::"))).isFalse();
		assertThat(IpPrefix.parse("0.0.0.0/0").contains(IpAddress.parse("::1"))).isFalse();
		assertThat(IpPrefix.parse("::/0").contains(IpAddress.parse("1.2.3.4"))).isFalse();
		assertThat(IpPrefix.parse("10.0.0.0/8").overlaps(IpPrefix.parse("10.77.0.0/16"))).isTrue();
		assertThat(IpPrefix.parse("10.77.0.0/16").overlaps(IpPrefix.parse("10.0.0.0/8"))).isTrue();
		assertThat(IpPrefix.parse("10.77.0.0/16").overlaps(IpPrefix.parse("10.78.0.0/16"))).isFalse();
		assertThat(IpPrefix.parse("0.0.0.0/0").overlaps(IpPrefix.parse("::/0"))).isFalse();
		assertThat(IpPrefix.parse("10.77.0.0/16").hostBits()).isEqualTo(16);
		assertThat(IpPrefix.parse("2001:db8::/32").hostBits()).isEqualTo(96);
	}

	@Test
	void lengthsOutOfRangeAreRefused() {
		assertThatThrownBy(() -> IpPrefix.of(IpAddress.parse("10.0.0.0"), 33))
				.hasMessage("the prefix length of 10.0.0.0 must be between 0 and 32, not 33");
	}
}
