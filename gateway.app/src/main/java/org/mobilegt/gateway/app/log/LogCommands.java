package org.mobilegt.gateway.app.log;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.mobilegt.gateway.app.ops.Failure;
import org.mobilegt.gateway.app.ops.Views;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogLevel;

/** {@code vpn:log}: the newest log lines, formatted, from the in-memory {@link LogRing}. */
@Component(service = LogCommands.class)
@GogoCommand(scope = "vpn", function = { "log" })
public final class LogCommands {

	private final LogRing ring;

	@Activate
	public LogCommands(@Reference LogRing ring) {
		this.ring = ring;
	}

	@Descriptor("the newest log lines (default 20, at most " + LogRing.CAPACITY + " are kept), oldest first")
	public String log(CommandSession session,
			@Descriptor("output JSON (one line) for scripts") @Parameter(names = { "-j", "--json" }, presentValue = "true", absentValue = "false") boolean json,
			@Descriptor("how many lines") @Parameter(names = { "-n", "--lines" }, absentValue = "20") int n,
			@Descriptor("only this level and more severe: ERROR, WARN, INFO, DEBUG, TRACE") @Parameter(names = { "-l", "--level" }, absentValue = "TRACE") String level) {
		LogLevel atLeast;
		try {
			atLeast = LogRing.level(level);
		} catch (IllegalArgumentException e) {
			return Failure.of(session, json, "unknown level '" + Views.printable(level) + "' (ERROR, WARN, INFO, DEBUG, TRACE)");
		}
		if (n < 1) {
			return Failure.of(session, json, "-n must be at least 1");
		}
		List<LogLine> lines = ring.newest(n, atLeast);
		if (json) {
			return Views.json(lines.stream().map(l -> Map.of("time", l.time(), "level", l.level().name(), "logger", l.logger(),
					"message", l.message(), "throwable", l.throwable())).toList());
		}
		return lines.stream().map(LogLine::text).collect(Collectors.joining("\n"));
	}
}
