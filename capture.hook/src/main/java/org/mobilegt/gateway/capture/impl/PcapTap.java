package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.mobilegt.gateway.common.LongTable;
import org.mobilegt.gateway.tunnel.api.Direction;
import org.mobilegt.gateway.tunnel.api.PacketTap;

/**
 * The built-in pcap writer: a {@link PacketTap} for the tunnel's data path and one writer thread.
 * <p>
 * On the data path a selected packet is copied into a free slot of a fixed pool and queued; when
 * no slot is free the packet is counted as dropped for its capture, so the tunnel never waits for
 * the disk and never allocates. The writer thread writes queued packets to their capture's file
 * and flushes whenever the queue runs dry (at least once a second under load).
 * <p>
 * The selection (tunnel address → capture) is an immutable table swapped on change; the owner
 * learns each new set of addresses through {@code onSelection}, to put it into the tap's service
 * property ({@link PacketTap#ADDRESSES}) — an empty set means: unregister, the tunnel then pays
 * nothing.
 */
final class PcapTap implements PacketTap {

	static final int SLOTS = 1024;
	static final int MIN_SLOT_BYTES = 2048;
	private static final long FLUSH_MILLIS = 200;
	private static final long MAX_UNFLUSHED_NANOS = TimeUnit.SECONDS.toNanos(1);
	private static final long COMMAND_TIMEOUT_MILLIS = 5000;

	private final ArrayBlockingQueue<Slot> free;
	private final ArrayBlockingQueue<Slot> filled;
	private final Consumer<String[]> onSelection;
	private final Consumer<BuiltinCapture> onFailure;
	private final Consumer<String> log;
	private final Map<Long, BuiltinCapture> selected = new HashMap<>();
	private final long anchorMicros = System.currentTimeMillis() * 1000;
	private final long anchorNanos = System.nanoTime();
	private final Thread writer;
	private volatile LongTable<BuiltinCapture> table = LongTable.empty();

	/** A packet copied off the data path, or a command for the writer thread. */
	private static final class Slot {
		final byte[] data;
		int length;
		int original;
		long micros;
		BuiltinCapture capture;
		Runnable command;
		boolean last;

		Slot(int size) {
			data = new byte[size];
		}
	}

	/**
	 * @param slotBytes   bytes per slot: packets longer than that are cut (their full length is recorded)
	 * @param onSelection gets the selected tunnel addresses after every change
	 * @param onFailure   told (on the writer thread) when a capture's file cannot be written; it is closed already
	 * @param log         for the writer's messages
	 */
	PcapTap(int slotBytes, Consumer<String[]> onSelection, Consumer<BuiltinCapture> onFailure, Consumer<String> log) {
		this.free = new ArrayBlockingQueue<>(SLOTS);
		this.filled = new ArrayBlockingQueue<>(SLOTS + 64); // room for commands too
		for (int i = 0; i < SLOTS; i++) {
			free.add(new Slot(Math.max(slotBytes, MIN_SLOT_BYTES)));
		}
		this.onSelection = onSelection;
		this.onFailure = onFailure;
		this.log = log;
		this.writer = new Thread(this::write, "mobilegt-capture-pcap-writer");
		writer.setDaemon(true);
		writer.start();
	}

	// ---- the data path

	@Override
	public void packet(int tunnelAddress, Direction direction, ByteBuffer packet) {
		BuiltinCapture c = table.get(tunnelAddress & 0xFFFFFFFFL);
		if (c == null || c.closed) {
			return;
		}
		Slot s = free.poll();
		if (s == null) {
			c.dropped.increment();
			return;
		}
		int original = packet.remaining();
		int n = Math.min(original, s.data.length);
		packet.get(packet.position(), s.data, 0, n);
		s.length = n;
		s.original = original;
		s.micros = anchorMicros + (System.nanoTime() - anchorNanos) / 1000;
		s.capture = c;
		filled.offer(s); // never full: it has room for every slot
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
		Slot stop = new Slot(0);
		stop.command = () -> all.forEach(this::close);
		stop.last = true;
		if (filled.offer(stop)) {
			try {
				writer.join(COMMAND_TIMEOUT_MILLIS);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		if (writer.isAlive()) {
			writer.interrupt();
		}
	}

	private String[] addresses() {
		return selected.values().stream().map(x -> x.target().dottedAddress()).sorted().toArray(String[]::new);
	}

	private String command(java.util.function.Supplier<String> action) {
		CompletableFuture<String> done = new CompletableFuture<>();
		Slot s = new Slot(0);
		s.command = () -> done.complete(action.get());
		try {
			if (!filled.offer(s, COMMAND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
				return "the pcap writer is overloaded";
			}
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
		while (true) {
			Slot s;
			try {
				s = filled.poll(FLUSH_MILLIS, TimeUnit.MILLISECONDS);
			} catch (InterruptedException e) {
				return;
			}
			if (s == null || System.nanoTime() - lastFlush > MAX_UNFLUSHED_NANOS) {
				flush(dirty);
				lastFlush = System.nanoTime();
			}
			if (s == null) {
				continue;
			}
			if (s.command != null) {
				flush(dirty);
				s.command.run();
				if (s.last) {
					return;
				}
				continue;
			}
			BuiltinCapture c = s.capture;
			s.capture = null;
			if (!c.closed) {
				try {
					c.file.write(s.micros, s.data, s.length, s.original);
					if (!c.dirty) {
						c.dirty = true;
						dirty.add(c);
					}
				} catch (IOException e) {
					fail(c, e);
				}
			}
			free.offer(s);
		}
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
