package org.mobilegt.gateway.common;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

import com.sun.jna.Native;

/**
 * epoll_wait(2) through the JDK's own binding, {@code sun.nio.ch.EPoll.wait} (what its selectors
 * wait in), for Java 17 to 21: a plain JNI method. A JNA call returns through libffi, JNA's
 * dispatcher and its errno bookkeeping; after a wait of milliseconds all of that is cold and
 * costs several µs of every idle round trip, the most of any step (BENCHMARKS.md, "An idle round
 * trip, call by call"). Java 22 and newer use {@link ForeignCalls} instead.
 * <p>
 * Only where java.base opens {@code sun.nio.ch} to this code: the runnable jar's manifest does
 * ({@code Add-Opens}), for {@code java -jar}. Elsewhere, or with {@code -Dmobilegt.native=jna},
 * {@link #WAIT} is null and JNA's binding serves.
 */
final class JdkEpoll {

	/** sun.nio.ch.IOStatus.INTERRUPTED: the JDK's result for EINTR. */
	private static final int INTERRUPTED = -3;
	/** (int epfd, long events, int maxEvents, int timeoutMillis) int, or null. */
	static final MethodHandle WAIT = find();

	private JdkEpoll() {
	}

	/**
	 * Like epoll_wait(2), but an error other than EINTR is the JDK's IOException; EINTR is -1
	 * with {@link LibC#errno()} EINTR.
	 */
	static int await(int epfd, long events, int maxEvents, int timeoutMillis) throws IOException {
		int n;
		try {
			n = (int) WAIT.invokeExact(epfd, events, maxEvents, timeoutMillis);
		} catch (IOException e) {
			throw e;
		} catch (Throwable t) {
			throw ForeignCalls.unchecked(t);
		}
		if (n == INTERRUPTED) {
			Native.setLastError(Errno.EINTR);
			return -1;
		}
		return n;
	}

	private static MethodHandle find() {
		if (ForeignCalls.JNA_CHOSEN) {
			return null;
		}
		try {
			Method wait = Class.forName("sun.nio.ch.EPoll", true, null).getDeclaredMethod("wait", int.class, long.class,
					int.class, int.class);
			if (wait.getReturnType() != int.class) {
				return null;
			}
			wait.setAccessible(true);
			return MethodHandles.lookup().unreflect(wait);
		} catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
			return null; // not opened to this code (InaccessibleObjectException), or another JDK
		}
	}
}
