package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.OnJava25;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** The data path's libc calls and their errno, with JNA here and through java.lang.foreign on Java 25. */
class LibCTest {

	private static final int EBADF = 9;
	private static final int EFAULT = 14;

	@Test
	void bindsThroughForeignCallsFromJava22UnlessJnaIsAskedFor() {
		boolean foreign = Runtime.version().feature() >= 22 && !"jna".equals(System.getProperty("mobilegt.native"));
		assertThat(LibC.binding()).isEqualTo(foreign ? "ffm" : "jna");
	}

	@Test
	void waitsThroughTheJdksEpollBindingOnJava17To21WhereItIsOpened() {
		// the build opens sun.nio.ch to the tests as gateway.jar's manifest does for java -jar
		boolean jna = "jna".equals(System.getProperty("mobilegt.native"));
		String expected = jna ? "jna" : Runtime.version().feature() >= 22 ? "ffm" : "jdk";
		assertThat(LibC.waitBinding()).isEqualTo(expected);
	}

	/** A failed wait: -1 and errno, or through the JDK's binding its IOException with the reason. */
	private static void assertWaitFails(int epoll, long events, int errno, String reason) throws IOException {
		if (LibC.waitBinding().equals("jdk")) {
			assertThatThrownBy(() -> LibC.epollWait(epoll, events, 1, 0)).isInstanceOf(IOException.class).hasMessageContaining(reason);
		} else {
			assertThat(LibC.epollWait(epoll, events, 1, 0)).isEqualTo(-1);
			assertThat(LibC.errno()).isEqualTo(errno);
		}
	}

	@Test
	void readsWhatWasWrittenAndAnEmptyNonBlockingReadFailsWithEagain() {
		int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
		try (Memory counter = new Memory(8)) {
			long address = Pointer.nativeValue(counter);
			assertThat(LibC.read(fd, address, 8)).isEqualTo(-1);
			assertThat(LibC.errno()).isEqualTo(Errno.EAGAIN);
			counter.setLong(0, 5);
			assertThat(LibC.write(fd, address, 8)).isEqualTo(8);
			counter.setLong(0, 0);
			assertThat(LibC.read(fd, address, 8)).isEqualTo(8);
			assertThat(counter.getLong(0)).isEqualTo(5);
		} finally {
			LibC.close(fd);
		}
	}

	@Test
	void errnoTellsTheLastFailedCallOfEitherBinding() {
		int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
		try (Memory buffer = new Memory(8)) {
			long address = Pointer.nativeValue(buffer);
			assertThat(LibC.read(-1, address, 8)).isEqualTo(-1);
			assertThat(LibC.errno()).as("read of no descriptor").isEqualTo(EBADF);
			assertThat(LibC.read(fd, address, 8)).isEqualTo(-1);
			assertThat(LibC.errno()).isEqualTo(Errno.EAGAIN);
			assertThat(LibC.fcntl(-1, LibC.F_GETFL, 0)).as("a JNA call after it").isEqualTo(-1);
			assertThat(LibC.errno()).isEqualTo(EBADF);
			assertThat(LibC.read(fd, address, 8)).isEqualTo(-1);
			assertThat(LibC.errno()).isEqualTo(Errno.EAGAIN);
			assertThat(LibC.write(-1, address, 8)).isEqualTo(-1);
			assertThat(LibC.errno()).isEqualTo(EBADF);
		} finally {
			LibC.close(fd);
		}
	}

	@Test
	void epollWaitSaysWhenARegisteredDescriptorBecomesReadable() throws IOException {
		int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
		int epoll = LibC.epoll_create1(0);
		try (Memory event = new Memory(LibC.EPOLL_EVENT_SIZE); Memory one = new Memory(8)) {
			long address = Pointer.nativeValue(event);
			event.setInt(0, LibC.EPOLLIN);
			event.setLong(LibC.EPOLL_EVENT_DATA, 7);
			assertThat(LibC.epoll_ctl(epoll, LibC.EPOLL_CTL_ADD, fd, address)).isZero();
			assertThat(LibC.epollWait(epoll, address, 1, 0)).isZero();
			one.setLong(0, 1);
			LibC.write(fd, Pointer.nativeValue(one), 8);
			event.clear();
			assertThat(LibC.epollWait(epoll, address, 1, 1000)).isEqualTo(1);
			assertThat(event.getInt(0)).isEqualTo(LibC.EPOLLIN);
			assertThat(event.getLong(LibC.EPOLL_EVENT_DATA)).as("the data it was registered with").isEqualTo(7);
			assertWaitFails(epoll, -1, EFAULT, "Bad address"); // events at an invalid address
			assertWaitFails(-1, address, EBADF, "Bad file descriptor");
		} finally {
			LibC.close(epoll);
			LibC.close(fd);
		}
	}

	@Test
	void passOnJava25ThroughForeignCalls() throws Exception {
		OnJava25.runTests(LibCTest.class);
	}

	@Test
	void passOnJava25WithJnaWhenAskedFor() throws Exception {
		OnJava25.runTests(LibCTest.class, "-Dmobilegt.native=jna");
	}

	@Test
	void passOnJava25WithNoCriticalCall() throws Exception {
		OnJava25.runTests(LibCTest.class, "-Dmobilegt.native=ffm-noncritical");
	}
}
