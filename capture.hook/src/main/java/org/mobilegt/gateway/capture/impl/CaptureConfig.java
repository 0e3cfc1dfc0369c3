package org.mobilegt.gateway.capture.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = CaptureConfig.PID, name = "mobilegt capture",
		description = "Per-session packet capture by a supervised capture script or the built-in pcap writer. Every key applies live; "
				+ "limits and naming apply to captures started after the change.")
public @interface CaptureConfig {

	String PID = "mobilegt.capture";

	@AttributeDefinition(name = "Mode", description = "off (stops running captures), all (every session, from its start) or demand "
			+ "(vpn:capture start <client>; also allowed in mode all).", options = { @Option(value = "off", label = "Off"),
					@Option(value = "all", label = "Every session"), @Option(value = "demand", label = "On demand") })
	String mode() default "off";

	@AttributeDefinition(name = "Method", description = "script: run the capture script as a supervised child process; builtin: the "
			+ "gateway writes pcap files itself (no external tool, no privileges).", options = {
					@Option(value = "script", label = "Capture script"), @Option(value = "builtin", label = "Built-in pcap writer") })
	String method() default "script";

	@AttributeDefinition(name = "Capture script", description = "Path of an executable started once per captured session with the "
			+ "arguments below, never through a shell; empty = the bundled default script (dumpcap, else tcpdump).")
	String script() default "";

	@AttributeDefinition(name = "Script arguments", description = "Arguments separated by blanks; each may contain placeholders, "
			+ "replaced within that argument only: {tun} {client} {address} {address6} {endpoint} {session} {dir} {time} {maxBytes} {files}. "
			+ "{client} is the client id made safe for file names.")
	String args() default ArgsTemplate.DEFAULT;

	@AttributeDefinition(name = "Output directory", description = "Where capture files go, relative to the gateway's working directory "
			+ "unless absolute; created when needed.")
	String dir() default "capture/";

	@AttributeDefinition(name = "Max concurrent", description = "Captures running at once, script and built-in together.", min = "1", max = "1024")
	int maxConcurrent() default 4;

	@AttributeDefinition(name = "Max seconds", description = "A capture stops after this many seconds (default one hour); 0 = no "
			+ "limit, only if set so explicitly (maxTotalBytes still bounds the disk).", min = "0")
	int maxSeconds() default 3600;

	@AttributeDefinition(name = "Max total bytes", description = "Disk budget of all captures together: the files in 'dir' (script and "
			+ "built-in, running and ended; default 1 GiB). Above it the newest running capture is stopped (and the next newest while "
			+ "the files keep growing), and new captures are refused until files are removed; 0 = no budget, only if set so "
			+ "explicitly.", min = "0", max = "1125899906842624")
	long maxTotalBytes() default CaptureSettings.DEFAULT_MAX_TOTAL_BYTES;

	@AttributeDefinition(name = "Max file size (bytes)", description = "Size at which a capture moves to its next file (a ring of 'files' "
			+ "files: the oldest is overwritten); 0 = one file without limit.", min = "0")
	long maxBytes() default 100_000_000L;

	@AttributeDefinition(name = "Files", description = "Number of files in a capture's ring when maxBytes is set.", min = "1", max = "1000")
	int files() default 10;

	@AttributeDefinition(name = "Stop timeout (s)", description = "On stop a capture script gets SIGTERM, then SIGKILL (with every process "
			+ "it started) after this many seconds.", min = "0", max = "15")
	int stopTimeoutSeconds() default 5;
}
