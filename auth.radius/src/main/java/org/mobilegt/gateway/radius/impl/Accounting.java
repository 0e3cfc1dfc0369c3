package org.mobilegt.gateway.radius.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.aaa4j.radius.client.RadiusClientException;
import org.mobilegt.gateway.common.Daemons;
import org.osgi.service.log.Logger;

/**
 * Sends accounting records on one thread of its own. Start, Interim-Update and On/Off are sent
 * once (a lost one is not worth holding anything up); a Stop carries the session's final counts,
 * so Stops wait in a queue, written to the bundle's data area, until a server acknowledges them:
 * they survive a server outage, a bundle update and a restart.
 */
final class Accounting {

	static final int MAX_QUEUED = 100_000;
	static final long RETRY_SECONDS = 5;
	private static final FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

	private final Path queueFile;
	private final Logger log;
	private final ConcurrentLinkedDeque<AcctRecord> stops = new ConcurrentLinkedDeque<>();
	private final ScheduledExecutorService sender = Daemons.scheduler("mobilegt-radius-accounting");
	private volatile RadiusServers servers;
	private volatile RadiusSettings settings;
	private boolean retryScheduled;

	Accounting(Path queueFile, Logger log) {
		this.queueFile = queueFile;
		this.log = log;
		if (queueFile != null && Files.exists(queueFile)) {
			load();
		}
	}

	/**
	 * The Stops a previous instance left, in either line format. An unreadable line is logged (by
	 * number) and moved to a file of its own next to the queue: the queue is rewritten without it.
	 */
	private void load() {
		Path aside = queueFile.resolveSibling(queueFile.getFileName() + ".unreadable");
		try {
			List<String> lines = Files.readAllLines(queueFile, StandardCharsets.UTF_8);
			List<String> unreadable = new ArrayList<>();
			for (int i = 0; i < lines.size(); i++) {
				try {
					stops.add(AcctRecord.parse(lines.get(i)));
				} catch (IllegalArgumentException e) {
					log.error("RADIUS: queued accounting record on line {} of {} is unreadable ({}); kept in {}", i + 1, queueFile,
							e.getMessage(), aside);
					unreadable.add(lines.get(i));
				}
			}
			if (!unreadable.isEmpty()) {
				if (!Files.exists(aside)) {
					Files.createFile(aside, OWNER_ONLY);
				}
				Files.write(aside, unreadable, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
				save(); // moved, not copied: a restart before the next Stop must not keep them twice
			}
			if (!stops.isEmpty()) {
				log.info("RADIUS: {} accounting Stop records still to send", stops.size());
			}
		} catch (IOException e) {
			log.error("RADIUS: cannot read the queued accounting records in {}: {}", queueFile, e.toString());
		}
	}

	/** The servers to send to (null: none now; Stops wait). */
	void use(RadiusServers servers, RadiusSettings settings) {
		this.servers = servers;
		this.settings = settings;
		submit(this::drain);
	}

	int queued() {
		return stops.size();
	}

	/** Sends a Start, Interim-Update, On or Off once, in the background. */
	void sendOnce(AcctRecord r) {
		RadiusServers s = servers;
		RadiusSettings cfg = settings;
		submit(() -> {
			try {
				send(r, s, cfg);
			} catch (RadiusClientException e) {
				log.warn("RADIUS: accounting {} of session {} not acknowledged by any server", r.status(), r.sessionId());
			}
		});
	}

	/** Queues a Stop until a server acknowledges it. */
	void stop(AcctRecord r) {
		if (stops.size() >= MAX_QUEUED) {
			log.error("RADIUS: {} accounting Stops waiting; the oldest is dropped", MAX_QUEUED);
			stops.pollFirst();
		}
		stops.add(r);
		submit(() -> {
			save();
			drain();
		});
	}

	private void submit(Runnable task) {
		try {
			sender.execute(task);
		} catch (RejectedExecutionException e) {
			// closing: a queued Stop is on disk already
		}
	}

	private static void send(AcctRecord r, RadiusServers s, RadiusSettings cfg) throws RadiusClientException {
		if (s == null || cfg == null || !cfg.accounting()) {
			throw new RadiusClientException("accounting is off");
		}
		s.send(r.packet(cfg.nasIdentifier(), s.nasAddress(), System.currentTimeMillis()), true);
	}

	/** Sends queued Stops in order; on failure tries again in a few seconds. */
	private void drain() {
		boolean sent = false;
		for (AcctRecord r = stops.peekFirst(); r != null; r = stops.peekFirst()) {
			try {
				send(r, servers, settings);
			} catch (RadiusClientException e) {
				if (!retryScheduled && servers != null) {
					retryScheduled = true;
					sender.schedule(() -> {
						retryScheduled = false;
						drain();
					}, RETRY_SECONDS, TimeUnit.SECONDS);
				}
				break;
			}
			stops.pollFirst();
			sent = true;
		}
		if (sent) {
			save();
		}
	}

	private void save() {
		if (queueFile == null) {
			return;
		}
		List<String> lines = new ArrayList<>();
		stops.forEach(r -> lines.add(r.line()));
		try {
			Path tmp = queueFile.resolveSibling(queueFile.getFileName() + ".tmp");
			Files.deleteIfExists(tmp);
			Files.createFile(tmp, OWNER_ONLY);
			Files.write(tmp, lines, StandardCharsets.UTF_8);
			try {
				Files.move(tmp, queueFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			} catch (AtomicMoveNotSupportedException e) {
				Files.move(tmp, queueFile, StandardCopyOption.REPLACE_EXISTING);
			}
		} catch (IOException e) {
			log.error("RADIUS: cannot save the accounting queue in {}: {}", queueFile, e.toString());
		}
	}

	/** Finishes what is queued on the sender (a last Off), then stops it; the queue file is current. */
	void close() {
		sender.shutdown();
		try {
			sender.awaitTermination(2, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		sender.shutdownNow();
	}
}
