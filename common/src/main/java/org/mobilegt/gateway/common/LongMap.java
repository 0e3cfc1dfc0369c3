package org.mobilegt.gateway.common;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * A hash map from long keys to values for one writer and any number of readers: reads are
 * lock-free and allocation-free (the data path looks sessions up per packet), writes are O(1)
 * amortised (handshakes at thousands per second must not copy a table each time).
 * <p>
 * Open addressing with linear probing. A writer publishes the value before the key and removes
 * the value before the key; a reader reads key, value, key again and trusts the value only when
 * both key reads match, so it never returns a value that belonged to another key. Growing (or
 * clearing out deleted slots) builds a new table and publishes it through a volatile field.
 * Writers must be serialised by the caller.
 */
public final class LongMap<V> {

	private static final long EMPTY = Long.MIN_VALUE;
	private static final long DELETED = Long.MIN_VALUE + 1;
	private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(long[].class);
	private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(Object[].class);

	private static final class Table {
		final long[] keys;
		final Object[] values;
		final int mask;

		Table(int capacity) {
			keys = new long[capacity];
			values = new Object[capacity];
			mask = capacity - 1;
			java.util.Arrays.fill(keys, EMPTY);
		}
	}

	private volatile Table table = new Table(16);
	private int size; // live entries, writer only
	private int used; // live and deleted slots, writer only

	/** The value for {@code key}, or null. Any thread. */
	@SuppressWarnings("unchecked")
	public V get(long key) {
		Table t = table;
		for (int i = slot(key, t.mask);; i = (i + 1) & t.mask) {
			long k = (long) KEYS.getAcquire(t.keys, i);
			if (k == EMPTY) {
				return null;
			}
			if (k == key) {
				Object v = VALUES.getAcquire(t.values, i);
				if ((long) KEYS.getAcquire(t.keys, i) == key) {
					return (V) v;
				}
				i = slot(key, t.mask) - 1; // the slot changed under us: probe again from the start
			}
		}
	}

	/** Maps {@code key} to {@code value} (not null). Writer only. */
	public void put(long key, V value) {
		if (key == EMPTY || key == DELETED) {
			throw new IllegalArgumentException("reserved key");
		}
		Table t = table;
		int free = -1;
		for (int i = slot(key, t.mask);; i = (i + 1) & t.mask) {
			long k = t.keys[i];
			if (k == key) {
				VALUES.setRelease(t.values, i, value);
				return;
			}
			if (k == DELETED && free < 0) {
				free = i;
			} else if (k == EMPTY) {
				if (free < 0) {
					free = i;
					used++;
				}
				break;
			}
		}
		VALUES.setRelease(t.values, free, value);
		KEYS.setRelease(t.keys, free, key);
		size++;
		if (used * 2 > t.keys.length) {
			rebuild(size * 4 > t.keys.length ? t.keys.length * 2 : t.keys.length);
		}
	}

	/** Removes {@code key}. Writer only. */
	public void remove(long key) {
		Table t = table;
		for (int i = slot(key, t.mask);; i = (i + 1) & t.mask) {
			long k = t.keys[i];
			if (k == EMPTY) {
				return;
			}
			if (k == key) {
				VALUES.setRelease(t.values, i, null);
				KEYS.setRelease(t.keys, i, DELETED);
				size--;
				return;
			}
		}
	}

	/**
	 * Gives each live value to {@code action}. Any thread: weakly consistent like a concurrent
	 * map's view (an entry put or removed meanwhile may or may not be seen), never another key's value.
	 */
	@SuppressWarnings("unchecked")
	public void forEach(Consumer<? super V> action) {
		Table t = table;
		for (int i = 0; i < t.keys.length; i++) {
			long k = (long) KEYS.getAcquire(t.keys, i);
			if (k != EMPTY && k != DELETED) {
				Object v = VALUES.getAcquire(t.values, i);
				if (v != null && (long) KEYS.getAcquire(t.keys, i) == k) {
					action.accept((V) v);
				}
			}
		}
	}

	/** Live entries. Writer only. */
	public int size() {
		return size;
	}

	/** Copies the live entries into a fresh table of {@code capacity} and publishes it. */
	private void rebuild(int capacity) {
		Table old = table;
		Table t = new Table(capacity);
		for (int i = 0; i < old.keys.length; i++) {
			long k = old.keys[i];
			if (k != EMPTY && k != DELETED) {
				int j = slot(k, t.mask);
				while (t.keys[j] != EMPTY) {
					j = (j + 1) & t.mask;
				}
				t.keys[j] = k;
				t.values[j] = old.values[i];
			}
		}
		used = size;
		table = t; // volatile write publishes the filled arrays
	}

	private static int slot(long key, int mask) {
		long h = key * 0x9E3779B97F4A7C15L; // Fibonacci hashing spreads sequential addresses and ports
		return (int) (h ^ (h >>> 32)) & mask;
	}
}
