package org.mobilegt.gateway.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Decides at launch whether the Gogo shell runs. The shell bundle sits one start level above the
 * rest (cnf/base.bndrun), so this component runs first. Without a terminal on stdin (systemd, CI,
 * nohup) the shell would read an endless end-of-file and stop the framework, so in headless mode
 * the shell bundle's autostart setting is cleared before its start level is reached.
 * <p>
 * {@code -Dmobilegt.console=auto|interactive|headless}; auto (the default) is interactive only
 * when stdin is a terminal. "interactive" also works with a pipe, for scripts driving the shell.
 */
@Component(immediate = true)
public final class ConsoleMode {

	static final String PROPERTY = "mobilegt.console";
	static final String SHELL_BSN = "org.apache.felix.gogo.jline";
	/** The shell's start level in cnf/base.bndrun, and the beginning start level. */
	static final int SHELL_LEVEL = 3;

	@Activate
	public ConsoleMode(BundleContext context, @Reference(service = LoggerFactory.class) Logger log)
			throws BundleException {
		FrameworkStartLevel framework = context.getBundle(0).adapt(FrameworkStartLevel.class);
		if (framework.getStartLevel() >= SHELL_LEVEL) {
			return; // not a launch: this bundle was restarted in a running gateway
		}
		boolean interactive = switch (context.getProperty(PROPERTY) == null ? "auto" : context.getProperty(PROPERTY)) {
		case "interactive" -> true;
		case "headless" -> false;
		default -> stdinIsTerminal();
		};
		for (Bundle b : context.getBundles()) {
			if (SHELL_BSN.equals(b.getSymbolicName())) {
				if (interactive) {
					b.start(); // marks it for start when the framework reaches its level
				} else {
					b.stop(); // clears its autostart setting: it stays resolved, never started
				}
			}
		}
		if (!interactive) {
			log.info("No terminal on stdin: running headless without the Gogo shell (-D{}=interactive to force it)", PROPERTY);
		}
	}

	/** Linux: fd 0 links to /dev/pts/N or /dev/ttyN when it is a terminal. */
	static boolean stdinIsTerminal() {
		try {
			String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
			return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
		} catch (IOException | UnsupportedOperationException e) {
			return System.console() != null;
		}
	}
}
