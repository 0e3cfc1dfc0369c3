package org.mobilegt.gateway.tunnel.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.ConfigValueException;
import org.mobilegt.gateway.common.testing.Annotations;

class TunnelSettingsTest {

	static TunnelSettings settings(Map<String, Object> values) {
		return TunnelSettings.of(Annotations.of(TunnelConfig.class, values));
	}

	static final int CLIENT = 0x0A4D0002; // 10.77.0.2

	@Test
	void theReplyIsZeroThenTheParametersPaddedWithSpacesTo1024Bytes() {
		byte[] reply = settings(Map.of()).handshakeReply(CLIENT);
		assertThat(reply).hasSize(1024);
		assertThat(reply[0]).isZero();
		String text = new String(reply, 1, 1023, StandardCharsets.US_ASCII);
		assertThat(text.strip()).isEqualTo("m,1400 a,10.77.0.2,32 r,0.0.0.0,0 d,8.8.8.8");
		assertThat(text.substring(text.strip().length())).matches(" +");
	}

	@Test
	void routesDnsAndSearchDomainAreAllPushed() {
		byte[] reply = settings(Map.of("mtu", 1280, "dns", new String[] { "1.1.1.1", "9.9.9.9" }, "routes",
				new String[] { "10.0.0.0/8", "192.168.0.0/16" }, "searchDomain", "corp.example")).handshakeReply(CLIENT);
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
				.hasMessage("mobilegt.tunnel: bind=localhost must be an IPv4 address (0.0.0.0 for all)");
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
				.hasMessage("mobilegt.tunnel: bind=010.0.0.1 must be an IPv4 address (0.0.0.0 for all)");
		assertThatThrownBy(() -> settings(Map.of("bind", "::"))).hasMessageContaining("bind=:: must be an IPv4 address");
		assertThatThrownBy(() -> settings(Map.of("bind", "127.1"))).hasMessageContaining("bind=127.1 must be an IPv4 address");
		assertThatThrownBy(() -> settings(Map.of("dns", new String[] { "8.8.8.08" }))).hasMessage(
				"mobilegt.tunnel: dns=8.8.8.08 must be IPv4 addresses");
		assertThat(settings(Map.of("bind", " 127.0.0.1 ")).bind().getHostAddress()).isEqualTo("127.0.0.1");
	}

	@Test
	void routesWithHostBitsAreRefusedNamingTheNetwork() {
		assertThatThrownBy(() -> settings(Map.of("routes", new String[] { "10.1.2.3/8" }))).hasMessage(
				"mobilegt.tunnel: routes=10.1.2.3/8 has host bits set; did you mean 10.0.0.0/8?");
		assertThatThrownBy(() -> settings(Map.of("routes", new String[] { "::/0" }))).hasMessage(
				"mobilegt.tunnel: routes=::/0 must be IPv4 CIDR routes, e.g. 0.0.0.0/0");
	}
}
