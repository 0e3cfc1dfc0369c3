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

	/** The entries a table starts with; it doubles them, up to its capacity, as addresses come. */
	static final int FIRST_ENTRIES = 1024;

	/**
	 * The entries and their index. A full set below the capacity is replaced by a copy twice its
	 * size (the same entry numbers and generations, so every id stays valid): a table costs memory
	 * for the addresses it has seen, not 3 MiB from the start (the heap of a small box).
	 */
	private static final class Entries {
		final long[] high;
		final long[] low;
		/** Per entry: sequence number (odd while written) in the high half, generation below. */
		final long[] seq;
		final long[] generation;
		final int[] retained;
		/** Open addressing (linear probing) from address hash to entry + 1; 0 is empty. */
		final int[] index;
		final int mask;

		Entries(int size) {
			high = new long[size];
			low = new long[size];
			seq = new long[size];
			generation = new long[size];
			retained = new int[size];
			index = new int[Integer.highestOneBit(size) * 4];
			mask = index.length - 1;
		}

		int size() {
			return high.length;
		}
	}

	private final int capacity;
	/** Replaced, never changed in place once published, except entries written under the lock. */
	private volatile Entries entries;
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
		entries = new Entries(Math.min(capacity, FIRST_ENTRIES));
	}

	/** The id ({@code generation << ENTRY_BITS | entry}) of an address, added if new; -1 when every entry is retained. */
	long id(long hi, long lo) {
		long id = find(hi, lo);
		return id >= 0 ? id : add(hi, lo);
	}

	/** The id of a known address without adding it, -1 if unknown. Lock-free. */
	long find(long hi, long lo) {
		Entries t = entries;
		for (int i = hash(hi, lo) & t.mask;; i = i + 1 & t.mask) {
			int e = (int) INTS.getAcquire(t.index, i) - 1;
			if (e < 0) {
				return -1;
			}
			long s = (long) LONGS.getAcquire(t.seq, e);
			long g = t.generation[e];
			if ((s & 1) == 0 && t.high[e] == hi && t.low[e] == lo) {
				VarHandle.acquireFence();
				if ((long) LONGS.getVolatile(t.seq, e) == s) {
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
		Entries t = entries;
		int e = (int) (id & (1 << ENTRY_BITS) - 1);
		if (e >= t.size()) {
			return false;
		}
		long s = (long) LONGS.getAcquire(t.seq, e);
		long g = t.generation[e];
		long hi = t.high[e];
		long lo = t.low[e];
		VarHandle.acquireFence();
		if (s == 0 || (s & 1) != 0 || (long) LONGS.getVolatile(t.seq, e) != s || g != id >>> ENTRY_BITS) { // 0: never written
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
		entries.retained[e]++;
		return true;
	}

	synchronized void release(long id) {
		int e = live(id);
		if (e >= 0 && entries.retained[e] > 0) {
			entries.retained[e]--;
		}
	}

	synchronized int size() {
		return used;
	}

	/** How many entries the table has memory for now. */
	int entriesAllocated() {
		return entries.size();
	}

	private int live(long id) {
		int e = (int) (id & (1 << ENTRY_BITS) - 1);
		return e < used && entries.generation[e] == id >>> ENTRY_BITS ? e : -1;
	}

	private synchronized long add(long hi, long lo) {
		long id = find(hi, lo);
		if (id >= 0) {
			return id;
		}
		Entries t = entries;
		int e;
		if (used < capacity) {
			if (used == t.size()) {
				t = grown(t);
			}
			e = used++;
			t.generation[e] = random.nextLong(); // keys saved by another run (or table) resolve to nothing
		} else {
			e = victim(t);
			if (e < 0) {
				return -1;
			}
			unindex(t, e);
		}
		write(t, e, hi, lo, t.generation[e] + 1 & GENERATION_MASK);
		indexed(t, e);
		return t.generation[e] << ENTRY_BITS | e;
	}

	/** A copy of {@code t}'s entries, twice as many (at most the capacity), published. */
	private Entries grown(Entries t) {
		Entries n = new Entries(Math.min(capacity, 2 * t.size()));
		System.arraycopy(t.high, 0, n.high, 0, used);
		System.arraycopy(t.low, 0, n.low, 0, used);
		System.arraycopy(t.seq, 0, n.seq, 0, used); // even: entries are written under the lock
		System.arraycopy(t.generation, 0, n.generation, 0, used);
		System.arraycopy(t.retained, 0, n.retained, 0, used);
		for (int e = 0; e < used; e++) {
			indexed(n, e);
		}
		entries = n; // a lookup still in the old entries finds what they held, or misses and retries under the lock
		return n;
	}

	private void indexed(Entries t, int e) {
		int i = hash(t.high[e], t.low[e]) & t.mask;
		while (t.index[i] != 0) {
			i = i + 1 & t.mask;
		}
		INTS.setRelease(t.index, i, e + 1);
	}

	/** The next entry nobody retains, clock order (the oldest added first); -1 if all are retained. */
	private int victim(Entries t) {
		for (int n = 0; n < capacity; n++) {
			int e = hand;
			hand = (hand + 1) % capacity;
			if (t.retained[e] == 0) {
				return e;
			}
		}
		return -1;
	}

	private static void write(Entries t, int e, long hi, long lo, long g) {
		long s = t.seq[e];
		LONGS.setVolatile(t.seq, e, s + 1);
		VarHandle.storeStoreFence(); // the entry's new values are not seen before the odd sequence
		t.high[e] = hi;
		t.low[e] = lo;
		t.generation[e] = g;
		LONGS.setRelease(t.seq, e, s + 2);
	}

	/** Removes entry e from the index, shifting later entries of its probe run back (no tombstones). */
	private void unindex(Entries t, int e) {
		int mask = t.mask;
		int i = hash(t.high[e], t.low[e]) & mask;
		while (t.index[i] != e + 1) {
			i = i + 1 & mask;
		}
		for (int j = i + 1 & mask;; j = j + 1 & mask) {
			int f = t.index[j] - 1;
			if (f < 0) {
				break;
			}
			int home = hash(t.high[f], t.low[f]) & mask;
			if ((j - home & mask) >= (j - i & mask)) {
				INTS.setRelease(t.index, i, f + 1);
				i = j;
			}
		}
		INTS.setRelease(t.index, i, 0);
	}

	private int hash(long hi, long lo) {
		long h = (hi ^ seed) * 0x9E3779B97F4A7C15L;
		h = (h ^ h >>> 32 ^ lo) * 0xC2B2AE3D27D4EB4FL;
		return (int) (h ^ h >>> 29 ^ h >>> 47);
	}
}
