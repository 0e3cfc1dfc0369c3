package org.mobilegt.gateway.app.log;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.ops4j.pax.logging.spi.PaxAppender;
import org.ops4j.pax.logging.spi.PaxLoggingEvent;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.log.LogLevel;

/**
 * The newest {@link #CAPACITY} log events, rendered: a Pax Logging appender service that the
 * Log4j 2 backend feeds through its {@code PaxOsgi} appender (filter {@value #APPENDER_NAME} in
 * org.ops4j.pax.logging.cfg). It sits behind the backend, where the message has its arguments:
 * Pax Logging hands the OSGi LogReaderService the bare format string.
 */
@Component(service = { LogRing.class, PaxAppender.class }, property = "org.ops4j.pax.logging.appender.name=" + LogRing.APPENDER_NAME)
public final class LogRing implements PaxAppender {

	public static final String APPENDER_NAME = "mobilegt-ring";
	static final int CAPACITY = 2000;

	private final ArrayDeque<LogLine> lines = new ArrayDeque<>(CAPACITY);
	private final List<Consumer<LogLine>> listeners = new CopyOnWriteArrayList<>();
	private long sequence;

	@Override
	public void doAppend(PaxLoggingEvent event) {
		Object bundle = event.getProperties() == null ? null : event.getProperties().get("bundle.id");
		String[] stack = event.getThrowableStrRep();
		LogLine line;
		synchronized (this) {
			line = new LogLine(++sequence, event.getTimeStamp(), event.getLevel().toLevel(), event.getLoggerName(),
					bundle == null ? -1 : parse(bundle.toString()), event.getThreadName(), String.valueOf(event.getRenderedMessage()),
					stack == null ? List.of() : List.of(stack));
			add(line);
		}
		listeners.forEach(l -> l.accept(line));
	}

	synchronized void add(LogLine line) {
		if (lines.size() == CAPACITY) {
			lines.removeFirst();
		}
		lines.addLast(line);
	}

	/** The newest {@code max} lines at {@code atLeast} or more severe, oldest first. */
	public synchronized List<LogLine> newest(int max, LogLevel atLeast) {
		List<LogLine> out = new ArrayList<>();
		var it = lines.descendingIterator();
		while (it.hasNext() && out.size() < max) {
			LogLine l = it.next();
			if (atLeast.implies(l.level())) {
				out.add(0, l);
			}
		}
		return out;
	}

	/** All lines, newest first (the order of LogReaderService.getLog()). */
	public synchronized List<LogLine> newestFirst() {
		List<LogLine> out = new ArrayList<>(lines);
		Collections.reverse(out);
		return out;
	}

	void listen(Consumer<LogLine> listener) {
		listeners.add(listener);
	}

	void unlisten(Consumer<LogLine> listener) {
		listeners.remove(listener);
	}

	/** A level by name, case-insensitive; WARNING is accepted for WARN. */
	public static LogLevel level(String name) {
		String n = name.toUpperCase(Locale.ROOT);
		return LogLevel.valueOf(n.equals("WARNING") ? "WARN" : n);
	}

	private static long parse(String s) {
		try {
			return Long.parseLong(s);
		} catch (NumberFormatException e) {
			return -1;
		}
	}
}
