package org.mobilegt.gateway.tunnel.api;

/**
 * Sampled processing times of one direction since the tunnel started, in nanoseconds.
 *
 * @param samples how many packets were timed
 * @param mean    their mean
 */
public record Latency(long samples, long mean, long p50, long p90, long p99, long p999, long max) {
}
