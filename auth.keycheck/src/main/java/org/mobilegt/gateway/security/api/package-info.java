/**
 * The gateway's security events: the illegal-attempt log ({@link org.mobilegt.gateway.security.api.SecurityLog})
 * that every bundle reports to (refused handshakes, data from unknown endpoints, spoofed sources) and
 * that operators read ({@code vpn:illegal}, the VPN page, the {@code mobilegt_illegal_attempts} metric).
 */
@Version("1.0.0")
package org.mobilegt.gateway.security.api;

import org.osgi.annotation.versioning.Version;
