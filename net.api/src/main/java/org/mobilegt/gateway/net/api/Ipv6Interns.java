package org.mobilegt.gateway.net.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * The bounded table behind IPv6 endpoint keys: a 128-bit address gets a small id (entry number
 * and generation) so that its endpoints fit a long. Remote input fills it (every datagram from a
 * new IPv6 source), so it holds at most {@code capacity} addresses; a new address takes a free
 * entry or evicts one nobody {@link #retain retains} (sessions do), oldest first. An evicted entry
 * is reused with the next generation, so a key kept too long resolves to nothing, never to another
 * address. Generations start at random, so keys another run saved resolve to nothing too.
 * <p>
 * Looking up a known address and reading an entry take no lock and allocate nothing: entries are
 * read under a per-entry sequence number (odd while written). Adding, evicting, retaining and
 * releasing hold the table's lock; a lock-free lookup that misses retries under it.
 */
final class Ipv6Interns {

	static final int ENTRY_BITS = 16;
	static final int GENERATION_BITS = 62 - 16 - ENTRY_BITS;
	private static final long GENERATION_MASK = (1L << GENERATION_BITS) - 1;
	private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
	private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

	private final int capacity;
	private final long[] high;
	private final long[] low;
	/** Per entry: sequence number (odd while written) in the high half, generation below. */
	private final long[] seq;
	private final long[] generation;
	private final int[] retained;
	/** Open addressing (linear probing) from address hash to entry + 1; 0 is empty. */
	private final int[] index;
	private final int mask;
	/** Random per table: remote senders choose their low 64 bits and must not choose collisions. */
	private final SecureRandom random = new SecureRandom();
	private final long seed = random.nextLong();
	private int used;
	private int hand;

	Ipv6Interns(int capacity) {
		if (capacity < 1 || capacity > 1 << ENTRY_BITS) {
			throw new IllegalArgumentException("capacity 1.." + (1 << ENTRY_BITS) + ": " + capacity);
		}
		this.capacity = capacity;
		high = new long[capacity];
		low = new long[capacity];
		seq = new long[capacity];
		generation = new long[capacity];
		retained = new int[capacity];
		index = new int[Integer.highestOneBit(capacity) * 4];
		mask = index.length - 1;
	}

	/** The id ({@code generation << ENTRY_BITS | entry}) of an address, added if new; -1 when every entry is retained. */
	long id(long hi, long lo) {
		long id = find(hi, lo);
		return id >= 0 ? id : add(hi, lo);
	}

	/** The id of a known address without adding it, -1 if unknown. Lock-free. */
	long find(long hi, long lo) {
		for (int i = hash(hi, lo) & mask;; i = i + 1 & mask) {
			int e = (int) INTS.getAcquire(index, i) - 1;
			if (e < 0) {
				return -1;
			}
			long s = (long) LONGS.getAcquire(seq, e);
			long g = generation[e];
			if ((s & 1) == 0 && high[e] == hi && low[e] == lo) {
				VarHandle.acquireFence();
				if ((long) LONGS.getVolatile(seq, e) == s) {
					return g << ENTRY_BITS | e;
				}
				return -1; // being rewritten: the caller retries under the lock
			}
		}
	}

	/**
	 * Writes id's address (16 bytes, network order) at {@code offset} of {@code to}; false, writing
	 * nothing, if the id is stale. Lock-free, allocation-free.
	 */
	boolean copy(long id, ByteBuffer to, int offset) {
		int e = (int) (id & (1 << ENTRY_BITS) - 1);
		if (e >= capacity) {
			return false;
		}
		long s = (long) LONGS.getAcquire(seq, e);
		long g = generation[e];
		long hi = high[e];
		long lo = low[e];
		VarHandle.acquireFence();
		if ((s & 1) != 0 || (long) LONGS.getVolatile(seq, e) != s || g != id >>> ENTRY_BITS) {
			return false;
		}
		to.putLong(offset, hi).putLong(offset + 8, lo);
		return true;
	}

	/** id's address, null if the id is stale. */
	IpAddress address(long id) {
		ByteBuffer b = ByteBuffer.allocate(16);
		return copy(id, b, 0) ? IpAddress.ofIpv6(b.getLong(0), b.getLong(8)) : null;
	}

	/** Keeps id's address from eviction until {@link #release}; false if the id is stale. */
	synchronized boolean retain(long id) {
		int e = live(id);
		if (e < 0) {
			return false;
		}
		retained[e]++;
		return true;
	}

	synchronized void release(long id) {
		int e = live(id);
		if (e >= 0 && retained[e] > 0) {
			retained[e]--;
		}
	}

	synchronized int size() {
		return used;
	}

	private int live(long id) {
		int e = (int) (id & (1 << ENTRY_BITS) - 1);
		return e < capacity && e < used && generation[e] == id >>> ENTRY_BITS ? e : -1;
	}

	private synchronized long add(long hi, long lo) {
		long id = find(hi, lo);
		if (id >= 0) {
			return id;
		}
		int e;
		if (used < capacity) {
			e = used++;
			generation[e] = random.nextLong(); // keys saved by another run (or table) resolve to nothing
		} else {
			e = victim();
			if (e < 0) {
				return -1;
			}
			unindex(e);
		}
		write(e, hi, lo, generation[e] + 1 & GENERATION_MASK);
		int i = hash(hi, lo) & mask;
		while (index[i] != 0) {
			i = i + 1 & mask;
		}
		INTS.setRelease(index, i, e + 1);
		return generation[e] << ENTRY_BITS | e;
	}

	/** The next entry nobody retains, clock order (the oldest added first); -1 if all are retained. */
	private int victim() {
		for (int n = 0; n < capacity; n++) {
			int e = hand;
			hand = (hand + 1) % capacity;
			if (retained[e] == 0) {
				return e;
			}
		}
		return -1;
	}

	private void write(int e, long hi, long lo, long g) {
		long s = seq[e];
		LONGS.setVolatile(seq, e, s + 1);
		VarHandle.storeStoreFence(); // the entry's new values are not seen before the odd sequence
		high[e] = hi;
		low[e] = lo;
		generation[e] = g;
		LONGS.setRelease(seq, e, s + 2);
	}

	/** Removes entry e from the index, shifting later entries of its probe run back (no tombstones). */
	private void unindex(int e) {
		int i = hash(high[e], low[e]) & mask;
		while (index[i] != e + 1) {
			i = i + 1 & mask;
		}
		for (int j = i + 1 & mask;; j = j + 1 & mask) {
			int f = index[j] - 1;
			if (f < 0) {
				break;
			}
			int home = hash(high[f], low[f]) & mask;
			if ((j - home & mask) >= (j - i & mask)) {
				INTS.setRelease(index, i, f + 1);
				i = j;
			}
		}
		INTS.setRelease(index, i, 0);
	}

	private int hash(long hi, long lo) {
		long h = (hi ^ seed) * 0x9E3779B97F4A7C15L;
		h = (h ^ h >>> 32 ^ lo) * 0xC2B2AE3D27D4EB4FL;
		return (int) (h ^ h >>> 29 ^ h >>> 47);
	}
}
