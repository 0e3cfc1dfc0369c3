package org.mobilegt.gateway.common;

import java.util.Map;

/**
 * An immutable open-addressing hash table from long keys to values: lookups are lock-free and do
 * not allocate, which is what the data path needs. Writers build a new table from their master
 * map and publish it through a volatile field (copy on write; writes are rare: handshakes).
 */
public final class LongTable<V> {

	private static final long EMPTY = Long.MIN_VALUE;
	private static final LongTable<?> NONE = new LongTable<>(Map.of());

	private final long[] keys;
	private final Object[] values;
	private final int mask;

	private LongTable(Map<Long, V> entries) {
		int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 + 1) - 1) << 1;
		keys = new long[capacity];
		values = new Object[capacity];
		mask = capacity - 1;
		java.util.Arrays.fill(keys, EMPTY);
		entries.forEach((k, v) -> {
			int i = slot(k);
			while (keys[i] != EMPTY) {
				i = (i + 1) & mask;
			}
			keys[i] = k;
			values[i] = v;
		});
	}

	@SuppressWarnings("unchecked")
	public static <V> LongTable<V> empty() {
		return (LongTable<V>) NONE;
	}

	public static <V> LongTable<V> of(Map<Long, V> entries) {
		return entries.isEmpty() ? empty() : new LongTable<>(entries);
	}

	@SuppressWarnings("unchecked")
	public V get(long key) {
		int i = slot(key);
		long k;
		while ((k = keys[i]) != EMPTY) {
			if (k == key) {
				return (V) values[i];
			}
			i = (i + 1) & mask;
		}
		return null;
	}

	private int slot(long key) {
		long h = key * 0x9E3779B97F4A7C15L; // Fibonacci hashing spreads sequential addresses and ports
		return (int) (h ^ (h >>> 32)) & mask;
	}
}
