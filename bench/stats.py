#!/usr/bin/env python3
"""Parsing and statistics for bench/run.sh (standard library only).

  stats.py iperf FILE.json KIND     -> one line "key=value ..." (KIND: tcp or udp)
  stats.py ping FILE [SENT]         -> "avg_ms p99_ms loss_pct replies median_ms"
  stats.py gwstats FILE.json        -> vpn:stats --json as "metric value" lines
  stats.py alloc EVENTS.json T0 T1 PACKETS GCS OUT.txt
                                    -> allocation samples in [T0, T1] (epoch s) by site into
                                       OUT.txt; "metric value" lines on stdout
  stats.py blast OUTPUT BEFORE AFTER -> `relay blast` output and the sink's "port packets" lines
                                       before/after as "metric value" lines (sent, received, per flow,
                                       the blast's own CPU seconds)
  stats.py check RAW.tsv SYS:M1,M2=V...
                                    -> exit 1 unless every metric is > 0 (or = V) for SYS
  stats.py report RAW.tsv OUTDIR    -> OUTDIR/results.tsv, table.txt, plot.dat; prints the table
"""
import collections
import datetime
import json
import math
import os
import re
import statistics
import sys

SYSTEM_LABELS = {
    "direct": "(a) direct routing",
    "wg": "(b) wireguard-go",
    "ovpn-none": "(c0) OpenVPN no cipher",
    "ovpn-gcm": "(c) OpenVPN AES-256-GCM",
    "relay": "(d) C relay",
    "relay1": "(d) C relay, batch 1",
    "gateway": "(e) mobilegt gateway",
}
BASELINES = [("direct", "a"), ("wg", "b"), ("ovpn-none", "c0")]
# (metric, column title, format); missing metrics print as "-". "rtt_*added_ms" are derived.
THROUGHPUT = [
    ("tcp1_mbps", "TCP1", "{:.0f}"),
    ("tcp4_mbps", "TCP4", "{:.0f}"),
    ("tcp1r_mbps", "TCP1-R", "{:.0f}"),
    ("tcp4r_mbps", "TCP4-R", "{:.0f}"),
    ("udp64_kpps", "UDP64 kpps", "{:.1f}"),
    ("udp64_loss_pct", "loss%", "{:.1f}"),
    ("tcp1v6_mbps", "TCP1 v6", "{:.0f}"),
    ("udp64v6_kpps", "UDP64 v6 kpps", "{:.1f}"),
    ("udp64v6_loss_pct", "loss%", "{:.1f}"),
    ("udpmtu_kpps", "UDP1400 kpps", "{:.1f}"),
    ("udpmtu_loss_pct", "loss%", "{:.1f}"),
    ("blast_kpps", "blast64 kpps", "{:.1f}"),
    ("blast_loss_pct", "loss%", "{:.1f}"),
    ("imix_kpps", "IMIX kpps", "{:.1f}"),
    ("imix_mbps", "IMIX Mbps", "{:.0f}"),
    ("imix_loss_pct", "loss%", "{:.1f}"),
]
LATENCY_CPU = [
    ("rtt_avg_ms", "RTT avg", "{:.3f}"),
    ("rtt_med_ms", "RTT med", "{:.3f}"),
    ("rtt_added_ms", "+med vs (a)", "{:+.3f}"),
    ("rtt_p99_ms", "RTT p99", "{:.3f}"),
    ("rtt_p99_added_ms", "+p99 vs (a)", "{:+.3f}"),
    ("rtt_pair_added_ms", "+med paired", "{:+.3f}"),
    ("rtt_pair_p99_added_ms", "+p99 paired", "{:+.3f}"),
    ("rtt_load_avg_ms", "load avg", "{:.2f}"),
    ("rtt_load_p99_ms", "load p99", "{:.2f}"),
    ("cpu_cores_per_gbps", "cores/Gbps", "{:.2f}"),
    ("cpu_us_per_pkt", "us/pkt sat", "{:.2f}"),
    ("cpu_fix_srv_us_per_pkt", "us/pkt gw-side", "{:.2f}"),
    ("cpu_fix_us_per_pkt", "us/pkt both", "{:.2f}"),
    ("cpu_fix_softirq_us_per_pkt", "softirq", "{:.2f}"),
    ("cpu_fix_srv_softirq_us_per_pkt", "gw-side+softirq", "{:.2f}"),
    ("cpu_fix_loss_pct", "loss%", "{:.1f}"),
    ("rss_kb", "RSS KiB", "{:.0f}"),
    ("load_before", "load1 before", "{:.2f}"),
    ("load_after", "after", "{:.2f}"),
]
RATIO_METRICS = ["tcp1_mbps", "tcp4_mbps", "tcp1r_mbps", "tcp4r_mbps", "udp64_kpps", "udpmtu_kpps", "blast_kpps", "imix_kpps"]
# plot.dat's columns, in the order of run.sh's plot panels: TCP 2-5, UDP 6-9, RTT added 10-11, CPU 12-13,
# RTT added of the paired pings 14-15 (relay and gateway only; in the RTT panel)
PLOT_METRICS = [("tcp1_mbps", "TCP 1 stream"), ("tcp4_mbps", "TCP 4 streams"), ("tcp1r_mbps", "TCP 1 reverse"),
                ("tcp4r_mbps", "TCP 4 reverse"), ("udp64_kpps", "UDP 64 B payload"),
                ("udpmtu_kpps", "UDP 1400 B packets"), ("blast_kpps", "UDP 64 B blast"),
                ("imix_kpps", "UDP IMIX blast"),
                ("rtt_added_ms", "RTT added, median"), ("rtt_p99_added_ms", "RTT added, p99"),
                ("cpu_fix_srv_us_per_pkt", "gateway-side endpoint"), ("cpu_fix_us_per_pkt", "both ends"),
                ("rtt_pair_added_ms", "RTT added, paired median"), ("rtt_pair_p99_added_ms", "RTT added, paired p99")]
# bench/profile.sh: one profiled run after the repetitions, perf stat of the gw-side endpoint
PROFILE = [
    ("prof_cpu_us", "CPU us/pkt", "{:.2f}"),
    ("prof_cpu_uplink_us", "uplink", "{:.2f}"),
    ("prof_cpu_downlink_us", "downlink", "{:.2f}"),
    ("prof_cpu_syscalls", "syscalls/pkt", "{:.2f}"),
    ("prof_cpu_ctxsw", "ctxsw/pkt", "{:.2f}"),
    ("prof_ping_us", "CPU us/ping", "{:.1f}"),
    ("prof_ping_syscalls", "syscalls/ping", "{:.1f}"),
    ("prof_ping_ctxsw", "ctxsw/ping", "{:.2f}"),
    ("trip_wake_us", "ping: wake us", "{:.1f}"),
    ("trip_to_write_us", "to TUN write", "{:.1f}"),
    ("trip_write_us", "write", "{:.1f}"),
    ("trip_to_send_us", "to send", "{:.1f}"),
]
DIRECTIONS = ["FROM_CLIENT", "TO_CLIENT"]


def iperf(path, kind):
    with open(path) as f:
        j = json.load(f)
    if "error" in j:
        sys.exit("iperf3: " + j["error"])
    end = j["end"]
    recv = end["sum_received"]
    if kind == "tcp":
        print("mbps={:.3f} bytes={} seconds={:.3f} retransmits={}".format(
            recv["bits_per_second"] / 1e6, recv["bytes"], recv["seconds"],
            end["sum_sent"].get("retransmits", 0)))
    else:
        sent = end["sum"]["packets"]  # the sender's count
        received = recv["packets"] - recv["lost_packets"]
        loss = 100.0 * (sent - received) / sent if sent else 100.0
        print("kpps={:.3f} received={} sent={} loss_pct={:.2f} seconds={:.3f}".format(
            received / recv["seconds"] / 1e3, received, sent, loss, recv["seconds"]))


def percentile(sorted_values, p):
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def ping(path, expected=None):
    times = []
    transmitted = None
    with open(path) as f:
        for line in f:
            m = re.search(r"time=([0-9.]+) ms", line)
            if m:
                times.append(float(m.group(1)))
            m = re.search(r"(\d+) packets transmitted", line)
            if m:  # one summary per ping run: a file may hold several
                transmitted = (transmitted or 0) + int(m.group(1))
    times.sort()
    sent = transmitted or expected or len(times)
    loss = 100.0 * (sent - len(times)) / sent if sent else 100.0
    if not times:
        print("nan nan {:.1f} 0 nan".format(loss))
        return
    print("{:.4f} {:.4f} {:.1f} {} {:.4f}".format(statistics.fmean(times), percentile(times, 99), loss, len(times),
                                                  statistics.median(times)))


def blast(out, before, after):
    kv = dict(f.split("=", 1) for f in out.split() if "=" in f)
    # sink_counts lines: port packets IP-bytes
    b = {int(l.split()[0]): [int(x) for x in l.split()[1:]] for l in before.splitlines() if l.strip()}
    a = {int(l.split()[0]): [int(x) for x in l.split()[1:]] for l in after.splitlines() if l.strip()}
    sent = [int(x) for x in kv["per_flow"].split(",")]
    received = [a[9000 + i][0] - b[9000 + i][0] for i in range(len(sent))]
    print("seconds", kv["seconds"])
    print("sent", sum(sent))
    print("received", sum(received))
    print("received_ip_bytes", sum(a[9000 + i][1] - b[9000 + i][1] for i in range(len(sent))))
    if "cpu_s" in kv:
        print("blast_cpu_s", kv["cpu_s"])
    for i, (s, r) in enumerate(zip(sent, received)):
        print("flow%d_sent %d" % (i + 1, s))
        print("flow%d_received %d" % (i + 1, r))


# ---------- the gateway's vpn:stats ----------

def gwstats(path):
    """vpn:stats --json as "metric value" lines: sessions, packets both ways, processing times in µs."""
    with open(path) as f:
        text = f.read()
    try:
        s = json.loads(text)
    except json.JSONDecodeError as e:
        sys.exit("gwstats: vpn:stats --json did not print JSON ({}): {}".format(e, text[:300]))
    t = s["totals"]
    print("sessions", t["sessions"])
    print("packets", t["rxPackets"] + t["txPackets"])
    for d in DIRECTIONS:
        l = s.get("processingNanos", {}).get(d)
        if not l:
            continue
        key = "proc_" + d.lower()
        print(key + "_samples", l["samples"])
        for q in ("p50", "p99", "p999", "max"):
            print("{}_{}_us {:.3f}".format(key, q, l[q] / 1000.0))


# ---------- allocation check ----------

def epoch(iso):
    """JFR's "2026-11-25T15:23:41.226029416Z" as seconds since the epoch."""
    date, _, frac = iso.rstrip("Z").partition(".")
    t = datetime.datetime.strptime(date, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return t.timestamp() + (float("0." + frac) if frac else 0.0)


def frame_name(frame):
    m = frame["method"]
    return m["type"]["name"].replace("/", ".") + "." + m["name"]


def alloc(events_path, t0, t1, packets, gcs, out_path):
    """Allocation samples in the window (weight = bytes the sampled thread allocated since its
    previous sample, so weights add up to an estimate of all allocation) and collections. A sample
    is the gateway's when its top frame is in org.mobilegt.*, or a frame further down is (JDK or
    library code the gateway called), or it ran on a gateway thread (mobilegt-*)."""
    t0, t1, packets, gcs = float(t0), float(t1), int(packets), int(gcs)
    with open(events_path) as f:
        events = json.load(f)["recording"]["events"]
    per_kpkt = 1000.0 / packets if packets > 0 else float("nan")
    groups = collections.OrderedDict((g, [0, 0]) for g in ("mgt", "via", "thread", "other"))  # samples, bytes
    sites = collections.defaultdict(lambda: [0, 0, collections.Counter()])
    collections_in_window = []
    for e in events:
        v = e["values"]
        if not t0 <= epoch(v["startTime"]) <= t1:
            continue
        if e["type"] == "jdk.GarbageCollection":
            collections_in_window.append("{} ({}, {:.1f} ms)".format(v.get("name"), v.get("cause"),
                                                                      dur_ms(v.get("sumOfPauses"))))
            continue
        frames = (v.get("stackTrace") or {}).get("frames") or []
        names = [frame_name(fr) for fr in frames]
        thread = (v.get("eventThread") or {}).get("javaName") or "?"
        top = names[0] if names else "(no stack)"
        mgt = next((i for i, n in enumerate(names) if n.startswith("org.mobilegt.")), None)
        if mgt == 0:
            group = "mgt"
        elif mgt is not None:
            group = "via"
        elif thread.startswith("mobilegt-"):
            group = "thread"
        else:
            group = "other"
        weight = int(v.get("weight") or 0)
        groups[group][0] += 1
        groups[group][1] += weight
        obj = (v.get("objectClass") or {}).get("name", "?").replace("/", ".")
        # The stack from the top frame down to the first org.mobilegt frame: where to look.
        path = names[:6 if mgt is None else mgt + 1]
        stack = " < ".join(path if len(path) <= 9 else path[:3] + ["..."] + path[-5:])
        key = (group, obj, stack)
        sites[key][0] += 1
        sites[key][1] += weight
        sites[key][2][thread] += 1
    gateway_bytes = sum(groups[g][1] for g in ("mgt", "via", "thread"))
    clean = gcs == 0 and not collections_in_window and gateway_bytes * per_kpkt < 100
    verdict = ("no per-packet garbage in steady state" if clean else
               "garbage in steady state: {:,.0f} bytes per 1000 packets from the gateway's code or threads, "
               "{} GC(s) in the window (sites below)".format(gateway_bytes * per_kpkt, gcs))
    lines = [
        "Allocation check: " + verdict,
        "window {:.1f} s, {} packets forwarded (both directions, vpn:stats), {} GC(s) in the GC log{}".format(
            t1 - t0, packets, gcs, (": " + "; ".join(collections_in_window)) if collections_in_window else ""),
        "JFR jdk.ObjectAllocationSample in the window (bytes: sum of sample weights, an estimate of all allocation):",
    ]
    labels = {"mgt": "top frame in org.mobilegt.*", "via": "JDK/library code called from org.mobilegt.*",
              "thread": "no org.mobilegt frame, on a mobilegt-* thread", "other": "elsewhere (framework, JFR, shell)"}
    for g, (n, b) in groups.items():
        lines.append("  {:<48} {:>6} samples {:>14,} bytes = {:>10,.0f} bytes per 1000 packets".format(
            labels[g], n, b, b * per_kpkt))
    lines.append("Sites by bytes: B/1000 packets, samples, [group] allocated class, threads; stack from the top frame "
                 "down to the first org.mobilegt frame:")
    ranked = sorted(sites.items(), key=lambda kv: (kv[0][0] == "other", -kv[1][1]))
    shown = [kv for kv in ranked if kv[0][0] != "other"][:20] + [kv for kv in ranked if kv[0][0] == "other"][:8]
    for (group, obj, stack), (n, b, threads) in shown:
        lines.append("  {:>9,.0f} B/kpkt {:>4} smp [{}] {} on {}\n      {}".format(
            b * per_kpkt, n, group, obj, ", ".join("{} ({})".format(t, c) for t, c in threads.most_common(3)), stack))
    if len(ranked) > len(shown):
        lines.append("  ... {} more sites".format(len(ranked) - len(shown)))
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("alloc_window_packets", packets)
    print("alloc_gc_count", gcs)
    print("alloc_gc_jfr", len(collections_in_window))
    for g, (n, b) in groups.items():
        print("alloc_{}_samples".format(g), n)
        print("alloc_{}_bytes_per_kpkt {:.1f}".format(g, b * per_kpkt))


def dur_ms(value):
    """A JFR duration ("PT0.0012S" in --json, or a number of nanoseconds) in milliseconds."""
    if isinstance(value, (int, float)):
        return value / 1e6
    m = re.match(r"PT(?:(\d+)M)?([0-9.]+)S", str(value or ""))
    return (int(m.group(1) or 0) * 60 + float(m.group(2))) * 1000.0 if m else float("nan")


# ---------- report ----------

def fmt(value, pattern):
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else pattern.format(value)


def render(headers, rows):
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    out = []
    for n, r in enumerate([headers] + rows):
        out.append("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def read_raw(raw_path):
    samples = {}  # (system, metric) -> [values]
    order = []
    with open(raw_path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            system, rep, metric, value = line.rstrip("\n").split("\t")[:4]
            if system not in order:
                order.append(system)
            try:
                v = float(value)
            except ValueError:
                continue
            if not math.isnan(v):
                samples.setdefault((system, metric), []).append(v)
    return samples, order


def table(order, med, columns):
    used = [c for c in columns if any((s, c[0]) in med for s in order)]
    rows = [[SYSTEM_LABELS.get(s, s)] + [fmt(med.get((s, m)), p) for m, _, p in used] for s in order]
    return render(["system"] + [t for _, t, _ in used], rows)


def ratio(med, a, b, metric_a, metric_b=None):
    x, y = med.get((a, metric_a)), med.get((b, metric_b or metric_a))
    return x / y if x is not None and y else None


def status(ok):
    return "-" if ok is None else ("PASS" if ok else "FAIL")


def goals(med):
    """The issue's goals for the gateway with their measured status (None = not measured)."""
    g = "gateway"
    rows = []
    tcp = ["tcp1_mbps", "tcp4_mbps", "tcp1r_mbps", "tcp4r_mbps"]
    for base, target, name in (("relay", 1.0, "C relay"), ("wg", 1.4, "wireguard-go"),
                               ("ovpn-none", 1.0, "OpenVPN no cipher")):
        rs = [(m.replace("_mbps", ""), ratio(med, g, base, m)) for m in tcp]
        got = [(m, r) for m, r in rs if r is not None]
        ok = None if not got else all(r >= target for _, r in got)
        rows.append(["TCP >= {:.1f}x {} (one client)".format(target, name),
                     ", ".join("{} {:.2f}x".format(m, r) for m, r in got) or "-", status(ok)])
    for prefix in ("agg", "agg16"):
        r = ratio(med, g, "relay", prefix + "_kpps", "blast_kpps")
        own = ratio(med, g, "relay", prefix + "_kpps")
        # Both lossless: the offered rate (BLAST_PPS) was the limit, and the ratio says nothing.
        offered = all(med.get(k, 100.0) < 1.0 for k in ((g, prefix + "_loss_pct"), ("relay", "blast_loss_pct")))
        rows.append(["aggregate pps, {} clients >= 1.0x one C relay pair (64 B blast)".format(agg_clients(prefix)),
                     "-" if r is None else "{:.0f} vs {:.0f} kpps = {:.2f}x{}{}".format(
                         med[(g, prefix + "_kpps")], med[("relay", "blast_kpps")], r,
                         "" if own is None else "; {:.2f}x the C relay's own aggregate with as many clients "
                         "({:.0f} kpps)".format(own, med[("relay", prefix + "_kpps")]),
                         "; both carried all that BLAST_PPS offered: raise it" if offered else ""),
                     status(None if r is None or offered else r >= 1.0)])
    r = ratio(med, g, "relay", "cpu_fix_srv_us_per_pkt")
    rows.append(["CPU per forwarded packet <= 1.0x C relay (gw side, fixed count)",
                 "-" if r is None else "{:.2f} vs {:.2f} us = {:.2f}x".format(
                     med[(g, "cpu_fix_srv_us_per_pkt")], med[("relay", "cpu_fix_srv_us_per_pkt")], r),
                 status(None if r is None else r <= 1.0)])
    for metric, name in (("rtt_added_ms", "median"), ("rtt_p99_added_ms", "p99")):
        rows.append(rtt_goal(med, name, metric))
    rss = med.get((g, "rss_kb_at_1000"))
    sessions = med.get((g, "sessions_at_1000"))
    rows.append(["1,000 clients at < 256 MB RSS",
                 "-" if rss is None else "{:.0f} MiB with {} sessions".format(
                     rss / 1024, "?" if sessions is None else int(sessions)),
                 status(None if rss is None else rss < 256 * 1024 and sessions == 1000)])
    hs, cold = med.get((g, "hs_per_s")), med.get((g, "hs_cold_per_s"))
    rows.append([">= 10,000 handshakes/s" + ("" if cold is None else " (after the warm-up)"),
                 "-" if hs is None else "{:.0f}/s{}".format(
                     hs, "" if cold is None else " (cold {:.0f}/s)".format(cold)),
                 status(None if hs is None else hs >= 10000)])
    return render(["goal", "measured", "status"], rows)


def rtt_goal(med, name, metric):
    """The RTT goal's row: judged on the paired pings (run.sh paired_pings) where there are some."""
    g = "gateway"
    paired = metric.replace("rtt_", "rtt_pair_", 1)
    a, b = med.get((g, metric)), med.get(("relay", metric))
    pa, pb = med.get((g, paired)), med.get(("relay", paired))
    phases = "-" if a is None or b is None else "{:+.3f} vs {:+.3f} ms".format(a, b)
    if pa is None or pb is None:
        return ["{} RTT added over direct <= the C relay's".format(name), phases,
                status(None if a is None or b is None else a <= b)]
    return ["{} RTT added over direct <= the C relay's (paired pings)".format(name),
            "{:+.3f} vs {:+.3f} ms (own phases: {})".format(pa, pb, phases), status(pa <= pb)]


def agg_prefixes(keys, system="gateway"):
    """A system's aggregate metric prefixes ("agg" = 4 clients, "aggN" = N clients), by client count."""
    found = {k[:-len("_kpps")] for s, k in keys if s == system and re.match(r"agg\d*_kpps$", k)}
    return sorted(found, key=agg_clients)


def agg_clients(prefix):
    return int(prefix[3:] or 4)


def gateway_section(med, keys):
    g = "gateway"
    out = []
    rss = sorted({int(k[len("rss_kb_at_"):]) for s, k in keys if s == g and k.startswith("rss_kb_at_")})
    if rss:
        rows = [[n, fmt(med.get((g, "sessions_at_%d" % n)), "{:.0f}"),
                 fmt(med.get((g, "rss_kb_at_%d" % n), float("nan")) / 1024, "{:.1f}"),
                 fmt(med.get((g, "hwm_kb_at_%d" % n), float("nan")) / 1024, "{:.1f}"),
                 fmt(med.get((g, "heap_used_kb_at_%d" % n), float("nan")) / 1024, "{:.1f}")] for n in rss]
        out += ["Gateway JVM memory with N connected clients (MiB)",
                render(["clients", "sessions", "VmRSS", "VmHWM", "heap used"], rows), ""]
    rows = []
    for d in DIRECTIONS:
        k = "proc_" + d.lower()
        if (g, k + "_samples") in med:
            rows.append([d] + [fmt(med.get((g, k + "_" + q)), f) for q, f in
                               (("samples", "{:.0f}"), ("p50_us", "{:.1f}"), ("p99_us", "{:.1f}"),
                                ("p999_us", "{:.1f}"), ("max_us", "{:.1f}"))])
    if rows:
        out += ["Gateway per-packet processing time after the data tests (vpn:stats, 1 in 64 packets timed, us)",
                render(["direction", "samples", "p50", "p99", "p99.9", "max"], rows), ""]
    for prefix in agg_prefixes(keys):
        flows = sorted((k for s, k in keys if s == g and re.match(prefix + r"_flow\d+_kpps$", k)),
                       key=lambda k: int(re.search(r"flow(\d+)_", k).group(1)))
        out += ["Gateway aggregate, {} clients, one 64-byte blast flow each (offered in total as in blast64): "
                "{:.1f} kpps received (per client {}), loss {:.1f}%, {:.2f} us JVM CPU per packet; "
                "{} one C relay's blast64, {} its iperf3 UDP64, {} the gateway's own one-client blast64, "
                "{} the C relay's own aggregate with as many clients".format(
                    len(flows), med[(g, prefix + "_kpps")],
                    " / ".join(fmt(med.get((g, k)), "{:.1f}") for k in flows),
                    med.get((g, prefix + "_loss_pct"), float("nan")),
                    med.get((g, prefix + "_cpu_srv_us_per_pkt"), float("nan")),
                    *("-" if r is None else "{:.2f}x".format(r) for r in (
                        ratio(med, g, "relay", prefix + "_kpps", "blast_kpps"),
                        ratio(med, g, "relay", prefix + "_kpps", "udp64_kpps"),
                        ratio(med, g, g, prefix + "_kpps", "blast_kpps"),
                        ratio(med, g, "relay", prefix + "_kpps")))), ""]
    if (g, "cpu_fix_uplink_us_per_pkt") in med:
        parts = [(c, med.get((g, "cpu_fix_%s_us_per_pkt" % c), float("nan")))
                 for c in ("uplink", "downlink", "control", "other")]
        out += ["Gateway CPU per packet by thread, test cpu (us per received packet; other = the rest of the JVM: "
                "GC, JIT, ...): " + ", ".join("{} {:.2f}".format(c, v) for c, v in parts) +
                "; JVM {:.2f}; the box's softirq {:.2f}; JVM + softirq {:.2f}".format(
                    med.get((g, "cpu_fix_srv_us_per_pkt"), float("nan")),
                    med.get((g, "cpu_fix_softirq_us_per_pkt"), float("nan")),
                    med.get((g, "cpu_fix_srv_softirq_us_per_pkt"), float("nan"))), ""]
    if (g, "hs_per_s") in med:
        def figures(prefix):  # a handshake run's rate, failures and p99 latency
            return "{:.0f}/s, {:.0f} failed or unfinished, p99 latency {:.1f} ms".format(
                med[(g, prefix + "_per_s")], med.get((g, prefix + "_failed"), float("nan")),
                med.get((g, prefix + "_p99_ms"), float("nan")))
        line = "Gateway handshakes: " + figures("hs")
        if (g, "hs_cold_per_s") in med:
            line += "; cold (the warm-up's, the JIT compiling): " + figures("hs_cold")
        out += [line, ""]
    return out


def read_reps(raw_path):
    """(system, metric) -> {rep: value}, for ratios of repetitions run next to each other."""
    reps = {}
    with open(raw_path) as f:
        for line in f:
            if not line.startswith("#") and line.strip():
                system, rep, metric, value = line.rstrip("\n").split("\t")[:4]
                try:
                    reps.setdefault((system, metric), {})[rep] = float(value)
                except ValueError:
                    continue
    return reps


def paired(reps, metric):
    """The gateway / C relay ratio of each repetition both ran (interleaved: under the same load),
    as "median (min-max)"; "-" when none."""
    g, r = reps.get(("gateway", metric), {}), reps.get(("relay", metric), {})
    ratios = [g[k] / r[k] for k in g if r.get(k)]
    if not ratios:
        return "-"
    return "{:.2f}x ({:.2f}-{:.2f})".format(statistics.median(ratios), min(ratios), max(ratios))


def aggregate_section(med, keys, reps):
    """The aggregates side by side per client count: the gateway's against the C relay's own
    (relay server --clients), with the CPU of the box and of its parts while the blast sent."""
    rows = []
    sizes = sorted({p for s in ("relay", "gateway") for p in agg_prefixes(keys, s)}, key=agg_clients)
    for prefix in sizes:
        for s in ("relay", "gateway"):
            if (s, prefix + "_kpps") not in med:
                continue
            r = ratio(med, s, "relay", prefix + "_kpps")
            rows.append([agg_clients(prefix), SYSTEM_LABELS.get(s, s), fmt(med[(s, prefix + "_kpps")], "{:.1f}"),
                         "-" if r is None or s == "relay" else "{:.2f}x".format(r),
                         "-" if s == "relay" else paired(reps, prefix + "_kpps"),
                         fmt(med.get((s, prefix + "_loss_pct")), "{:.1f}"),
                         fmt(med.get((s, prefix + "_cpu_srv_us_per_pkt")), "{:.2f}")] +
                        [fmt(med.get((s, prefix + "_" + c + "_cpu_pct")), "{:.0f}")
                         for c in ("box", "srv", "clients", "blast")])
    if not rows:
        return []
    return ["Aggregates, one 64-byte blast flow per client (BLAST_PPS in total): received kpps, gateway / C relay "
            "with as many clients (relay server --clients: one thread, one TUN, one socket): ratio of the medians, and "
            "median (min-max) of the ratios of each repetition (run next to each other when interleaved), loss, "
            "server CPU per packet; busy CPU while the blast sent as % of all the box's cores: the whole box "
            "(/proc/stat user + nice + system + irq + softirq), the server, the ToyVpn clients, the blast process",
            render(["clients", "system", "kpps", "vs relay", "by repetition", "loss%", "srv us/pkt", "box %", "srv %",
                    "clients %", "blast %"], rows), ""]


def ipv6_section(order, med):
    """IPv6 inside each tunnel next to IPv4: the v6/v4 ratio of TCP1 and UDP64 (goal: within 10 %)."""
    pairs = [("tcp1v6_mbps", "tcp1_mbps", "TCP1"), ("udp64v6_kpps", "udp64_kpps", "UDP64 pps")]
    rows = []
    for s in order:
        if not any((s, v6) in med for v6, _, _ in pairs):
            continue
        row = [SYSTEM_LABELS.get(s, s)]
        for v6, v4, _ in pairs:
            r = ratio(med, s, s, v6, v4)
            row.append("-" if r is None else "{} / {} = {:.2f}{}".format(
                fmt(med[(s, v6)], "{:.1f}"), fmt(med[(s, v4)], "{:.1f}"), r, "" if abs(r - 1) <= 0.10 else " (over 10 %)"))
        rows.append(row)
    if not rows:
        return []
    return ["IPv6 inside the tunnel: v6 / v4 = ratio, medians (goal for the gateway: parity within 10 %)",
            render(["system"] + [title for _, _, title in pairs], rows), ""]


def report(raw_path, outdir):
    samples, order = read_raw(raw_path)
    med = {k: statistics.median(v) for k, v in samples.items()}
    # RTT added by a tunnel: its median (p99) RTT minus direct routing's (medians over the repetitions);
    # paired pings (run in the gateway's phase) minus direct's of test ping too.
    for s in order:
        for added, rtt in (("rtt_added_ms", "rtt_med_ms"), ("rtt_p99_added_ms", "rtt_p99_ms"),
                           ("rtt_pair_added_ms", "rtt_pair_med_ms"), ("rtt_pair_p99_added_ms", "rtt_pair_p99_ms")):
            direct = ("direct", rtt.replace("pair_", ""))
            if (s, rtt) in med and direct in med:
                med[(s, added)] = med[(s, rtt)] - med[direct]

    with open(outdir + "/results.tsv", "w") as f:
        f.write("system\tmetric\tmedian\tn\tmin\tmax\n")
        for (system, metric), values in sorted(samples.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
            f.write("{}\t{}\t{:.6g}\t{}\t{:.6g}\t{:.6g}\n".format(
                system, metric, med[(system, metric)], len(values), min(values), max(values)))

    text = ["Throughput, medians (TCP Mbit/s client ns -> internet host, -R = reverse; UDP payload 64 B and "
            "1372 B = 1400 B IP packets: received kpps and loss; blast64 and IMIX = relay blast, one flow, IMIX = 60 % "
            "64 B, 25 % 576 B, 15 % 1400 B IP packets: received kpps, IP Mbit/s, loss)",
            table(order, med, THROUGHPUT), "",
            "Latency, CPU, memory, medians (ping RTT ms idle and under a TCP stream; +med = median RTT minus "
            "direct's; CPU of the tunnel endpoint processes, all threads: cores per Gbit/s in TCP1, us per "
            "received packet in UDP64 at saturation (both ends) and over a fixed count at a fixed rate "
            "(gw-side endpoint alone, and both ends), the whole box's kernel softirq time per packet in that test, "
            "alone and added to the gw side (an upper bound where machine.txt shows tick accounting without "
            "IRQ_TIME_ACCOUNTING: softirq run in an endpoint's syscall then counts in both); RSS of the endpoints after the tests; load average "
            "before/after the system)",
            table(order, med, LATENCY_CPU), ""]
    ratio_rows = []
    for s in order:
        row = [SYSTEM_LABELS.get(s, s)]
        for m in RATIO_METRICS:
            row.append("/".join("{:.2f}".format(r) if r is not None else "-"
                                for r in (ratio(med, s, base, m) for base, _ in BASELINES)))
        ratio_rows.append(row)
    text += ["Ratios to (a) direct / (b) wireguard-go / (c0) OpenVPN no cipher (higher is better)",
             render(["system"] + [m.replace("_mbps", "").replace("_kpps", " pps") for m in RATIO_METRICS],
                    ratio_rows), ""]
    profiled = [s for s in order if (s, "prof_cpu_us") in med]
    if profiled:
        text += ["Profile of the gw-side endpoint (bench/profile.sh, one run after the repetitions, perf stat under "
                 "perf record: a breakdown, its CPU time includes the recording's own): test cpu's packets, and idle pings at 100/s; profile/SYSTEM.txt has the "
                 "threads, the samples by object and the top symbols",
                 table(profiled, med, PROFILE), ""]
    text += ipv6_section(order, med)
    text += gateway_section(med, samples.keys())
    text += aggregate_section(med, samples.keys(), read_reps(raw_path))
    alloc_txt = os.path.join(outdir, "alloc.txt")
    if os.path.exists(alloc_txt):
        with open(alloc_txt) as f:
            text += [f.read()]
    text += ["Goals (issues 8 and 18)", goals(med)]
    table_text = "\n".join(text) + "\n"
    with open(outdir + "/table.txt", "w") as f:
        f.write(table_text)
    print(table_text, end="")

    with open(outdir + "/plot.dat", "w") as f:
        f.write("system\t" + "\t".join(title for _, title in PLOT_METRICS) + "\n")
        for s in order:
            cells = [fmt(med.get((s, m)), "{:.3f}") for m, _ in PLOT_METRICS]
            if any(c != "-" for c in cells):  # skipped systems stay out of the plot
                f.write(SYSTEM_LABELS.get(s, s) + "\t" + "\t".join(cells) + "\n")
        # the aggregates by client count, the C relay's next to the gateway's
        keys = samples.keys()
        for prefix in sorted(set(agg_prefixes(keys, "relay") + agg_prefixes(keys)), key=agg_clients):
            for system, label in (("relay", "(d) C relay"), ("gateway", "(e) gateway")):
                if (system, prefix + "_kpps") in med:
                    f.write("{}, {} clients\t".format(label, agg_clients(prefix)) + "\t".join(
                        fmt(med[(system, prefix + "_kpps")], "{:.3f}") if m == "blast_kpps" else "-"
                        for m, _ in PLOT_METRICS) + "\n")


def check(raw_path, specs):
    """Smoke verdict: every SYSTEM:METRIC,...,METRIC=VALUE must hold (a metric's median > 0 or == VALUE)."""
    samples, _ = read_raw(raw_path)
    med = {k: statistics.median(v) for k, v in samples.items()}
    problems = []
    for spec in specs:
        system, _, metrics = spec.partition(":")
        if (system, "skipped") in med:
            problems.append("{}: skipped (see the log above)".format(system))
            continue
        for m in filter(None, metrics.split(",")):
            name, _, want = m.partition("=")
            v = med.get((system, name))
            if v is None:
                problems.append("{}: no {}".format(system, name))
            elif want and v != float(want):
                problems.append("{}: {} is {:g}, expected {}".format(system, name, v, want))
            elif not want and not v > 0:
                problems.append("{}: {} is {:g}".format(system, name, v))
    for p in problems:
        print("SMOKE FAILURE: " + p, file=sys.stderr)
    return not problems


def main(argv):
    if len(argv) >= 4 and argv[1] == "iperf":
        iperf(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "ping":
        ping(argv[2], int(argv[3]) if len(argv) > 3 else None)
    elif len(argv) == 3 and argv[1] == "gwstats":
        gwstats(argv[2])
    elif len(argv) == 8 and argv[1] == "alloc":
        alloc(*argv[2:8])
    elif len(argv) == 5 and argv[1] == "blast":
        blast(*argv[2:5])
    elif len(argv) >= 3 and argv[1] == "check":
        sys.exit(0 if check(argv[2], argv[3:]) else 1)
    elif len(argv) == 4 and argv[1] == "report":
        report(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
