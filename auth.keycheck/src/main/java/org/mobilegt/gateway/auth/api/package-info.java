/**
 * Shared-key checking of handshakes, the illegal-attempt log and per-source throttling.
 */
@Version("1.0.0")
package org.mobilegt.gateway.auth.api;

import org.osgi.annotation.versioning.Version;
