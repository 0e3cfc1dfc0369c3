package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.mobilegt.gateway.common.Daemons;
import org.mobilegt.gateway.common.LongTable;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.PacketTap;

/**
 * The built-in pcap writer: a {@link PacketTap} for the tunnel's data path and one writer thread.
 * <p>
 * Between them is a bounded lock-free ring of preallocated slots (Vyukov's bounded queue; the
 * pumps are the producers, the writer the only consumer). On the data path a selected packet is
 * copied into the next free slot; when the ring is full the packet is counted as dropped for its
 * capture. So the tunnel never waits for a lock or the disk, and never allocates. The writer
 * writes the slots to their capture's file and flushes whenever the ring runs dry (at least once
 * a second under load); it sleeps while the ring is empty and the pumps wake it.
 * <p>
 * The selection (tunnel address → capture) is an immutable table swapped on change; the owner
 * learns each new set of addresses through {@code onSelection}, to put it into the tap's service
 * property ({@link PacketTap#ADDRESSES}) — an empty set means: unregister, the tunnel then pays
 * nothing.
 */
final class PcapTap implements PacketTap {

	/** 4096 slots of (normally) 2 KiB: 8 MiB, allocated only while a built-in capture runs. */
	static final int SLOTS = 4096;
	static final int MIN_SLOT_BYTES = 2048;
	private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
	/** A nap of the writer while the ring is empty: the ring holds a nap's worth of up to 20 million packets/s. */
	private static final long NAP_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
	private static final int NAPS = 10;
	private static final long MAX_UNFLUSHED_NANOS = TimeUnit.SECONDS.toNanos(1);
	/** Packets the writer takes before it looks at commands and the flush clock again. */
	private static final int BATCH = 256;
	private static final long COMMAND_TIMEOUT_MILLIS = 5000;

	// the ring: slot i holds a packet when sequence[i] == its position + 1
	private final int mask = SLOTS - 1;
	private final AtomicLongArray sequence = new AtomicLongArray(SLOTS);
	private final byte[][] data = new byte[SLOTS][];
	private final int[] lengths = new int[SLOTS];
	private final int[] originals = new int[SLOTS];
	private final long[] micros = new long[SLOTS];
	private final BuiltinCapture[] owners = new BuiltinCapture[SLOTS];
	private final AtomicLong claimed = new AtomicLong(); // next position a producer takes
	private long taken; // next position the writer reads (writer thread only)
	private volatile boolean sleeping;

	private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
	private final Consumer<String[]> onSelection;
	private final Consumer<BuiltinCapture> onFailure;
	private final Consumer<String> log;
	private final Map<Long, BuiltinCapture> selected = new HashMap<>();
	private final long anchorMicros = System.currentTimeMillis() * 1000;
	private final long anchorNanos = System.nanoTime();
	private final Thread writer;
	private volatile LongTable<BuiltinCapture> table = LongTable.empty();
	private boolean stopped; // writer thread only

	/**
	 * @param slotBytes   bytes per slot: packets longer than that are cut (their full length is recorded)
	 * @param onSelection gets the selected tunnel addresses after every change
	 * @param onFailure   told (on the writer thread) when a capture's file cannot be written; it is closed already
	 * @param log         for the writer's messages
	 */
	PcapTap(int slotBytes, Consumer<String[]> onSelection, Consumer<BuiltinCapture> onFailure, Consumer<String> log) {
		for (int i = 0; i < SLOTS; i++) {
			data[i] = new byte[Math.max(slotBytes, MIN_SLOT_BYTES)];
			sequence.set(i, i);
		}
		this.onSelection = onSelection;
		this.onFailure = onFailure;
		this.log = log;
		this.writer = Daemons.start(this::write, "mobilegt-capture-pcap-writer");
	}

	// ---- the data path

	@Override
	public void packet(int tunnelAddress, Direction direction, ByteBuffer packet) {
		BuiltinCapture c = table.get(tunnelAddress & 0xFFFFFFFFL);
		if (c == null || c.closed) {
			return;
		}
		long position = claimed.get();
		int i;
		while (true) {
			i = (int) position & mask;
			long free = sequence.get(i) - position;
			if (free == 0) {
				if (claimed.compareAndSet(position, position + 1)) {
					break;
				}
				position = claimed.get();
			} else if (free < 0) {
				c.dropped.increment(); // the ring is full: the writer is behind
				return;
			} else {
				position = claimed.get(); // another producer took this slot
			}
		}
		int original = packet.remaining();
		int n = Math.min(original, data[i].length);
		packet.get(packet.position(), data[i], 0, n);
		lengths[i] = n;
		originals[i] = original;
		micros[i] = anchorMicros + (System.nanoTime() - anchorNanos) / 1000;
		owners[i] = c;
		sequence.set(i, position + 1); // publishes the slot; then a sleeping writer is woken
		if (sleeping) {
			LockSupport.unpark(writer);
		}
	}

	// ---- selection (callers serialise through this object)

	/** Starts writing {@code c}'s packets; its tunnel address must not be selected yet. */
	synchronized void add(BuiltinCapture c) {
		selected.put(c.target().address() & 0xFFFFFFFFL, c);
		table = LongTable.of(selected); // the table first: packets may arrive as soon as the tunnel knows
		onSelection.accept(addresses());
	}

	/**
	 * Stops writing {@code c}: deselects it, lets the writer write what is queued for it and close
	 * its file. Returns the summary line, or says why the writer did not confirm.
	 */
	String remove(BuiltinCapture c) {
		synchronized (this) {
			if (selected.remove(c.target().address() & 0xFFFFFFFFL, c)) {
				onSelection.accept(addresses()); // the tunnel stops handing packets over, then the table forgets
				table = LongTable.of(selected);
			}
		}
		return command(() -> close(c));
	}

	/** Removes every capture and ends the writer thread. */
	void shutdown() {
		List<BuiltinCapture> all;
		synchronized (this) {
			all = new ArrayList<>(selected.values());
			selected.clear();
			onSelection.accept(new String[0]);
			table = LongTable.empty();
		}
		commands.add(() -> {
			all.forEach(this::close);
			stopped = true;
		});
		LockSupport.unpark(writer);
		try {
			writer.join(COMMAND_TIMEOUT_MILLIS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		if (writer.isAlive()) {
			writer.interrupt();
		}
	}

	private String[] addresses() {
		return selected.values().stream().map(x -> x.target().dottedAddress()).sorted().toArray(String[]::new);
	}

	/** Runs {@code action} on the writer thread once it has written what was queued before. */
	private String command(Supplier<String> action) {
		CompletableFuture<String> done = new CompletableFuture<>();
		commands.add(() -> done.complete(action.get()));
		LockSupport.unpark(writer);
		try {
			return done.get(COMMAND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
		} catch (TimeoutException e) {
			return "the pcap writer did not confirm within " + COMMAND_TIMEOUT_MILLIS + " ms";
		} catch (ExecutionException e) {
			return "the pcap writer failed: " + e.getCause();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
	}

	// ---- the writer thread

	private void write() {
		List<BuiltinCapture> dirty = new ArrayList<>();
		long lastFlush = System.nanoTime();
		int idle = 0;
		while (!stopped) {
			int n = take(BATCH, dirty);
			if (!commands.isEmpty()) {
				// what was queued before the command is written first
				long until = claimed.get();
				while (taken < until && take(BATCH, dirty) > 0) {
					// writing
				}
				flush(dirty);
				Runnable command;
				while ((command = commands.poll()) != null) {
					command.run();
				}
			}
			if (n == 0 || System.nanoTime() - lastFlush > MAX_UNFLUSHED_NANOS) {
				flush(dirty);
				lastFlush = System.nanoTime();
			}
			if (n == 0 && !stopped) {
				idle = idle(idle);
				if (Thread.interrupted()) {
					return;
				}
			} else {
				idle = 0;
			}
		}
	}

	/**
	 * Waits for packets: first in short naps nobody needs to end (a steady flow then never costs
	 * the pumps a wake-up call: the ring holds far more than arrives in one nap), then, after
	 * {@value #NAPS} empty naps, until a pump wakes it or the idle time passes.
	 *
	 * @return the number of empty waits so far
	 */
	private int idle(int waits) {
		if (waits < NAPS) {
			LockSupport.parkNanos(this, NAP_NANOS);
			return waits + 1;
		}
		sleeping = true;
		if (!ready() && commands.isEmpty()) {
			LockSupport.parkNanos(this, IDLE_NANOS);
		}
		sleeping = false;
		return waits;
	}

	/** Whether the next slot holds a packet. */
	private boolean ready() {
		return sequence.get((int) taken & mask) == taken + 1;
	}

	/** Writes up to {@code max} queued packets; returns how many. */
	private int take(int max, List<BuiltinCapture> dirty) {
		int n = 0;
		while (n < max && ready()) {
			int i = (int) taken & mask;
			BuiltinCapture c = owners[i];
			owners[i] = null;
			if (!c.closed) {
				try {
					c.file.write(micros[i], data[i], lengths[i], originals[i]);
					if (!c.dirty) {
						c.dirty = true;
						dirty.add(c);
					}
				} catch (IOException e) {
					fail(c, e);
				}
			}
			sequence.lazySet(i, taken + SLOTS); // the slot is free for the position one lap ahead
			taken++;
			n++;
		}
		return n;
	}

	private void flush(List<BuiltinCapture> dirty) {
		for (BuiltinCapture c : dirty) {
			c.dirty = false;
			if (!c.closed) {
				try {
					c.file.flush();
				} catch (IOException e) {
					fail(c, e);
				}
			}
		}
		dirty.clear();
	}

	private void fail(BuiltinCapture c, IOException e) {
		c.error = "cannot write " + c.file.current() + ": " + e.getMessage();
		close(c);
		onFailure.accept(c);
	}

	/** Writer thread: closes {@code c}'s file, logging what it holds the first time; returns that summary. */
	private String close(BuiltinCapture c) {
		boolean open = !c.closed;
		if (open) {
			c.closed = true;
			try {
				c.file.close();
			} catch (IOException e) {
				if (c.error == null) {
					c.error = "cannot write " + c.file.current() + ": " + e.getMessage();
				}
			}
		}
		String summary = c.file.packets() + " packets, " + c.dropped.sum() + " dropped (queue full), in "
				+ String.join(", ", c.file.files().stream().map(Object::toString).toList())
				+ (c.error == null ? "" : "; " + c.error);
		if (open) {
			log.accept("Built-in capture of " + c.target().describe() + " ended: " + summary);
		}
		return summary;
	}
}
