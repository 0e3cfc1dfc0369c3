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
	void jsonKeepsCharactersAsTheyAre() {
		assertThat(Views.json(new Views.AttemptView("t", "1.2.3.4", 5, "BAD_KEY", "<b>"))).isEqualTo(
				"{\"time\":\"t\",\"address\":\"1.2.3.4\",\"port\":5,\"reason\":\"BAD_KEY\",\"detail\":\"<b>\"}");
	}
}
