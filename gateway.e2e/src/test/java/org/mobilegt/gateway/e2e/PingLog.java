package org.mobilegt.gateway.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A continuous {@code ping -D} in the background, every reply kept with its arrival time, so that a
 * test can say how many requests were lost around an event and how long replies stopped: the
 * "gap" of a hot update or a restart.
 */
final class PingLog implements AutoCloseable {

	/** {@code [1732541234.123456] 64 bytes from 172.31.4.2: icmp_seq=12 ttl=63 time=0.512 ms} */
	private static final Pattern REPLY = Pattern.compile("^\\[(\\d+)\\.(\\d{6})\\] \\d+ bytes from [^:]+: icmp_seq=(\\d+) .*time=([\\d.]+) ms");

	/** One reply: sequence number, arrival (epoch ms, fractional) and round trip (ms). */
	record Reply(int seq, double arrivalMillis, double rttMillis) {
	}

	/** Around one event: requests lost, and the longest silence between two replies. */
	record Gap(int lost, double silenceMillis, int lastSeqBefore, int firstSeqAfter) {

		/** The loss as time: lost requests times the interval. */
		double lossMillis(Duration interval) {
			return lost * interval.toNanos() / 1e6;
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%d lost, longest silence %.0f ms (seq %d..%d)", lost, silenceMillis, lastSeqBefore,
					firstSeqAfter);
		}
	}

	/** The replies that arrived in a stretch of time, the requests lost among them, and round trips. */
	record Window(int replies, int lost, double avgRttMillis, double maxRttMillis) {

		double lossRatio() {
			return replies + lost == 0 ? 1 : (double) lost / (replies + lost);
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%d replies, %d lost (%.1f%%), rtt avg %.2f ms, max %.2f ms", replies, lost,
					100 * lossRatio(), avgRttMillis, maxRttMillis);
		}
	}

	private final Background ping;
	private final Duration interval;

	private PingLog(Background ping, Duration interval) {
		this.ping = ping;
		this.interval = interval;
	}

	/**
	 * Starts {@code ping} from {@code ns} through {@code device} to {@code address}, one request per
	 * {@code interval}, for at most {@code limit} (it stops by itself then).
	 */
	static PingLog start(String ns, String device, String address, Duration interval, Duration limit) {
		String seconds = String.format(Locale.ROOT, "%.3f", interval.toNanos() / 1e9);
		return new PingLog(Netns.start(ns, "ping", "-D", "-n", "-i", seconds, "-W", "1", "-w", Long.toString(limit.toSeconds()),
				"-I", device, address), interval);
	}

	/** The replies so far, in arrival order. */
	List<Reply> replies() {
		List<Reply> replies = new ArrayList<>();
		for (String line : ping.output().split("\n")) {
			Matcher m = REPLY.matcher(line);
			if (m.find()) {
				replies.add(new Reply(Integer.parseInt(m.group(3)), Long.parseLong(m.group(1)) * 1000.0 + Long.parseLong(m.group(2)) / 1000.0,
						Double.parseDouble(m.group(4))));
			}
		}
		return replies;
	}

	/** Waits (bounded) until a reply arrives after {@code epochMillis}; false if none came. */
	boolean awaitReplyAfter(long epochMillis, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			List<Reply> r = replies();
			if (!r.isEmpty() && r.get(r.size() - 1).arrivalMillis() > epochMillis) {
				return true;
			}
			if (!ping.alive()) {
				return false;
			}
			Sleep.millis(Math.max(1, interval.toMillis() * 5));
		}
		return false;
	}

	/**
	 * The gap around an event that ran from {@code fromMillis} to {@code toMillis} (epoch ms): the
	 * requests missing between the last reply that arrived before it began and the first reply
	 * that arrived after it ended, and the longest silence between consecutive replies in that
	 * stretch. Needs a reply after {@code toMillis} ({@link #awaitReplyAfter}).
	 */
	Gap gap(long fromMillis, long toMillis) {
		List<Reply> replies = replies();
		int first = -1;
		int last = -1;
		for (int i = 0; i < replies.size(); i++) {
			if (replies.get(i).arrivalMillis() < fromMillis) {
				first = i;
			}
			if (last < 0 && replies.get(i).arrivalMillis() > toMillis) {
				last = i;
			}
		}
		if (first < 0 || last < 0) {
			throw new AssertionError("no ping replies on both sides of " + fromMillis + ".." + toMillis + ": " + replies.size()
					+ " replies; output:\n" + tail());
		}
		double silence = 0;
		for (int i = first; i < last; i++) {
			silence = Math.max(silence, replies.get(i + 1).arrivalMillis() - replies.get(i).arrivalMillis());
		}
		int seqBefore = replies.get(first).seq();
		int seqAfter = replies.get(last).seq();
		// each request has one sequence number; whatever did not come back in between was lost
		int lost = (seqAfter - seqBefore - 1) - (last - first - 1);
		return new Gap(lost, silence, seqBefore, seqAfter);
	}

	/** The replies that arrived from {@code fromMillis} to {@code toMillis}, and the requests lost between them. */
	Window window(long fromMillis, long toMillis) {
		List<Reply> in = replies().stream().filter(r -> r.arrivalMillis() >= fromMillis && r.arrivalMillis() <= toMillis).toList();
		if (in.isEmpty()) {
			return new Window(0, 0, 0, 0);
		}
		int span = in.get(in.size() - 1).seq() - in.get(0).seq() + 1;
		return new Window(in.size(), span - in.size(), in.stream().mapToDouble(Reply::rttMillis).average().orElse(0),
				in.stream().mapToDouble(Reply::rttMillis).max().orElse(0));
	}

	String tail() {
		String[] lines = ping.output().split("\n");
		return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 10), lines.length));
	}

	@Override
	public void close() {
		ping.stop();
	}
}
