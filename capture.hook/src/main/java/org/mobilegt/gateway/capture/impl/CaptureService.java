package org.mobilegt.gateway.capture.impl;

import java.util.List;

import org.mobilegt.gateway.capture.api.Capture;
import org.mobilegt.gateway.capture.api.CaptureControl;
import org.mobilegt.gateway.capture.api.CaptureException;
import org.mobilegt.gateway.common.ConfigRejection;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The capture hook's control surface. Per-session capture (script and built-in pcap writer) is
 * not implemented yet: starting one says so instead of pretending.
 */
@Component(configurationPid = CaptureConfig.PID)
@Designate(ocd = CaptureConfig.class)
public final class CaptureService implements CaptureControl {

	private volatile String mode;

	@Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
	private volatile EventAdmin events;

	@Activate
	public CaptureService(CaptureConfig config) {
		modified(config);
	}

	@Modified
	void modified(CaptureConfig config) {
		mode = config.mode();
		ConfigRejection.applied(events, CaptureConfig.PID);
	}

	@Override
	public Capture start(String client) throws CaptureException {
		throw new CaptureException("per-session capture is not available in this version of capture.hook");
	}

	@Override
	public boolean stop(String client) {
		return false;
	}

	@Override
	public List<Capture> captures() {
		return List.of();
	}

	@Override
	public String status() {
		return "mode " + mode + "; per-session capture not available in this version";
	}
}
