/**
 * The live-configuration contract of the gateway: the verdicts on a new configuration that
 * components post on EventAdmin, see {@link ConfigVerdict}. The topics and property names are
 * compile-time constants, so a user needs this package to compile, not at run time.
 */
@Version("1.0.0")
package org.mobilegt.gateway.config.api;

import org.osgi.annotation.versioning.Version;
