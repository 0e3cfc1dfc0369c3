package org.mobilegt.gateway.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TableTest {

	@Test
	void alignsColumnsNumbersToTheRight() {
		String t = new Table("CLIENT", ">PACKETS").row("alice", 5).row("bob-the-phone", 12345).row(null, 0).toString();
		assertThat(t).isEqualTo("""
				CLIENT         PACKETS
				alice                5
				bob-the-phone    12345
				-                    0
				""");
	}
}
