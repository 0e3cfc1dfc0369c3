package org.mobilegt.gateway.net.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpEndpointTest {

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource({ "192.0.2.1:8000, 192.0.2.1:8000", "192.0.2.1:0, 192.0.2.1:0", "192.0.2.1:65535, 192.0.2.1:65535",
			"[2001:DB8:0:0:0:0:0:1]:443, [2001:db8::1]:443", "[::]:0, [::]:0", "[::ffff:192.0.2.1]:53, [::ffff:192.0.2.1]:53" })
	void endpointsParseAndPrintCanonically(String text, String canonical) {
		IpEndpoint e = IpEndpoint.parse(text);
		assertThat(e.toString()).isEqualTo(canonical);
		assertThat(IpEndpoint.parse(canonical)).isEqualTo(e);
	}

	@ParameterizedTest
	@ValueSource(strings = { "192.0.2.1:65536", "192.0.2.1:-1", "192.0.2.1:", "192.0.2.1", "192.0.2.1:080", "192.0.2.1:http",
			"[192.0.2.1]:80", "2001:db8::1:80", "[2001:db8::1]", "[2001:db8::1]:99999", "localhost:80", "192.0.2.1: 80" })
	void badEndpointsAreRefusedNamingTheText(String text) {
		assertThatThrownBy(() -> IpEndpoint.parse(text)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("'");
	}

	@Test
	void portsOutOfRangeAreRefused() {
		IpAddress a = IpAddress.parse("192.0.2.1");
		assertThat(IpEndpoint.of(a, 0).port()).isZero();
		assertThat(IpEndpoint.of(a, 65535).port()).isEqualTo(65535);
		assertThatThrownBy(() -> IpEndpoint.of(a, 65536)).hasMessage("the port of 192.0.2.1 must be between 0 and 65535, not 65536");
		assertThatThrownBy(() -> IpEndpoint.parse("192.0.2.1:65536")).hasMessageContaining("from 0 to 65535");
	}

	@Test
	void socketAddressesRoundTripWithoutLookups() {
		IpEndpoint e = IpEndpoint.parse("[2001:db8::1]:8000");
		assertThat(IpEndpoint.of(e.toSocketAddress())).isEqualTo(e);
		assertThatThrownBy(() -> IpEndpoint.of(InetSocketAddress.createUnresolved("example.org", 80)))
				.hasMessage("example.org is a name, not an address");
	}
}
