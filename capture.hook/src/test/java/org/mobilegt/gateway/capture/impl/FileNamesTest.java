package org.mobilegt.gateway.capture.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class FileNamesTest {

	@Test
	void plainIdsStayAsTheyAre() {
		assertThat(FileNames.safe("phone-1")).isEqualTo("phone-1");
		assertThat(FileNames.safe("Alice_2.b")).isEqualTo("Alice_2.b");
	}

	@Test
	void anonymousClientsHaveAName() {
		assertThat(FileNames.safe(null)).isEqualTo("anonymous");
		assertThat(FileNames.safe("anonymous")).as("a client calling itself so is not taken for one").startsWith("anonymous~");
	}

	@Test
	void shellMetacharactersAndPathsBecomeUnderscoresWithAHashOfTheOriginal() {
		String s = FileNames.safe("a;touch /tmp/pwned-1;$(id)");
		assertThat(s).matches("a_touch__tmp_pwned-1___id_~[0-9a-f]{8}");
		assertThat(FileNames.safe("../../etc/passwd")).matches("_\\._\\.\\._etc_passwd~[0-9a-f]{8}").doesNotContain("/");
	}

	@Test
	void neverHiddenNorAnOption() {
		assertThat(FileNames.safe(".profile")).startsWith("_profile~");
		assertThat(FileNames.safe("-w")).startsWith("_w~");
		assertThat(FileNames.safe("..")).startsWith("_.~");
	}

	@Test
	void idsThatLookAlikeAfterCleaningGetDifferentNames() {
		assertThat(FileNames.safe("a/b")).isNotEqualTo(FileNames.safe("a:b")).isNotEqualTo("a_b");
		assertThat(FileNames.safe("a_b")).isEqualTo("a_b");
	}

	@Test
	void longIdsAreCut() {
		String s = FileNames.safe("x".repeat(500));
		assertThat(s).hasSize(48 + 9).startsWith("x".repeat(48) + "~");
	}

	@Test
	void onlySafeCharactersEverSurvive() {
		StringBuilder all = new StringBuilder();
		for (char c = 0x20; c < 0x7F; c++) {
			all.append(c);
		}
		assertThat(FileNames.safe(all.toString())).matches("[A-Za-z0-9_][A-Za-z0-9._-]*~[0-9a-f]{8}");
	}

	@Test
	void timestampsSortAndNeedNoQuoting() {
		assertThat(FileNames.time(Instant.parse("2026-11-01T08:05:03.042Z"))).isEqualTo("20261101T080503.042Z");
	}
}
