package org.mobilegt.gateway.capture.api;

import java.time.Instant;

/**
 * A running capture.
 *
 * @param sessionId     the captured session
 * @param clientId      its client id, or null
 * @param tunnelAddress its tunnel address, dotted
 * @param method        "script" or "builtin"
 * @param output        the file or directory written
 * @param pid           the script's process id, or -1 for the built-in writer
 * @param since         when it started
 */
public record Capture(long sessionId, String clientId, String tunnelAddress, String method, String output, long pid,
		Instant since) {
}
