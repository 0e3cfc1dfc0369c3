#!/usr/bin/env python3
"""An idle round trip through the gw-side endpoint, call by call, from bench/profile.sh's
`perf record -a` of the scheduler's wake-ups and switches and of every system call's entry and exit.

  trip.py PERF.DATA TID...         -> the packet thread's round trips: medians of each step
  trip.py PERF.DATA TID... -       -> "metric value" lines trip_{wake,to_write,write,to_send}_us

A round trip here is one stretch of the thread on its CPU, from the wake-up the client's datagram
caused to the switch away, in which it wrote to the TUN device and sent to the client (at 10 ms
between pings, the reply is in the TUN's queue when the write returns, in both systems). Of the
given threads, the one with the most of them is the packet thread. The steps: the wake-up's wait
for the CPU (wake), from running to the TUN write's entry (to_write: the wait's return, the
receive, the endpoint's own code), the write (forwarding, NAT, filter, the reply routed back) and
from its return to the send's entry (to_send: reading the reply). The tracepoints' own cost is in
every figure, alike for both systems: compare them within one run.
"""
import collections
import re
import statistics
import subprocess
import sys

NAMES = {0: "read", 1: "write", 7: "poll", 20: "writev", 44: "sendto", 46: "sendmsg", 47: "recvmsg",
         232: "epoll_wait", 281: "epoll_pwait", 299: "recvmmsg", 307: "sendmmsg"}
WRITES = {1, 20}
SENDS = {44, 46, 307}
LINE = re.compile(r"^\s*(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)$")


def stretches(path, tids):
    """Each stretch of a thread in tids on its CPU: {tid, wake, run, end, calls [(us, enter?, nr)]}."""
    out = subprocess.run(["perf", "script", "-i", path, "-F", "tid,time,event,trace"],
                         capture_output=True, text=True).stdout
    woken, running, done = {}, {}, []
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        tid, us, event, trace = int(m.group(1)), float(m.group(2)) * 1e6, m.group(3), m.group(4)
        if event == "sched:sched_wakeup":
            woken[int(re.search(r"pid=(\d+)", trace).group(1))] = us
        elif event == "sched:sched_switch":
            prev = int(re.search(r"prev_pid=(\d+)", trace).group(1))
            nxt = int(re.search(r"next_pid=(\d+)", trace).group(1))
            if prev in running:
                s = running.pop(prev)
                s["end"] = us
                done.append(s)
            if nxt in tids:
                running[nxt] = {"tid": nxt, "wake": woken.pop(nxt, None), "run": us, "calls": []}
        elif event.startswith("raw_syscalls:") and tid in running:
            nr = int(re.search(r"NR (-?\d+)", trace).group(1))
            running[tid]["calls"].append((us, event.endswith("enter"), nr))
    return done


def first(calls, nrs, enter, after=0.0):
    return next((us for us, e, nr in calls if e == enter and nr in nrs and us >= after), None)


def steps(s):
    """The round trip's steps in us, or None if the stretch is not one."""
    write_in = first(s["calls"], WRITES, True)
    write_out = write_in and first(s["calls"], WRITES, False, write_in)
    send_in = write_out and first(s["calls"], SENDS, True, write_out)
    if s["wake"] is None or not send_in:
        return None
    return {"wake": s["run"] - s["wake"], "to_write": write_in - s["run"], "write": write_out - write_in,
            "to_send": send_in - write_out}


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    metrics = argv[-1] == "-"
    tids = {int(t) for t in argv[2:len(argv) - metrics]}
    trips = collections.defaultdict(list)
    sequences = collections.defaultdict(collections.Counter)
    for s in stretches(argv[1], tids):
        st = steps(s)
        if st:
            trips[s["tid"]].append(st)
            sequences[s["tid"]][" ".join(NAMES.get(nr, str(nr)) for _, e, nr in s["calls"] if e)] += 1
    if not trips:
        print("    (no round trip recorded)" if not metrics else "")
        return
    tid = max(trips, key=lambda t: len(trips[t]))
    med = {k: statistics.median(st[k] for st in trips[tid]) for k in ("wake", "to_write", "write", "to_send")}
    if metrics:
        for k, v in med.items():
            print("trip_{}_us {:.1f}".format(k, v))
        return
    print("An idle round trip call by call (bench/trip.py; {} round trips of thread {}, medians in us):".format(
        len(trips[tid]), tid))
    print("  wake-up to running {wake:.1f}, running to the TUN write {to_write:.1f}, the write {write:.1f}, "
          "its return to the send {to_send:.1f}".format(**med))
    for seq, n in sequences[tid].most_common(2):
        print("  {:5d} x {}".format(n, seq))
    print()


if __name__ == "__main__":
    main(sys.argv)
