/**
 * Per-session packet capture: by a supervised capture script or by the built-in pcap writer.
 */
@Version("1.0.0")
package org.mobilegt.gateway.capture.api;

import org.osgi.annotation.versioning.Version;
