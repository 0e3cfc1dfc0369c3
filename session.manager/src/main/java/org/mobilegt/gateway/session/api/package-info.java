/**
 * Client sessions: who is connected from which UDP endpoint with which tunnel address, their
 * leases and counters. Lifecycle events go to EventAdmin under {@code org/mobilegt/gateway/session/}.
 */
@Version("2.3.0")
package org.mobilegt.gateway.session.api;

import org.osgi.annotation.versioning.Version;
