package org.mobilegt.gateway.common;

/** The Linux errno values the gateway tells apart (asm-generic/errno-base.h, errno.h). */
public final class Errno {

	public static final int EPERM = 1;
	public static final int ENOENT = 2;
	public static final int EINTR = 4;
	public static final int EIO = 5;
	public static final int EAGAIN = 11;
	public static final int EACCES = 13;
	public static final int EBUSY = 16;
	public static final int EINVAL = 22;
	public static final int EOPNOTSUPP = 95;
	public static final int EADDRINUSE = 98;
	public static final int EADDRNOTAVAIL = 99;

	private Errno() {
	}
}
