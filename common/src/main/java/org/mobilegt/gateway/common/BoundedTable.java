package org.mobilegt.gateway.common;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * A thread-safe map of at most {@code capacity} entries that forgets its oldest entry (by
 * insertion) to make room. For tables that remote input can grow (throttled sources, hinted
 * endpoints, recently closed endpoints): a flood from many sources evicts the oldest entries one
 * by one, never the whole table at once, so it cannot wipe what the table protects.
 */
public final class BoundedTable<K, V> {

	private final Map<K, V> map;
	private volatile int capacity;

	public BoundedTable(int capacity) {
		this.capacity = capacity;
		this.map = new LinkedHashMap<>(16, 0.75f, false) {
			private static final long serialVersionUID = 1L;

			@Override
			protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
				return size() > BoundedTable.this.capacity;
			}
		};
	}

	public synchronized V get(K key) {
		return map.get(key);
	}

	/** Puts {@code key} as the newest entry (an existing one moves to the end). */
	public synchronized void put(K key, V value) {
		map.remove(key);
		map.put(key, value);
	}

	/** Computes the entry of {@code key} (null removes it); a new entry is the newest. */
	public synchronized V compute(K key, BiFunction<? super K, ? super V, ? extends V> f) {
		return map.compute(key, f);
	}

	public synchronized V remove(K key) {
		return map.remove(key);
	}

	public synchronized void removeIf(Predicate<V> expired) {
		map.values().removeIf(expired);
	}

	public synchronized int size() {
		return map.size();
	}

	/** A copy of the entries, oldest first. */
	public synchronized Map<K, V> copy() {
		return new LinkedHashMap<>(map);
	}
}
