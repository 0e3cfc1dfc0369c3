package org.mobilegt.gateway.tunnel.api;

/**
 * Percentiles of sampled processing times, in nanoseconds.
 *
 * @param samples how many packets were timed
 */
public record Latency(long samples, long p50, long p90, long p99, long p999, long max) {
}
