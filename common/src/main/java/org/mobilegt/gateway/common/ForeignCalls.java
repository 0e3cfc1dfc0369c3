package org.mobilegt.gateway.common;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import com.sun.jna.Native;

/**
 * Downcall handles for the data path's libc calls through java.lang.foreign (final in Java 22),
 * used instead of JNA's direct mapping on Java 22 and newer: a handle called with invokeExact
 * from a static final field compiles into its caller, where JNA goes through JNI and libffi on
 * every call. Built reflectively at class initialization, as the build compiles for Java 17;
 * their types hold only primitives and Object, so that callers can name them.
 * <p>
 * Every handle captures errno into a segment of the calling thread, its first argument
 * ({@link #captureState()}). A failed call hands that errno to JNA's per-thread last error
 * ({@link #result(long)}), so {@link LibC#errno()} reads one place after a call of either binding.
 * <p>
 * The system property {@code mobilegt.native} chooses for A/B comparisons: {@code jna} keeps
 * JNA, {@code ffm-noncritical} links no call {@linkplain #downcall critical}.
 */
public final class ForeignCalls {

	private static final String CHOICE = System.getProperty("mobilegt.native", "");
	/** {@code -Dmobilegt.native=jna}: every call through JNA, also the waits {@link JdkEpoll} would take. */
	static final boolean JNA_CHOSEN = "jna".equals(CHOICE);
	/** Null before Java 22, when JNA is chosen, or when the API cannot be used (no native access). */
	private static final Linking LINKING = Runtime.version().feature() >= 22 && !JNA_CHOSEN ? Linking.orNull()
			: null;
	private static final ThreadLocal<Capture> CAPTURE = ThreadLocal.withInitial(() -> new Capture(LINKING));

	private ForeignCalls() {
	}

	/**
	 * A handle of libc's {@code name} typed ({@code Object} capture state, {@code params})
	 * {@code returns}, where int and long stand for C's int and long, size_t, ssize_t and pointers
	 * (64-bit Linux); or null when the JNA binding is to be used.
	 *
	 * @param critical whether the call may skip the thread's transitions into and out of native
	 *        code (safepoints wait for it meanwhile): for short calls that never block; granted
	 *        only where the running Java captures errno of critical calls (Java 24 and newer)
	 */
	public static MethodHandle downcall(String name, boolean critical, Class<?> returns, Class<?>... params) {
		if (LINKING == null) {
			return null;
		}
		try {
			return LINKING.downcall(name, critical && !"ffm-noncritical".equals(CHOICE), returns, params)
					.asType(MethodType.methodType(returns, Object.class).appendParameterTypes(params));
		} catch (ReflectiveOperationException | RuntimeException e) {
			return null;
		}
	}

	/** The calling thread's capture state segment: every handle's first argument. */
	public static Object captureState() {
		return CAPTURE.get().segment;
	}

	/** {@code result}, after making the errno a failed call captured this thread's last error. */
	public static long result(long result) {
		if (result < 0) {
			keepErrno();
		}
		return result;
	}

	/** {@code result}, after making the errno a failed call captured this thread's last error. */
	public static int result(int result) {
		if (result < 0) {
			keepErrno();
		}
		return result;
	}

	private static void keepErrno() {
		Capture capture = CAPTURE.get();
		Native.setLastError(capture.view.getInt(LINKING.errnoOffset));
	}

	/** What a downcall's Throwable becomes: the handles declare no checked exception. */
	public static RuntimeException unchecked(Throwable t) {
		if (t instanceof Error e) {
			throw e;
		}
		return t instanceof RuntimeException r ? r : new IllegalStateException(t);
	}

	/** One thread's capture state segment and a buffer over it to read errno, made once. */
	private static final class Capture {
		final Object segment;
		final ByteBuffer view;

		Capture(Linking linking) {
			try {
				// An automatic arena frees the segment once its thread is gone.
				Object arena = linking.ofAuto.invoke(null);
				segment = linking.allocate.invoke(arena, linking.captureLayout);
				view = ((ByteBuffer) linking.asByteBuffer.invoke(segment)).order(ByteOrder.nativeOrder());
			} catch (ReflectiveOperationException e) {
				throw new IllegalStateException("cannot allocate the errno capture segment", e);
			}
		}
	}

	/** The pieces of java.lang.foreign the handles are made of, looked up once. */
	private static final class Linking {
		final Object linker;
		final Object libc;
		final Class<?> optionType;
		final Method find;
		final Method downcallHandle;
		final Method descriptorOf;
		final Class<?> layoutType;
		final Object intLayout;
		final Object longLayout;
		final Object captureErrno;
		final Object critical;
		final Object captureLayout;
		final int errnoOffset;
		final Method ofAuto;
		final Method allocate;
		final Method asByteBuffer;

		private Linking() throws ReflectiveOperationException {
			Class<?> linkerType = api("Linker");
			optionType = api("Linker$Option");
			Class<?> lookupType = api("SymbolLookup");
			Class<?> segmentType = api("MemorySegment");
			Class<?> descriptorType = api("FunctionDescriptor");
			Class<?> valueLayoutType = api("ValueLayout");
			Class<?> pathType = api("MemoryLayout$PathElement");
			layoutType = api("MemoryLayout");
			linker = linkerType.getMethod("nativeLinker").invoke(null);
			libc = linkerType.getMethod("defaultLookup").invoke(linker);
			find = lookupType.getMethod("find", String.class);
			downcallHandle = linkerType.getMethod("downcallHandle", segmentType, descriptorType, Array.newInstance(optionType, 0).getClass());
			descriptorOf = descriptorType.getMethod("of", layoutType, Array.newInstance(layoutType, 0).getClass());
			intLayout = valueLayoutType.getField("JAVA_INT").get(null);
			longLayout = valueLayoutType.getField("JAVA_LONG").get(null);
			captureErrno = optionType.getMethod("captureCallState", String[].class).invoke(null, (Object) new String[] { "errno" });
			critical = optionType.getMethod("critical", boolean.class).invoke(null, false);
			captureLayout = optionType.getMethod("captureStateLayout").invoke(null);
			Object errnoPath = Array.newInstance(pathType, 1);
			Array.set(errnoPath, 0, pathType.getMethod("groupElement", String.class).invoke(null, "errno"));
			errnoOffset = Math.toIntExact((long) layoutType.getMethod("byteOffset", errnoPath.getClass()).invoke(captureLayout, errnoPath));
			ofAuto = api("Arena").getMethod("ofAuto");
			allocate = api("SegmentAllocator").getMethod("allocate", layoutType);
			asByteBuffer = segmentType.getMethod("asByteBuffer");
		}

		/**
		 * A type of java.lang.foreign, its name put together at run time: bnd would import the
		 * package of a constant name, and Java 17 has none to resolve the import.
		 */
		private static Class<?> api(String name) throws ClassNotFoundException {
			return Class.forName("java.lang.foreign.".concat(name));
		}

		/** Null when the running Java lacks the API or denies this code native access. */
		static Linking orNull() {
			try {
				Linking linking = new Linking();
				new Capture(linking);
				return linking;
			} catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
				return null;
			}
		}

		MethodHandle downcall(String name, boolean critical, Class<?> returns, Class<?>... params)
				throws ReflectiveOperationException {
			Object address = ((Optional<?>) find.invoke(libc, name)).orElseThrow();
			Object layouts = Array.newInstance(layoutType, params.length);
			for (int i = 0; i < params.length; i++) {
				Array.set(layouts, i, layout(params[i]));
			}
			Object descriptor = descriptorOf.invoke(null, layout(returns), layouts);
			if (critical) {
				try {
					return link(address, descriptor, captureErrno, this.critical);
				} catch (InvocationTargetException e) {
					// Java 22 and 23 refuse critical together with captureCallState: link it plain.
				}
			}
			return link(address, descriptor, captureErrno);
		}

		private MethodHandle link(Object address, Object descriptor, Object... options) throws ReflectiveOperationException {
			Object array = Array.newInstance(optionType, options.length);
			System.arraycopy(options, 0, array, 0, options.length);
			return (MethodHandle) downcallHandle.invoke(linker, address, descriptor, array);
		}

		private Object layout(Class<?> type) {
			if (type == int.class) {
				return intLayout;
			}
			if (type == long.class) {
				return longLayout;
			}
			throw new IllegalArgumentException("no C type for " + type);
		}
	}
}
