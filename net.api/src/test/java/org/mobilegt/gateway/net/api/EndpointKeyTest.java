package org.mobilegt.gateway.net.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

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
	}

	@Test
	void ipv6KeysAreTaggedAndRoundTrip() {
		long key = EndpointKey.key(IpEndpoint.parse("[2001:db8::1]:80"));
		assertThat(EndpointKey.isIpv6(key)).isTrue();
		assertThat(key >>> 62).isEqualTo(1); // above every IPv4 key (48 bits)
		assertThat(EndpointKey.port(key)).isEqualTo(80);
		assertThat(EndpointKey.format(key)).isEqualTo("[2001:db8::1]:80");
		assertThat(EndpointKey.key(IpEndpoint.parse("[2001:db8::1]:80"))).isEqualTo(key);
		assertThat(EndpointKey.host(EndpointKey.key(IpEndpoint.parse("[2001:db8::1]:81")))).isEqualTo(EndpointKey.host(key));
		assertThat(EndpointKey.key(IpEndpoint.parse("[2001:db8::2]:80"))).isNotEqualTo(key);
		assertThat(EndpointKey.inetAddress(key)).isEqualTo(IpAddress.parse("2001:db8::1").toInetAddress());
		ByteBuffer b = ByteBuffer.allocate(20);
		assertThat(EndpointKey.copyAddress6(key, b, 4)).isTrue();
		assertThat(IpAddress.ofIpv6(b.getLong(4), b.getLong(12))).isEqualTo(IpAddress.parse("2001:db8::1"));
	}

	@Test
	void v4MappedAddressesFoldIntoIpv4Keys() {
		IpAddress mapped = IpAddress.parse("::ffff:192.0.2.1");
		long key = EndpointKey.key6(mapped.high(), mapped.low(), 8000);
		assertThat(key).isEqualTo(EndpointKey.key(0xC0000201, 8000));
		assertThat(EndpointKey.format(key)).isEqualTo("192.0.2.1:8000");
		ByteBuffer b = ByteBuffer.allocate(16);
		assertThat(EndpointKey.copyAddress6(key, b, 0)).isTrue();
		assertThat(IpAddress.ofIpv6(b.getLong(0), b.getLong(8))).isEqualTo(mapped);
	}

	@Test
	void sourcesAreTheIpv4AddressOrTheIpv6Slash64() throws Exception {
		long a = EndpointKey.key(IpEndpoint.parse("[2001:db8:1:2::1]:80"));
		long b = EndpointKey.key(IpEndpoint.parse("[2001:db8:1:2:ffff::9]:9"));
		long c = EndpointKey.key(IpEndpoint.parse("[2001:db8:1:3::1]:80"));
		assertThat(EndpointKey.source(a)).isEqualTo(EndpointKey.source(b)).isNotEqualTo(EndpointKey.source(c));
		assertThat(EndpointKey.formatSource(EndpointKey.source(a))).isEqualTo("2001:db8:1:2::/64");
		assertThat(EndpointKey.source(InetAddress.getByName("2001:db8:1:2::77"))).isEqualTo(EndpointKey.source(a));
		long v4 = EndpointKey.key(0xC0000201, 1);
		assertThat(EndpointKey.formatSource(EndpointKey.source(v4))).isEqualTo("192.0.2.1");
		assertThat(EndpointKey.source(InetAddress.getByName("192.0.2.1"))).isEqualTo(EndpointKey.source(v4));
		// an IPv6 /64 whose high bits equal an IPv4 address is another source
		assertThat(EndpointKey.source(InetAddress.getByName("0:0:c000:201::1"))).isNotEqualTo(EndpointKey.source(v4));
	}
}
