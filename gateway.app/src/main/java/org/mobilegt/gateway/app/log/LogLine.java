package org.mobilegt.gateway.app.log;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.osgi.service.log.LogLevel;

/** One log event as the backend rendered it: the message with its arguments filled in. */
public record LogLine(long sequence, long time, LogLevel level, String logger, long bundleId, String thread, String message,
		List<String> throwable) {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

	/** The line as vpn:log prints it, stack trace lines after it. */
	public String text() {
		StringBuilder b = new StringBuilder().append(TIME.format(Instant.ofEpochMilli(time))).append(' ')
				.append(String.format("%-5s", level)).append(" [").append(logger).append("] ").append(message);
		throwable.forEach(t -> b.append('\n').append(t));
		return b.toString();
	}
}
