package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class LongTableTest {

	@Test
	void findsEveryKeyAndNothingElse() {
		Map<Long, String> entries = new HashMap<>();
		Random random = new Random(42);
		for (int i = 0; i < 5000; i++) {
			long key = random.nextLong() & 0xFFFFFFFFFFFFL; // endpoint keys are 48 bits
			entries.put(key, "v" + key);
		}
		LongTable<String> table = LongTable.of(entries);
		entries.forEach((k, v) -> assertThat(table.get(k)).isEqualTo(v));
		for (int i = 0; i < 5000; i++) {
			long probe = random.nextLong() & 0xFFFFFFFFFFFFL;
			assertThat(table.get(probe)).isEqualTo(entries.get(probe));
		}
	}

	@Test
	void sequentialAddressesSpreadAndResolve() {
		Map<Long, Integer> entries = new HashMap<>();
		for (int i = 0; i < 65534; i++) {
			entries.put((0x0A4D0000L + i), i); // 10.77.0.0/16
		}
		LongTable<Integer> table = LongTable.of(entries);
		for (int i = 0; i < 65534; i++) {
			assertThat(table.get(0x0A4D0000L + i)).isEqualTo(i);
		}
		assertThat(table.get(0x0A4E0000L)).isNull();
	}

	@Test
	void emptyTableFindsNothing() {
		assertThat(LongTable.<String>empty().get(0)).isNull();
		assertThat(LongTable.<String>of(Map.of()).get(Long.MAX_VALUE)).isNull();
	}
}
