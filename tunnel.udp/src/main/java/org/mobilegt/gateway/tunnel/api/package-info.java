/**
 * The UDP tunnel's statistics and the {@link org.mobilegt.gateway.tunnel.api.PacketTap}
 * whiteboard through which other bundles see the packets of selected sessions.
 */
@Version("1.2.0")
package org.mobilegt.gateway.tunnel.api;

import org.osgi.annotation.versioning.Version;
