package org.mobilegt.gateway.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mobilegt.gateway.common.testing.OnJava25;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/** The data path's libc calls and their errno, with JNA here and through java.lang.foreign on Java 25. */
class LibCTest {

	private static final int EBADF = 9;
	private static final int EFAULT = 14;
	/** struct pollfd: int fd; short events; short revents. */
	private static final int POLLFD_SIZE = 8;
	private static final int POLLFD_EVENTS = 4;
	private static final int POLLFD_REVENTS = 6;

	@Test
	void bindsThroughForeignCallsFromJava22UnlessJnaIsAskedFor() {
		boolean foreign = Runtime.version().feature() >= 22 && !"jna".equals(System.getProperty("mobilegt.native"));
		assertThat(LibC.binding()).isEqualTo(foreign ? "ffm" : "jna");
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
	void pollSaysWhenADescriptorBecomesReadable() {
		int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
		try (Memory pollFd = new Memory(POLLFD_SIZE); Memory one = new Memory(8)) {
			pollFd.setInt(0, fd);
			pollFd.setShort(POLLFD_EVENTS, LibC.POLLIN);
			pollFd.setShort(POLLFD_REVENTS, (short) 0);
			long address = Pointer.nativeValue(pollFd);
			assertThat(LibC.poll(address, 1, 0)).isZero();
			one.setLong(0, 1);
			LibC.write(fd, Pointer.nativeValue(one), 8);
			assertThat(LibC.poll(address, 1, 1000)).isEqualTo(1);
			assertThat(pollFd.getShort(POLLFD_REVENTS)).isEqualTo(LibC.POLLIN);
			assertThat(LibC.poll(-1, 1, 0)).as("pollfds at an invalid address").isEqualTo(-1);
			assertThat(LibC.errno()).isEqualTo(EFAULT);
		} finally {
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
