package org.mobilegt.gateway.session.api;

import java.util.List;

/**
 * The address pools: IPv4, and IPv6 while it is on.
 *
 * @param subnet    the client subnet, CIDR
 * @param size      addresses clients can get (without network, broadcast, reserved and excluded ones)
 * @param used      addresses held by live sessions
 * @param reserved  addresses leased to client ids that are not connected now
 * @param leases    every lease, live or reserved
 * @param subnet6   the IPv6 client prefix, CIDR, or null when IPv6 is off
 * @param size6     IPv6 addresses clients can get (without the prefix's ::0 and ::1 and excluded
 *                  ones); {@link Long#MAX_VALUE} when there are more (a /64)
 * @param used6     IPv6 addresses held by live sessions
 * @param reserved6 IPv6 addresses leased to client ids that are not connected now
 */
public record Pool(String subnet, int size, int used, int reserved, List<Lease> leases, String subnet6, long size6, int used6,
		int reserved6) {

	/** An IPv4-only pool (the 2.0 form). */
	public Pool(String subnet, int size, int used, int reserved, List<Lease> leases) {
		this(subnet, size, used, reserved, leases, null, 0, 0, 0);
	}

	public int free() {
		return size - used - reserved;
	}

	/** Free IPv6 addresses; {@link Long#MAX_VALUE} for a pool too large to count. */
	public long free6() {
		return size6 == Long.MAX_VALUE ? size6 : size6 - used6 - reserved6;
	}
}
