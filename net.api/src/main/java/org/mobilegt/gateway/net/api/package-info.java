/**
 * The one address vocabulary of the gateway: {@link IpAddress}, {@link IpPrefix} and
 * {@link IpEndpoint} for both families, parsed from literals only (never a name lookup) and
 * printed canonically (RFC 5952 for IPv6). The data path keys on {@link IpAddress#ipv4()} (an
 * int) or {@link IpAddress#high()}/{@link IpAddress#low()} (two longs) and allocates nothing.
 */
@Version("1.1.0")
package org.mobilegt.gateway.net.api;

import org.osgi.annotation.versioning.Version;
