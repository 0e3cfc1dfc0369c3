package org.mobilegt.gateway.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ViewsTest {

	@Test
	void sizesDurationsAndRates() {
		assertThat(Views.bytes(512)).isEqualTo("512 B");
		assertThat(Views.bytes(1536)).isEqualTo("1.5 KiB");
		assertThat(Views.bytes(5L << 30)).isEqualTo("5.0 GiB");
		assertThat(Views.duration(59)).isEqualTo("59s");
		assertThat(Views.duration(3723)).isEqualTo("1h02m03s");
		assertThat(Views.si(0.5)).isEqualTo("0.5");
		assertThat(Views.si(430_000_000)).isEqualTo("430.0 M");
	}

	@Test
	void attackerTextIsShownEscaped() {
		assertThat(Views.printable("phone-1")).isEqualTo("phone-1");
		assertThat(Views.printable("a\u001b[31mb\n")).isEqualTo("a\\x1b[31mb\\x0a");
		assertThat(Views.printable(null)).isEqualTo("-");
	}

	@Test
	void aSessionCarriesItsIdAsSentAndAsEveryViewPrintsIt() {
		assertThat(Views.of(session(null), 0).client()).isEqualTo("(anonymous)");
		Views.SessionView evil = Views.of(session("x\u001b[2J\ny"), 0);
		assertThat(evil.clientId()).isEqualTo("x\u001b[2J\ny");
		assertThat(evil.client()).isEqualTo("x\\x1b[2J\\x0ay");
	}

	private static org.mobilegt.gateway.session.api.Session session(String clientId) {
		return (org.mobilegt.gateway.session.api.Session) java.lang.reflect.Proxy.newProxyInstance(ViewsTest.class.getClassLoader(),
				new Class<?>[] { org.mobilegt.gateway.session.api.Session.class }, (proxy, method, args) -> switch (method.getName()) {
				case "clientId" -> clientId;
				case "since" -> java.time.Instant.EPOCH;
				case "id", "endpoint", "rxPackets", "rxBytes", "txPackets", "txBytes", "drops", "lastReceivedMillis" -> 0L;
				case "tunnelAddress" -> 0;
				default -> throw new UnsupportedOperationException(method.getName());
				});
	}

	@Test
	void jsonKeepsCharactersAsTheyAre() {
		assertThat(Views.json(new Views.AttemptView("t", "1.2.3.4", 5, "BAD_KEY", "<b>"))).isEqualTo(
				"{\"time\":\"t\",\"address\":\"1.2.3.4\",\"port\":5,\"reason\":\"BAD_KEY\",\"detail\":\"<b>\"}");
	}
}
