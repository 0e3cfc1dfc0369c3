package org.mobilegt.gateway.session.api;

import java.util.List;

/**
 * The address pool.
 *
 * @param subnet   the client subnet, CIDR
 * @param size     addresses clients can get (without network, broadcast, reserved and excluded ones)
 * @param used     addresses held by live sessions
 * @param reserved addresses leased to client ids that are not connected now
 * @param leases   every lease, live or reserved
 */
public record Pool(String subnet, int size, int used, int reserved, List<Lease> leases) {

	public int free() {
		return size - used - reserved;
	}
}
