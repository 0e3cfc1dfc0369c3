package org.mobilegt.gateway.capture.impl;

import org.mobilegt.gateway.capture.api.Capture;

/** A capture in progress, by script or by the built-in writer. */
interface RunningCapture {

	Target target();

	Capture info();
}
