package org.mobilegt.gateway.security.api;

import java.net.InetAddress;
import java.time.Instant;

/** One illegal attempt: who, when, why. {@code detail} never contains a secret. */
public record IllegalAttempt(InetAddress address, int port, Instant time, Reason reason, String detail) {
}
