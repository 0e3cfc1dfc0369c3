package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class LongMapTest {

	@Test
	void behavesLikeAMapUnderRandomPutsAndRemoves() {
		LongMap<String> map = new LongMap<>();
		Map<Long, String> model = new HashMap<>();
		Random random = new Random(7);
		for (int i = 0; i < 200_000; i++) {
			long key = random.nextInt(5000);
			if (random.nextInt(3) == 0) {
				map.remove(key);
				model.remove(key);
			} else {
				String v = "v" + key + "/" + i;
				map.put(key, v);
				model.put(key, v);
			}
		}
		assertThat(map.size()).isEqualTo(model.size());
		List<String> seen = new ArrayList<>();
		map.forEach(seen::add);
		assertThat(seen).containsExactlyInAnyOrderElementsOf(model.values());
		for (long k = 0; k < 5000; k++) {
			assertThat(map.get(k)).isEqualTo(model.get(k));
		}
	}

	@Test
	void readersNeverSeeAnotherKeysValueWhileTheWriterChurns() throws Exception {
		LongMap<Long> map = new LongMap<>();
		AtomicBoolean stop = new AtomicBoolean();
		AtomicReference<String> wrong = new AtomicReference<>();
		Thread[] readers = new Thread[2];
		for (int r = 0; r < readers.length; r++) {
			readers[r] = new Thread(() -> {
				Random random = new Random();
				while (!stop.get()) {
					long k = random.nextInt(2000);
					Long v = map.get(k);
					if (v != null && v != k) {
						wrong.set("key " + k + " gave " + v);
					}
				}
			});
			readers[r].start();
		}
		Random random = new Random(11);
		long deadline = System.nanoTime() + 1_000_000_000L;
		while (System.nanoTime() < deadline) {
			long k = random.nextInt(2000);
			if (random.nextBoolean()) {
				map.put(k, k);
			} else {
				map.remove(k);
			}
		}
		stop.set(true);
		for (Thread t : readers) {
			t.join();
		}
		assertThat(wrong.get()).isNull();
	}
}
