package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class DaemonsTest {

	@Test
	void threadsAreNamedDaemons() throws Exception {
		ThreadFactory numbered = Daemons.numbered("mobilegt-x");
		Thread a = numbered.newThread(() -> {
		});
		Thread b = numbered.newThread(() -> {
		});
		assertThat(a.getName()).isEqualTo("mobilegt-x-1");
		assertThat(b.getName()).isEqualTo("mobilegt-x-2");
		assertThat(a.isDaemon()).isTrue();
		assertThat(Daemons.named("mobilegt-y").newThread(() -> {
		})).satisfies(t -> {
			assertThat(t.getName()).isEqualTo("mobilegt-y");
			assertThat(t.isDaemon()).isTrue();
		});
		assertThat(Daemons.daemon(() -> {
		}, "z").getState()).isEqualTo(Thread.State.NEW);
		Thread started = Daemons.start(() -> {
		}, "mobilegt-started");
		started.join(10_000);
		assertThat(started.isDaemon()).isTrue();
		assertThat(started.getState()).isEqualTo(Thread.State.TERMINATED);
	}

	@Test
	void theSchedulerRunsOnItsNamedDaemon() throws Exception {
		ScheduledExecutorService s = Daemons.scheduler("mobilegt-tick");
		try {
			Thread t = s.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
			assertThat(t.getName()).isEqualTo("mobilegt-tick");
			assertThat(t.isDaemon()).isTrue();
		} finally {
			s.shutdownNow();
		}
	}
}
