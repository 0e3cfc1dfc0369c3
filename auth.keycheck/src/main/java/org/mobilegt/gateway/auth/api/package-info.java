/**
 * Key checking of handshakes (a shared key and per-client keys), the illegal-attempt log and
 * per-source throttling.
 */
@Version("1.2.0")
package org.mobilegt.gateway.auth.api;

import org.osgi.annotation.versioning.Version;
