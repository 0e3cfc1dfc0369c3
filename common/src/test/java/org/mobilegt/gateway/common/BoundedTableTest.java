package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoundedTableTest {

	@Test
	void evictsTheOldestEntryOneByOneNeverTheWholeTable() {
		BoundedTable<Integer, String> t = new BoundedTable<>(3);
		t.put(1, "a");
		t.put(2, "b");
		t.put(3, "c");
		t.put(4, "d");
		assertThat(t.size()).isEqualTo(3);
		assertThat(t.get(1)).as("the oldest went").isNull();
		assertThat(t.get(2)).isEqualTo("b");
		t.put(2, "b2"); // refreshed: now the newest
		t.put(5, "e");
		assertThat(t.get(3)).as("3 was then the oldest").isNull();
		assertThat(t.copy().keySet()).containsExactly(4, 2, 5);
	}

	@Test
	void computeAndRemoveIf() {
		BoundedTable<String, Integer> t = new BoundedTable<>(10);
		t.compute("x", (k, v) -> v == null ? 1 : v + 1);
		t.compute("x", (k, v) -> v == null ? 1 : v + 1);
		t.put("y", 7);
		assertThat(t.get("x")).isEqualTo(2);
		t.removeIf(v -> v > 5);
		assertThat(t.copy()).containsOnlyKeys("x");
	}
}
