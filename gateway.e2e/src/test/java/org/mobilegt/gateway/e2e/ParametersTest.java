package org.mobilegt.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The handshake reply parser and what the client derives from it. */
class ParametersTest {

	@Test
	void parsesAPaddedReplyDatagram() {
		byte[] reply = LoopbackServer.reply(" m,1400 a,10.77.0.2,32 d,8.8.8.8 r,0.0.0.0,0");
		assertThat(reply).hasSize(1024);
		Parameters p = Parameters.parse(reply, reply.length);
		assertThat(p.mtu()).isEqualTo(1400);
		assertThat(p.address()).isEqualTo("10.77.0.2");
		assertThat(p.prefix()).isEqualTo(32);
		assertThat(p.dns()).containsExactly("8.8.8.8");
		assertThat(p.routes()).containsExactly(new Parameters.Route("0.0.0.0", 0));
		assertThat(p.searchDomains()).isEmpty();
	}

	@Test
	void parsesTheReferenceServersFormWithoutLeadingSpace() {
		byte[] reply = LoopbackServer.reply("m,1500 a,10.0.0.2,32 r,0.0.0.0,0");
		assertThat(Parameters.parse(reply, reply.length).mtu()).isEqualTo(1500);
	}

	@Test
	void parsesRepeatedAndOptionalParameters() {
		Parameters p = Parameters.parse(" m,1280 a,10.77.1.9,32 r,172.31.0.0,16 r,10.0.0.0,8 d,1.1.1.1 d,9.9.9.9 s,example.org z,future");
		assertThat(p.routes()).extracting(Parameters.Route::toString).containsExactly("172.31.0.0/16", "10.0.0.0/8");
		assertThat(p.dns()).containsExactly("1.1.1.1", "9.9.9.9");
		assertThat(p.searchDomains()).containsExactly("example.org");
	}

	@Test
	void rejectsIncompleteOrMalformedReplies() {
		assertThatThrownBy(() -> Parameters.parse(" a,10.77.0.2,32")).hasMessageContaining("m,<mtu>");
		assertThatThrownBy(() -> Parameters.parse(" m,1400")).hasMessageContaining("a,<address>");
		assertThatThrownBy(() -> Parameters.parse(" m,abc a,10.77.0.2,32")).hasMessageContaining("\"m,abc\"");
		assertThatThrownBy(() -> Parameters.parse(" m,1400 a,10.77.0.2")).hasMessageContaining("\"a,10.77.0.2\"");
		assertThatThrownBy(() -> Parameters.parse(" m,1400 a,10.77.0.2,32 r,0.0.0.0,33")).hasMessageContaining("r,0.0.0.0,33");
		byte[] data = { 0x45, 0 };
		assertThatThrownBy(() -> Parameters.parse(data, 2)).hasMessageContaining("0 byte");
	}

	@Test
	void parsesADualStackReply() {
		Parameters p = Parameters.parse(" m,1400 a,10.77.0.2,32 a,fd00:77::c0ff:ee,128 r,0.0.0.0,0 r,::,0 r,2000::,3 d,8.8.8.8 "
				+ "d,2001:4860:4860::8888");
		assertThat(p.address()).isEqualTo("10.77.0.2");
		assertThat(p.address6()).isEqualTo("fd00:77::c0ff:ee");
		assertThat(p.routes()).containsExactly(new Parameters.Route("0.0.0.0", 0));
		assertThat(p.routes6()).containsExactly("::/0", "2000::/3");
		assertThat(p.dns()).containsExactly("8.8.8.8", "2001:4860:4860::8888");
		assertThat(Parameters.parse(" m,1400 a,10.77.0.2,32").address6()).isNull();
		assertThatThrownBy(() -> Parameters.parse(" m,1400 a,10.77.0.2,32 a,fd00::1::2,128")).hasMessageContaining("\"a,fd00::1::2,128\"");
		assertThatThrownBy(() -> Parameters.parse(" m,1400 a,10.77.0.2,32 r,::,129")).hasMessageContaining("\"r,::,129\"");
	}

	@Test
	void routesContainAddresses() {
		assertThat(Parameters.Route.of("172.31.5.0/24").contains("172.31.5.200")).isTrue();
		assertThat(Parameters.Route.of("172.31.5.0/24").contains("172.31.6.1")).isFalse();
		assertThat(Parameters.Route.of("0.0.0.0/0").contains("203.0.113.1")).isTrue();
		assertThat(Parameters.Route.of("128.0.0.0/1").contains("127.255.255.255")).isFalse();
	}

	@Test
	void tunModeSplitsADefaultRouteInTwoHalves() {
		Parameters p = Parameters.parse(" m,1400 a,10.77.0.2,32 r,0.0.0.0,0 r,172.31.9.0,24 r,0.0.0.0,0");
		assertThat(ToyVpnClient.tunRoutes(p)).extracting(Parameters.Route::toString)
				.containsExactly("0.0.0.0/1", "128.0.0.0/1", "172.31.9.0/24");
	}

	@Test
	void handshakeDatagramsAreZeroByteThenSecretAndOptionalId() {
		assertThat(ToyVpnClient.handshakeDatagram("s3cret", null)).isEqualTo("\0s3cret".getBytes(StandardCharsets.US_ASCII));
		assertThat(ToyVpnClient.handshakeDatagram("s3cret", "phone-1"))
				.isEqualTo("\0s3cret:phone-1".getBytes(StandardCharsets.US_ASCII));
	}
}
