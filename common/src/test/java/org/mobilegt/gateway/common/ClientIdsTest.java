package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientIdsTest {

	@Test
	void plainIdsArePrintedAsTheyAreAndTheAnonymousClientHasOneName() {
		assertThat(ClientIds.printable("alice")).isEqualTo("alice");
		assertThat(ClientIds.printable("a b:c/d")).isEqualTo("a b:c/d");
		assertThat(ClientIds.printable(null)).isEqualTo("(anonymous)");
	}

	@Test
	void controlCharactersCannotForgeALineOrMoveTheCursor() {
		String forged = "bob\n12:00:00 INFO  [SessionRegistry] Session 9 opened: client admin";
		assertThat(ClientIds.printable(forged)).doesNotContain("\n").startsWith("bob\\x0a12:00:00");
		assertThat(ClientIds.printable("\u001b[2J\r\t\u007f")).isEqualTo("\\x1b[2J\\x0d\\x09\\x7f");
		assertThat(ClientIds.printable("caf\u00e9 \u202e")).isEqualTo("caf\\xe9 \\u202e");
	}

	@Test
	void anEscapeInTheIdIsNotTakenForOneOfOurs() {
		assertThat(ClientIds.printable("a\\x0a")).isEqualTo("a\\\\x0a").isNotEqualTo(ClientIds.printable("a\n"));
	}

	@Test
	void everyCharacterComesOutPrintable() {
		assertThat(ClientIds.printable(chars(0, 0x300))).matches("[\\x20-\\x7e]+");
	}

	@Test
	void plainIdsStayAsTheyAreInFileNames() {
		assertThat(ClientIds.fileName("phone-1")).isEqualTo("phone-1");
		assertThat(ClientIds.fileName("Alice_2.b")).isEqualTo("Alice_2.b");
	}

	@Test
	void anonymousClientsHaveAFileName() {
		assertThat(ClientIds.fileName(null)).isEqualTo("anonymous");
		assertThat(ClientIds.fileName("anonymous")).as("a client calling itself so is not taken for one").startsWith("anonymous~");
	}

	@Test
	void shellMetacharactersAndPathsBecomeUnderscoresWithAHashOfTheOriginal() {
		assertThat(ClientIds.fileName("a;touch /tmp/pwned-1;$(id)")).matches("a_touch__tmp_pwned-1___id_~[0-9a-f]{8}");
		assertThat(ClientIds.fileName("../../etc/passwd")).matches("_\\._\\.\\._etc_passwd~[0-9a-f]{8}").doesNotContain("/");
		assertThat(ClientIds.fileName("x\ny")).matches("x_y~[0-9a-f]{8}");
	}

	@Test
	void fileNamesAreNeverHiddenNorAnOption() {
		assertThat(ClientIds.fileName(".profile")).startsWith("_profile~");
		assertThat(ClientIds.fileName("-w")).startsWith("_w~");
		assertThat(ClientIds.fileName("..")).startsWith("_.~");
	}

	@Test
	void idsThatLookAlikeAfterCleaningGetDifferentFileNames() {
		assertThat(ClientIds.fileName("a/b")).isNotEqualTo(ClientIds.fileName("a:b")).isNotEqualTo("a_b");
		assertThat(ClientIds.fileName("a_b")).isEqualTo("a_b");
	}

	@Test
	void longIdsAreCutInFileNames() {
		assertThat(ClientIds.fileName("x".repeat(500))).hasSize(48 + 9).startsWith("x".repeat(48) + "~");
	}

	@Test
	void onlySafeCharactersEverSurviveInFileNames() {
		assertThat(ClientIds.fileName(chars(0x20, 0x7f))).matches("[A-Za-z0-9_][A-Za-z0-9._-]*~[0-9a-f]{8}");
	}

	/** Every character from {@code from} to before {@code to}. */
	private static String chars(int from, int to) {
		StringBuilder all = new StringBuilder();
		for (int c = from; c < to; c++) {
			all.append((char) c);
		}
		return all.toString();
	}
}
