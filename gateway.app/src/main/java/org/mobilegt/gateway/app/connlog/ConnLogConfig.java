package org.mobilegt.gateway.app.connlog;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = ConnLogConfig.PID, name = "mobilegt connection log",
		description = "One JSON line per session open, roam and close, in a rotated, bounded file.")
public @interface ConnLogConfig {

	String PID = "mobilegt.connlog";

	@AttributeDefinition(name = "File", description = "The log file; a relative path is in the gateway's working directory. Rotated files get .1, .2, ... (.1 the newest).")
	String file() default "connections.jsonl";

	@AttributeDefinition(name = "Maximum file size (MiB)", description = "The file is rotated before it grows past this size.", min = "1", max = "1024")
	int maxFileSizeMiB() default 10;

	@AttributeDefinition(name = "Files", description = "How many files are kept, the current one included: at most files x maxFileSizeMiB on disk.", min = "1", max = "100")
	int files() default 5;

	@AttributeDefinition(name = "Opens and roams per second", description = "Open and roam lines written per second at most; under a flood, the rest are counted in a \"suppressed\" line. Close lines are never held back.", min = "1", max = "100000")
	int maxOpensPerSecond() default 100;
}
