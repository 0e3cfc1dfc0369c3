/**
 * Key checking of handshakes (a shared key and per-client keys) and per-source throttling. The
 * illegal-attempt log is {@link org.mobilegt.gateway.security.api.SecurityLog}; 2.0.0 moved it, with
 * {@code Reason} and {@code IllegalAttempt}, out of {@link org.mobilegt.gateway.auth.api.KeyCheck}.
 */
@Version("2.0.0")
package org.mobilegt.gateway.auth.api;

import org.osgi.annotation.versioning.Version;
