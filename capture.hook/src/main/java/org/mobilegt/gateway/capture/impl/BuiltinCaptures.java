package org.mobilegt.gateway.capture.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Set;
import java.util.function.Consumer;

import org.mobilegt.gateway.capture.api.CaptureException;
import org.mobilegt.gateway.common.ClientIds;
import org.mobilegt.gateway.tun.api.TunDevice;
import org.mobilegt.gateway.tunnel.api.PacketTap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.log.Logger;

/**
 * The built-in captures ({@code method=builtin}): a {@link PcapTap} created with the first one and
 * shut down with the last, registered as a {@link PacketTap} service only while it selects a
 * session, so that the tunnel hands over no packet while nothing is captured.
 */
final class BuiltinCaptures {

	private final BundleContext context;
	private final Logger log;
	private final Consumer<BuiltinCapture> writeFailed;
	private final Set<BuiltinCapture> active = new HashSet<>(); // guarded by this
	private PcapTap tap; // guarded by this

	/** {@code writeFailed} hears of a capture whose file could not be written (on the writer thread). */
	BuiltinCaptures(BundleContext context, Logger log, Consumer<BuiltinCapture> writeFailed) {
		this.context = context;
		this.log = log;
		this.writeFailed = writeFailed;
	}

	/** Starts capturing {@code t} into a new file ring in {@code dir}. */
	synchronized BuiltinCapture start(Target t, CaptureSettings s, Path dir, TunDevice device) throws CaptureException {
		String prefix = FileNames.time(Instant.now()) + "_s" + t.sessionId() + "_" + ClientIds.fileName(t.clientId());
		PcapFile file;
		try {
			file = PcapFile.create(dir, prefix, s.maxBytes(), s.files());
		} catch (IOException e) {
			throw new CaptureException("cannot create a capture file in " + dir + ": " + e);
		}
		BuiltinCapture c = new BuiltinCapture(t, file);
		if (tap == null) {
			TapService service = new TapService(context);
			tap = new PcapTap(device == null ? PcapTap.MIN_SLOT_BYTES : device.mtu(), service, writeFailed, log::info);
			service.tap = tap;
		}
		tap.add(c);
		active.add(c);
		return c;
	}

	/** Ends {@code c}: what is queued is written, the file closed; the last one takes the tap with it. */
	void stop(BuiltinCapture c, String reason) {
		PcapTap t;
		boolean last;
		synchronized (this) {
			if (!active.remove(c)) {
				return;
			}
			t = tap;
			last = active.isEmpty();
			if (last) {
				tap = null; // nothing left to write: the writer thread and its buffers go
			}
		}
		t.remove(c);
		log.info("Capture of {} stopped ({})", c.target().describe(), reason);
		if (last) {
			t.shutdown();
		}
	}

	/** Ends every built-in capture (the component stops). */
	void shutdown() {
		PcapTap t;
		synchronized (this) {
			t = tap;
			tap = null;
			active.clear();
		}
		if (t != null) {
			t.shutdown();
		}
	}

	/** A tap's service registration: there while the tap selects something, else not at all. */
	private static final class TapService implements Consumer<String[]> {

		private final BundleContext context;
		private PacketTap tap;
		private ServiceRegistration<PacketTap> registration;

		TapService(BundleContext context) {
			this.context = context;
		}

		@Override
		public synchronized void accept(String[] addresses) {
			if (addresses.length == 0) {
				if (registration != null) {
					registration.unregister();
					registration = null;
				}
				return;
			}
			Hashtable<String, Object> props = new Hashtable<>();
			props.put(PacketTap.ADDRESSES, addresses);
			if (registration == null) {
				registration = context.registerService(PacketTap.class, tap, props);
			} else {
				registration.setProperties(props);
			}
		}
	}
}
