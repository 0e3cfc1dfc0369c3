package org.mobilegt.gateway.net.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

class EndpointKeyTest {

	@Test
	void keysPackTheAddressAboveThePort() {
		int a = IpAddress.parseIpv4("203.0.113.250"); // negative as int: the key must stay unsigned
		long key = EndpointKey.key(a, 65535);
		assertThat(key).isEqualTo(0xCB0071FAL << 16 | 0xFFFF);
		assertThat(EndpointKey.address(key)).isEqualTo(a);
		assertThat(EndpointKey.port(key)).isEqualTo(65535);
		assertThat(EndpointKey.format(key)).isEqualTo("203.0.113.250:65535");
		assertThat(EndpointKey.toEndpoint(key)).isEqualTo(IpEndpoint.parse("203.0.113.250:65535"));
		assertThat(EndpointKey.key(IpEndpoint.parse("203.0.113.250:65535"))).isEqualTo(key);
	}

	@Test
	void socketAddressesRoundTrip() {
		InetSocketAddress s = new InetSocketAddress(EndpointKey.toInetAddress(0xC0000201), 8000);
		long key = EndpointKey.key(s);
		assertThat(EndpointKey.format(key)).isEqualTo("192.0.2.1:8000");
		assertThat(EndpointKey.toEndpoint(key).toSocketAddress()).isEqualTo(s);
	}

	@Test
	void ipv6IsRefusedByTheIpv4Key() throws Exception {
		assertThatThrownBy(() -> EndpointKey.toInt(InetAddress.getByName("2001:db8::1")))
				.isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not an IPv4 address");
		assertThatThrownBy(() -> EndpointKey.key(IpEndpoint.parse("[2001:db8::1]:80"))).isInstanceOf(IllegalStateException.class);
	}
}
