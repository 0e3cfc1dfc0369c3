package org.mobilegt.gateway.tun.impl;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.Properties;

import org.mobilegt.gateway.common.InPlaceRestart;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.log.Logger;

/**
 * The open queues of a persistent device, passed from one activation of the driver to the next
 * across a bundle update: the old activation leaves the descriptors open and writes them here (in
 * the bundle's data area, which an update keeps), the new one takes them. The device so never has
 * zero queues: the kernel keeps queueing packets for it instead of dropping them, and the next
 * activation reads them.
 * <p>
 * Descriptor numbers mean something only in the process that wrote them: a record of another
 * framework run (a restart, a crash) is thrown away unread, and {@link LinuxTun#adopt} checks
 * each descriptor with the kernel before using it.
 */
final class HandOver {

	/** What the previous activation left: its settings (as text) and its open queues. */
	record Queues(String name, String settings, int[] fds) {
	}

	/** A device taken over; {@code asBefore}: with the same settings, so its set-up is in place. */
	record Adopted(Tun tun, boolean asBefore) {
	}

	private final BundleContext context;
	private final Path file;
	private final Path tmp;
	/** The framework's UUID, different in every run. */
	private final String framework;
	private final Tun.Adopter adopter;
	private final Logger log;

	HandOver(BundleContext context, Tun.Adopter adopter, Logger log) {
		this.context = context;
		this.file = context.getDataFile("tun.handover").toPath();
		this.tmp = file.resolveSibling(file.getFileName() + ".tmp");
		this.framework = context.getProperty(Constants.FRAMEWORK_UUID);
		this.adopter = adopter;
		this.log = log;
	}

	/** A deactivation for {@code reason} hands over when the bundle restarts in place ({@link InPlaceRestart}). */
	boolean due(int reason) {
		return InPlaceRestart.due(context, reason);
	}

	/**
	 * Leaves the queues of {@code tun} open for the next activation ({@link Tun#handOver}). Should
	 * they not be recorded, they are closed: an open queue nobody knows of would hold the device.
	 */
	void leave(Tun tun, TunSettings settings) {
		int[] fds = tun.handOver();
		try {
			write(tun.name(), settings, fds);
		} catch (IOException e) {
			log.warn("TUN {} queues closed, not handed over: {}", tun.name(), e.toString());
			tun.close(); // waits for the calls of consumers that kept it (TunDevice.HANDOVER)
		}
	}

	/** The device the previous activation of this framework run handed over, or null. */
	Adopted take(TunSettings settings) {
		// also at the first activation: the first toString of a record costs milliseconds, which
		// must not fall into the hand-over
		String current = settings.toString();
		try {
			Optional<Queues> q = read();
			if (q.isEmpty()) {
				return null;
			}
			Tun tun = adopter.adopt(q.get().name(), settings.name(), settings.queues(), q.get().fds());
			if (tun == null) {
				log.info("TUN queues handed over for {} do not fit {}: opened anew", q.get().name(), settings.name());
				return null;
			}
			log.info("TUN {}: {} queue(s) taken over from the previous activation", tun.name(), tun.queues());
			return new Adopted(tun, q.get().settings().equals(current));
		} catch (IOException e) {
			log.warn("TUN queues not taken over, opened anew: {}", e.toString());
			return null;
		}
	}

	/** Records the queues for the next activation; written whole or not at all. */
	private void write(String name, TunSettings settings, int[] fds) throws IOException {
		// plain appends: no Properties.store (its date comment loads the time zone data) and no
		// string concatenation, whose first run in this class would cost milliseconds now
		StringBuilder text = new StringBuilder("framework=").append(framework).append("\nname=").append(name)
				.append("\nsettings=").append(settings).append("\nfds=");
		for (int i = 0; i < fds.length; i++) {
			text.append(i == 0 ? "" : ",").append(fds[i]);
		}
		text.append('\n');
		Files.writeString(tmp, text, StandardCharsets.UTF_8);
		Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
	}

	/** What the previous activation of this framework run left, at most once. */
	private Optional<Queues> read() throws IOException {
		Properties p = new Properties();
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			p.load(r);
		} catch (NoSuchFileException e) {
			return Optional.empty();
		} finally {
			Files.deleteIfExists(file);
		}
		if (!framework.equals(p.getProperty("framework")) || p.getProperty("fds", "").isEmpty()) {
			return Optional.empty();
		}
		try {
			int[] fds = Arrays.stream(p.getProperty("fds").split(",")).mapToInt(Integer::parseInt).toArray();
			return Optional.of(new Queues(p.getProperty("name", ""), p.getProperty("settings", ""), fds));
		} catch (NumberFormatException e) {
			throw new IOException("unreadable hand-over record " + file + ": " + e.getMessage(), e);
		}
	}
}
