package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.osgi.service.log.Logger;

/**
 * The disk budget of all captures together ({@code maxTotalBytes}): the bytes of every file in
 * the output directory, whoever wrote it. Checked once a second by the supervisor.
 * <p>
 * Stopping a capture frees no disk (its files are the point of it), so the budget stops what
 * makes the directory grow: when it is first exceeded the newest running capture is stopped; after
 * that, one check later to let the stopped one settle, each growth beyond the size then measured
 * stops the next newest. A ring that only replaces its oldest file, or an idle capture, keeps
 * running. {@link #check} is used by the supervisor thread only.
 */
final class DiskBudget {

	/** What a check asks the caller to do. */
	enum Verdict {
		/** Nothing new. */
		NONE,
		/** The budget was just exceeded: say so, and stop the newest running capture. */
		EXCEEDED,
		/** Still over the budget and growing: stop the newest running capture. */
		STILL_GROWING,
		/** Back within the budget (files were removed): say so. */
		BACK_WITHIN
	}

	/** A directory this large is not walked further: its size is at least what was counted. */
	private static final int MAX_FILES = 100_000;
	private static final int MAX_DEPTH = 8;
	private static final long SETTLING = -1;

	/** The bytes in the output directory when last measured, -1 before. */
	private volatile long lastUsed = -1;
	private boolean over;
	/** The size to grow beyond before the next stop; {@link #SETTLING} for one check after a stop. */
	private long mark = SETTLING;

	/** The bytes in {@code dir} (also kept for the status); the last measure when it cannot be read. */
	long measure(Path dir) {
		try {
			lastUsed = used(dir);
		} catch (IOException e) {
			lastUsed = Math.max(lastUsed, 0); // a start then fails on the directory itself, with its own message
		}
		return lastUsed;
	}

	long lastUsed() {
		return lastUsed;
	}

	/** Why a capture of {@code t} cannot start: the output directory holds maxTotalBytes or more; null when it can. */
	String refusal(Target t, CaptureSettings s) {
		long used = measure(s.dir());
		if (s.maxTotalBytes() > 0 && used >= s.maxTotalBytes()) {
			return "cannot capture " + t.describe() + ": the capture files in " + s.dir() + " hold " + used + " bytes, maxTotalBytes="
					+ s.maxTotalBytes() + " (remove old captures or raise maxTotalBytes)";
		}
		return null;
	}

	/**
	 * One check of the budget (supervisor thread): says so in {@code errors} when it is first
	 * exceeded and in {@code log} when files were removed, and returns why the newest running
	 * capture must stop now, or null.
	 */
	String enforce(CaptureSettings s, Consumer<String> errors, Logger log) {
		long used = measure(s.dir());
		String reason = "maxTotalBytes=" + s.maxTotalBytes() + " exceeded";
		switch (check(used, s.maxTotalBytes())) {
		case EXCEEDED -> {
			errors.accept("capture files in " + s.dir() + " hold " + used + " bytes, over maxTotalBytes=" + s.maxTotalBytes()
					+ ": stopping the newest capture; new ones are refused until files are removed");
			return reason;
		}
		case STILL_GROWING -> {
			return reason + ", files still growing";
		}
		case BACK_WITHIN -> log.info("Capture files in {} are back within maxTotalBytes={} ({} bytes)", s.dir(), s.maxTotalBytes(), used);
		case NONE -> {
			// nothing new
		}
		}
		return null;
	}

	/** The verdict for {@code used} bytes under a budget of {@code limit} (0 = none). */
	Verdict check(long used, long limit) {
		if (limit == 0 || used <= limit) {
			boolean was = over;
			over = false;
			return was ? Verdict.BACK_WITHIN : Verdict.NONE;
		}
		if (!over) {
			over = true;
			mark = SETTLING;
			return Verdict.EXCEEDED;
		}
		if (mark == SETTLING) {
			mark = used;
			return Verdict.NONE;
		}
		if (used > mark) {
			mark = SETTLING;
			return Verdict.STILL_GROWING;
		}
		return Verdict.NONE;
	}

	/**
	 * The bytes of the regular files in {@code dir} and below (symbolic links are not followed);
	 * 0 when it does not exist. Files that vanish while counted (a ring's oldest) are skipped.
	 */
	static long used(Path dir) throws IOException {
		long total = 0;
		int files = 0;
		try (Stream<Path> s = Files.walk(dir, MAX_DEPTH)) {
			for (Iterator<Path> it = s.iterator(); it.hasNext() && files < MAX_FILES; files++) {
				total += size(it.next());
			}
		} catch (NoSuchFileException e) {
			return total;
		} catch (UncheckedIOException e) {
			if (!(e.getCause() instanceof NoSuchFileException)) {
				throw e.getCause();
			}
		}
		return total;
	}

	private static long size(Path p) {
		try {
			BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
			return a.isRegularFile() ? a.size() : 0;
		} catch (IOException e) {
			return 0; // gone meanwhile
		}
	}
}
