package org.mobilegt.gateway.app.log;

import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * A LogReaderService over the {@link LogRing}, ranked above Pax Logging's own, so that readers
 * (the Web Console's "Log Service" page above all) get messages with their arguments instead of
 * bare format strings like {@code Tunnel attached to TUN {} ({} queue(s))}.
 */
@Component(service = LogReaderService.class, property = Constants.SERVICE_RANKING + ":Integer=100")
public final class FormattedLogReader implements LogReaderService {

	private final LogRing ring;
	private final BundleContext context;
	private final Map<LogListener, Consumer<LogLine>> listeners = new ConcurrentHashMap<>();

	@Activate
	public FormattedLogReader(BundleContext context, @Reference LogRing ring) {
		this.context = context;
		this.ring = ring;
	}

	@Override
	public void addLogListener(LogListener listener) {
		listeners.computeIfAbsent(listener, l -> {
			Consumer<LogLine> c = line -> l.logged(entry(line));
			ring.listen(c);
			return c;
		});
	}

	@Override
	public void removeLogListener(LogListener listener) {
		Consumer<LogLine> c = listeners.remove(listener);
		if (c != null) {
			ring.unlisten(c);
		}
	}

	@Override
	public Enumeration<LogEntry> getLog() {
		return Collections.enumeration(ring.newestFirst().stream().map(this::entry).toList());
	}

	private LogEntry entry(LogLine line) {
		Bundle bundle = line.bundleId() < 0 ? null : context.getBundle(line.bundleId());
		// the stack trace travels as text (the backend keeps no Throwable): its first line joins the message
		String message = line.throwable().isEmpty() ? line.message() : line.message() + " (" + line.throwable().get(0) + ")";
		return new Entry(line, bundle, message);
	}

	private record Entry(LogLine line, Bundle bundle, String message) implements LogEntry {
		@Override
		public Bundle getBundle() {
			return bundle;
		}

		@Override
		public ServiceReference<?> getServiceReference() {
			return null;
		}

		@SuppressWarnings("deprecation")
		@Override
		public int getLevel() {
			return line.level().ordinal() == 0 ? 1 : Math.min(line.level().ordinal(), 4); // AUDIT..TRACE to LOG_ERROR..LOG_DEBUG
		}

		@Override
		public String getMessage() {
			return message;
		}

		@Override
		public Throwable getException() {
			return null;
		}

		@Override
		public long getTime() {
			return line.time();
		}

		@Override
		public LogLevel getLogLevel() {
			return line.level();
		}

		@Override
		public String getLoggerName() {
			return line.logger();
		}

		@Override
		public long getSequence() {
			return line.sequence();
		}

		@Override
		public String getThreadInfo() {
			return line.thread();
		}

		@Override
		public StackTraceElement getLocation() {
			return null;
		}
	}
}
