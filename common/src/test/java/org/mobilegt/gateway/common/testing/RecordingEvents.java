package org.mobilegt.gateway.common.testing;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/** An EventAdmin that keeps what was posted or sent. */
public final class RecordingEvents {

	private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
	public final EventAdmin admin = (EventAdmin) Proxy.newProxyInstance(EventAdmin.class.getClassLoader(),
			new Class<?>[] { EventAdmin.class }, (proxy, method, args) -> {
				if (args != null && args.length == 1 && args[0] instanceof Event e) {
					events.add(e);
				}
				return null;
			});

	public List<Event> all() {
		return List.copyOf(events);
	}

	/** The topics posted or sent, in order. */
	public List<String> topics() {
		return all().stream().map(Event::getTopic).toList();
	}

	/** The newest event. */
	public Event last() {
		List<Event> all = all();
		return all.get(all.size() - 1);
	}

	public List<Event> topic(String topic) {
		return all().stream().filter(e -> e.getTopic().equals(topic)).toList();
	}
}
