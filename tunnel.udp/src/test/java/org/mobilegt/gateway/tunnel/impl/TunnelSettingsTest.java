package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.testing.Annotations;
import org.mobilegt.gateway.net.api.IpAddress;

class TunnelSettingsTest {

	static TunnelSettings settings(Map<String, Object> values) {
		return TunnelSettings.of(Annotations.of(TunnelConfig.class, values));
	}

	static final int CLIENT = 0x0A4D0002; // 10.77.0.2

	@Test
	void theReplyIsZeroThenTheParametersPaddedWithSpacesTo1024Bytes() {
		byte[] reply = settings(Map.of()).handshakeReply(CLIENT, null);
		assertThat(reply).hasSize(1024);
		assertThat(reply[0]).isZero();
		String text = new String(reply, 1, 1023, StandardCharsets.US_ASCII);
		assertThat(text.strip()).isEqualTo("m,1400 a,10.77.0.2,32 r,0.0.0.0,0 d,8.8.8.8");
		assertThat(text.substring(text.strip().length())).matches(" +");
	}

	@Test
	void routesDnsAndSearchDomainAreAllPushed() {
		byte[] reply = settings(Map.of("mtu", 1280, "dns", new String[] { "1.1.1.1", "9.9.9.9" }, "routes",
				new String[] { "10.0.0.0/8", "192.168.0.0/16" }, "searchDomain", "corp.example")).handshakeReply(CLIENT, null);
		assertThat(new String(reply, 1, 1023, StandardCharsets.US_ASCII).strip())
				.isEqualTo("m,1280 a,10.77.0.2,32 r,10.0.0.0,8 r,192.168.0.0,16 d,1.1.1.1 d,9.9.9.9 s,corp.example");
	}

	@Test
	void theHintAndTheKeepaliveAreWhatTheProtocolSays() {
		assertThat(TunnelSettings.REHANDSHAKE).isEqualTo("\0 x,rehandshake".getBytes(StandardCharsets.US_ASCII));
		assertThat(TunnelSettings.KEEPALIVE).containsExactly(0);
	}

	@Test
	void badValuesAreRejectedNamingTheKey() {
		assertThatThrownBy(() -> settings(Map.of("bind", "localhost"))).isInstanceOf(ConfigValueException.class)
				.hasMessage("mobilegt.tunnel: bind=localhost must be an IP address: :: for both families, 0.0.0.0 for IPv4 only, or one local address");
		assertThatThrownBy(() -> settings(Map.of("port", 0))).hasMessageContaining("port=0 must be between 1 and 65535");
		assertThatThrownBy(() -> settings(Map.of("dns", new String[] { "dns.google" }))).hasMessageContaining("dns=dns.google");
		assertThatThrownBy(() -> settings(Map.of("routes", new String[] { "10.0.0.0/33" }))).hasMessageContaining("routes=10.0.0.0/33");
		assertThatThrownBy(() -> settings(Map.of("routes", new String[] { "10.0.0.0" }))).hasMessageContaining("routes=10.0.0.0");
		assertThatThrownBy(() -> settings(Map.of("searchDomain", "a b"))).hasMessageContaining("searchDomain=a b");
	}

	@Test
	void theDeprecatedIdleTimeoutIsUnsetByDefaultAndStillRangeChecked() {
		assertThat(settings(Map.of()).legacyIdleSeconds()).as("0: mobilegt.sessions decides").isZero();
		assertThat(settings(Map.of("idleTimeoutSeconds", 600)).legacyIdleSeconds()).isEqualTo(600);
		assertThat(settings(Map.of("idleTimeoutSeconds", 5)).legacyIdleSeconds()).isEqualTo(5);
		assertThatThrownBy(() -> settings(Map.of("idleTimeoutSeconds", 4))).isInstanceOf(ConfigValueException.class)
				.hasMessage("mobilegt.tunnel: idleTimeoutSeconds=4 must be between 5 and 86400");
		assertThatThrownBy(() -> settings(Map.of("idleTimeoutSeconds", 86401))).hasMessageContaining("idleTimeoutSeconds=86401");
		assertThatThrownBy(() -> settings(Map.of("idleTimeoutSeconds", -1))).hasMessageContaining("idleTimeoutSeconds=-1");
	}

	@Test
	void parametersThatDoNotFitTheReplyAreRejected() {
		String[] routes = new String[80];
		for (int i = 0; i < routes.length; i++) {
			routes[i] = "10." + i + ".0.0/16";
		}
		assertThatThrownBy(() -> settings(Map.of("routes", routes))).isInstanceOf(ConfigValueException.class)
				.hasMessageContaining("do not fit in the 1024-byte handshake reply");
	}

	@Test
	void zeroWorkersMeansOnePerCore() {
		assertThat(settings(Map.of()).workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
	}

	@Test
	void addressesAreLiteralsOnly() {
		assertThatThrownBy(() -> settings(Map.of("bind", "010.0.0.1"))).as("a leading zero: octal to some tools")
				.hasMessage("mobilegt.tunnel: bind=010.0.0.1 must be an IP address: :: for both families, 0.0.0.0 for IPv4 only, or one local address");
		assertThatThrownBy(() -> settings(Map.of("bind", "127.1"))).hasMessageContaining("bind=127.1 must be an IP address");
		assertThatThrownBy(() -> settings(Map.of("bind", "::ffff:192.0.2.1")))
				.hasMessageContaining("bind=::ffff:192.0.2.1 is a v4-mapped address: write the IPv4 address 192.0.2.1 (IPv4 only) or :: (both families)");
		assertThatThrownBy(() -> settings(Map.of("bind", "fe80::1%eth0"))).hasMessageContaining("must be an IP address");
		assertThat(settings(Map.of()).bind()).as("the default listens on both families").isInstanceOf(java.net.Inet6Address.class)
				.matches(InetAddress::isAnyLocalAddress);
		assertThat(settings(Map.of("bind", "0.0.0.0")).bind()).isInstanceOf(java.net.Inet4Address.class);
		assertThat(settings(Map.of("bind", "2001:db8::1")).bind().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
		assertThatThrownBy(() -> settings(Map.of("dns", new String[] { "8.8.8.08" }))).hasMessage(
				"mobilegt.tunnel: dns=8.8.8.08 must be IPv4 or IPv6 addresses");
		assertThatThrownBy(() -> settings(Map.of("dns", new String[] { "2001:4860::88::1" }))).hasMessage(
				"mobilegt.tunnel: dns=2001:4860::88::1 must be IPv4 or IPv6 addresses");
		assertThat(settings(Map.of("bind", " 127.0.0.1 ")).bind().getHostAddress()).isEqualTo("127.0.0.1");
	}

	@Test
	void routesWithHostBitsAreRefusedNamingTheNetwork() {
		assertThatThrownBy(() -> settings(Map.of("routes", new String[] { "10.1.2.3/8" }))).hasMessage(
				"mobilegt.tunnel: routes=10.1.2.3/8 has host bits set; did you mean 10.0.0.0/8?");
		assertThatThrownBy(() -> settings(Map.of("routes", new String[] { "::/0" }))).hasMessage(
				"mobilegt.tunnel: routes=::/0 must be IPv4 CIDR routes, e.g. 0.0.0.0/0");
	}

	// ---- IPv6

	static final IpAddress CLIENT6 = IpAddress.parse("fd00:77::c0ff:ee00:1234:5678");

	static String text(byte[] reply) {
		return new String(reply, 1, reply.length - 1, StandardCharsets.US_ASCII).strip();
	}

	@Test
	void aClientWithAnIpv6AddressGetsItTheIpv6RoutesAndTheIpv6DnsServers() {
		TunnelSettings s = settings(Map.of("dns", new String[] { "8.8.8.8", "2001:4860:4860::8888" }));
		assertThat(text(s.handshakeReply(CLIENT, CLIENT6)))
				.isEqualTo("m,1400 a,10.77.0.2,32 a,fd00:77::c0ff:ee00:1234:5678,128 r,0.0.0.0,0 r,::,0 d,8.8.8.8 d,2001:4860:4860::8888");
		assertThat(text(s.handshakeReply(CLIENT, null))).as("an IPv4-only client: nothing it cannot reach")
				.isEqualTo("m,1400 a,10.77.0.2,32 r,0.0.0.0,0 d,8.8.8.8");
	}

	@Test
	void ipv6RoutesAreConfigurableAndCheckedLikeIpv4Ones() {
		TunnelSettings s = settings(Map.of("routes6", new String[] { "2000::/3", " 64:ff9b::/96 " }));
		assertThat(text(s.handshakeReply(CLIENT, CLIENT6))).contains(" r,0.0.0.0,0 r,2000::,3 r,64:ff9b::,96 d,8.8.8.8");
		assertThat(text(settings(Map.of("routes6", new String[0])).handshakeReply(CLIENT, CLIENT6))).doesNotContain("r,::");
		assertThatThrownBy(() -> settings(Map.of("routes6", new String[] { "2001:db8::1/32" }))).isInstanceOf(ConfigValueException.class)
				.hasMessage("mobilegt.tunnel: routes6=2001:db8::1/32 has host bits set; did you mean 2001:db8::/32?");
		assertThatThrownBy(() -> settings(Map.of("routes6", new String[] { "0.0.0.0/0" })))
				.hasMessage("mobilegt.tunnel: routes6=0.0.0.0/0 must be IPv6 CIDR routes, e.g. ::/0 or 2000::/3");
		assertThatThrownBy(() -> settings(Map.of("routes6", new String[] { "::/129" }))).hasMessageContaining("routes6=::/129");
	}

	@Test
	void tooManyIpv6RoutesAreRefusedAtConfigTimeForTheLongestAddressesNotCutOnTheWire() {
		// " r,2001:db8:1234:5678:9abc:def0:1xxx:0,112" is 42 bytes; with the longest client addresses
		// (255.255.255.255 and eight ffff groups) 22 of them make 1019 bytes of parameters, 23 make 1061
		String[] routes6 = new String[23];
		for (int i = 0; i < routes6.length; i++) {
			routes6[i] = "2001:db8:1234:5678:9abc:def0:" + Integer.toHexString(0x1000 + i) + ":0/112";
		}
		assertThatThrownBy(() -> settings(Map.of("routes6", routes6))).isInstanceOf(ConfigValueException.class)
				.hasMessageStartingWith("mobilegt.tunnel: routes6=1 routes, 23 IPv6 routes and 1 DNS servers do not fit in the "
						+ "1024-byte handshake reply (")
				.hasMessageEndingWith("(1061 bytes of parameters, at most 1023): remove some; nothing is cut off on the wire");
		String[] fewer = java.util.Arrays.copyOf(routes6, 22);
		byte[] reply = settings(Map.of("routes6", fewer)).handshakeReply(-1, IpAddress.ofIpv6(-1L, -1L));
		assertThat(reply).hasSize(1024);
		assertThat(text(reply)).hasSize(1019).endsWith(" d,8.8.8.8");
		assertThat(ToyVpnParser.parse(reply).routes()).hasSize(23);
	}

	@Test
	void theReplyParsesTheWayTheAndroidToyVpnClientParsesIt() {
		TunnelSettings s = settings(Map.of("dns", new String[] { "1.1.1.1", "2606:4700:4700::1111" }, "routes6",
				new String[] { "::/0" }, "searchDomain", "corp.example"));
		ToyVpnParser.Config c = ToyVpnParser.parse(s.handshakeReply(CLIENT, CLIENT6));
		assertThat(c.mtu()).isEqualTo(1400);
		assertThat(c.addresses()).containsExactly("10.77.0.2/32", "fd00:77::c0ff:ee00:1234:5678/128");
		assertThat(c.routes()).containsExactly("0.0.0.0/0", "::/0");
		assertThat(c.dns()).containsExactly("1.1.1.1", "2606:4700:4700::1111");
		assertThat(c.searchDomains()).containsExactly("corp.example");
	}
}
