package org.mobilegt.gateway.session.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventPosterTest {

	private final EventPoster poster = new EventPoster("test-events");

	@AfterEach
	void stop() throws InterruptedException {
		poster.stop(2000);
	}

	@Test
	void postsRunInTheOrderHandedOverOnThePostersThread() throws InterruptedException {
		List<Integer> seen = new ArrayList<>(); // only the poster's thread writes it
		List<String> threads = new ArrayList<>();
		CountDownLatch done = new CountDownLatch(1);
		for (int i = 0; i < 100_000; i++) {
			int n = i;
			poster.execute(() -> seen.add(n));
		}
		poster.execute(() -> {
			threads.add(Thread.currentThread().getName());
			done.countDown();
		});
		assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(seen).hasSize(100_000).isSorted();
		assertThat(threads).containsExactly("test-events");
	}

	@Test
	void aSleepingPosterIsWokenForTheNextPost() throws InterruptedException {
		for (int round = 0; round < 20; round++) {
			CountDownLatch ran = new CountDownLatch(1);
			Thread.sleep(EventPoster.LINGER_MILLIS * 5); // past the linger: asleep
			poster.execute(ran::countDown);
			assertThat(ran.await(10, TimeUnit.SECONDS)).as("round %d", round).isTrue();
		}
	}

	@Test
	void stopRunsWhatIsQueuedAndLaterPostsRunOnTheCallersThread() throws InterruptedException {
		CountDownLatch hold = new CountDownLatch(1);
		List<Integer> seen = new ArrayList<>();
		poster.execute(() -> {
			try {
				hold.await();
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		});
		for (int i = 0; i < 3; i++) {
			int n = i;
			poster.execute(() -> seen.add(n));
		}
		hold.countDown();
		poster.stop(2000);
		assertThat(seen).containsExactly(0, 1, 2);
		String[] where = new String[1];
		poster.execute(() -> where[0] = Thread.currentThread().getName());
		assertThat(where[0]).isEqualTo(Thread.currentThread().getName());
	}
}
