package org.mobilegt.gateway.capture.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = CaptureConfig.PID, name = "mobilegt capture",
		description = "Per-session packet capture by a supervised capture script or the built-in pcap writer.")
public @interface CaptureConfig {

	String PID = "mobilegt.capture";

	@AttributeDefinition(name = "Mode", description = "off, all (every session) or demand (vpn:capture start <client>).", options = {
			@Option(value = "off", label = "Off"), @Option(value = "all", label = "Every session"),
			@Option(value = "demand", label = "On demand") })
	String mode() default "off";
}
