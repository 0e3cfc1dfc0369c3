/**
 * The gateway's single TUN device: packet I/O for the tunnel and the device's health.
 * <p>
 * {@link org.mobilegt.gateway.tun.api.TunDevice} is registered only while the device is open;
 * {@link org.mobilegt.gateway.tun.api.TunStatus} is always registered and says why it is not.
 */
@Version("1.5.0")
package org.mobilegt.gateway.tun.api;

import org.osgi.annotation.versioning.Version;
