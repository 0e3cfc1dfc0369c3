package org.mobilegt.gateway.app.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VpnPageTest {

	private final VpnPage page = new VpnPage(null, null);

	@Test
	void servesOnlyItsOwnScriptAndStyleSheet() {
		assertThat(page.getResource("/vpn/res/vpn.js")).isNotNull();
		assertThat(page.getResource("/vpn/res/vpn.css")).isNotNull();
		assertThat(page.getResource("/vpn/res/keys.js")).isNotNull();
		assertThat(page.getResource("/vpn/res/VpnPage.class")).isNull();
		assertThat(page.getResource("/vpn/res/../console/vpn.js")).isNull();
		assertThat(page.getResource("/vpn/data.json")).isNull();
		assertThat(page.getResource(null)).isNull();
	}

	@Test
	void banMinutesAreEmptyOrAWholeNumberUpToAWeek() {
		assertThat(VpnPage.banMinutes(null)).isZero();
		assertThat(VpnPage.banMinutes(" ")).isZero();
		assertThat(VpnPage.banMinutes("0")).isZero();
		assertThat(VpnPage.banMinutes(" 15 ")).isEqualTo(15);
		assertThat(VpnPage.banMinutes("10080")).isEqualTo(10080);
		assertThat(VpnPage.banMinutes("10081")).isEqualTo(-1);
		assertThat(VpnPage.banMinutes("-1")).isEqualTo(-1);
		assertThat(VpnPage.banMinutes("1.5")).isEqualTo(-1);
		assertThat(VpnPage.banMinutes("9999999999")).isEqualTo(-1);
	}
}
