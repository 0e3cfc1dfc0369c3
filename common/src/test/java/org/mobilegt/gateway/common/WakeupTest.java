package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** Waiting on a descriptor, the watched ones and the close, with eventfds for descriptors. */
class WakeupTest {

	private final Memory counter = new Memory(8);
	private final int own = eventfd();
	/** Descriptors to watch beside its own, in slots 1 and 2 as the uplink's TUN and kick. */
	private final int tun = eventfd();
	private final int kick = eventfd();
	private final Wakeup wakeup;

	WakeupTest() throws IOException {
		wakeup = new Wakeup(own);
	}

	@AfterEach
	void release() {
		wakeup.release();
		LibC.close(own);
		LibC.close(tun);
		LibC.close(kick);
	}

	@Test
	void returnsWhenItsDescriptorIsReadableAndTimesOutWhenNothingIs() throws IOException {
		assertThat(wakeup.awaitReadable(0)).isEqualTo(Wakeup.Ready.TIMEOUT);
		raise(own);
		assertThat(wakeup.awaitReadable(1000)).isEqualTo(Wakeup.Ready.READABLE);
		assertThat(wakeup.ready(0)).isTrue();
		assertThat(wakeup.ready(1)).isFalse();
		assertThat(wakeup.ready(2)).isFalse();
	}

	@Test
	void aWatchedDescriptorWakesItUntilItIsNoLongerWatched() throws IOException {
		wakeup.watch(1, tun);
		wakeup.watch(2, kick);
		raise(kick);
		assertThat(wakeup.awaitReadable(1000)).isEqualTo(Wakeup.Ready.READABLE);
		assertThat(wakeup.ready(2)).isTrue();
		assertThat(wakeup.ready(0)).isFalse();
		assertThat(wakeup.ready(1)).isFalse();
		raise(tun);
		wakeup.watch(2, -1);
		assertThat(wakeup.awaitReadable(1000)).isEqualTo(Wakeup.Ready.READABLE);
		assertThat(wakeup.ready(1)).isTrue();
		assertThat(wakeup.ready(2)).as("no longer watched, though still readable").isFalse();
		wakeup.watch(1, -1);
		assertThat(wakeup.awaitReadable(0)).isEqualTo(Wakeup.Ready.TIMEOUT);
	}

	@Test
	void oneWaitSeesEveryDescriptorThatIsReady() throws IOException {
		wakeup.watch(1, tun);
		wakeup.watch(2, kick);
		raise(own);
		raise(tun);
		raise(kick);
		assertThat(wakeup.awaitReadable(1000)).isEqualTo(Wakeup.Ready.READABLE);
		assertThat(wakeup.ready(0)).as("the first event").isTrue();
		assertThat(wakeup.ready(1)).as("the second, its data at an unaligned offset on x86-64").isTrue();
		assertThat(wakeup.ready(2)).as("the third").isTrue();
	}

	@Test
	void aDescriptorNumberClosedAndReusedIsWatchedAgainWhenToldSo() throws IOException {
		int old = eventfd();
		wakeup.watch(1, old);
		LibC.close(old); // the kernel forgets the file it watched
		int reused = eventfd();
		try {
			assertThat(reused).as("the lowest free number again").isEqualTo(old);
			wakeup.watch(1, reused);
			raise(reused);
			assertThat(wakeup.awaitReadable(1000)).isEqualTo(Wakeup.Ready.READABLE);
			assertThat(wakeup.ready(1)).isTrue();
		} finally {
			LibC.close(reused);
		}
	}

	@Test
	void aDescriptorThatCannotBeWatchedIsRefusedAndWatchesNothing() throws IOException {
		int closed = eventfd();
		LibC.close(closed);
		assertThatThrownBy(() -> wakeup.watch(1, closed)).isInstanceOf(IOException.class).hasMessageContaining("descriptor " + closed);
		wakeup.watch(1, -1);
		assertThat(wakeup.awaitReadable(0)).isEqualTo(Wakeup.Ready.TIMEOUT);
	}

	@Test
	void closeReleasesAWaitingThreadAndEveryLaterWait() throws Exception {
		Thread closer = new Thread(() -> {
			try {
				Thread.sleep(100);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			wakeup.close();
		});
		closer.start();
		assertThat(wakeup.awaitReadable(30_000)).isEqualTo(Wakeup.Ready.CLOSED);
		closer.join();
		assertThat(wakeup.awaitReadable(30_000)).isEqualTo(Wakeup.Ready.CLOSED);
	}

	private void raise(int fd) {
		counter.setLong(0, 1);
		assertThat(LibC.write(fd, Pointer.nativeValue(counter), 8)).isEqualTo(8);
	}

	private static int eventfd() {
		int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
		assertThat(fd).isNotNegative();
		return fd;
	}
}
