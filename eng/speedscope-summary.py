#!/usr/bin/env python3
"""Summarizes a dotnet-trace sampled-thread-time profile (speedscope JSON) of the benchmark's --profile loop.

Each sample that ends in CPU_TIME is on-CPU time of a managed thread; it is charged to the component of its innermost frame
that is not the runtime's own (System.*, Microsoft.Win32, pseudo-frames), so an allocation or an await inside Npgsql counts
for Npgsql. Samples with only runtime frames (socket event loop, thread pool) count as "runtime". With --client-cpu,
--server-cpu and --seconds (read from /proc by eng/profile-single) and the loop's log (calls per second), the per-call
figures come out in microseconds.
"""
import argparse, json, re, collections

COMPONENTS = [
    ("TargetTracking.Benchmarks", "benchmark loop"),
    ("TargetTracking.PostgreSql", "TargetTracking.PostgreSql (statement, parameters)"),
    ("TargetTracking.Linq2Db", "TargetTracking.Linq2Db (store)"),
    ("TargetTracking", "TargetTracking (core: decision, audit, retry wrapper)"),
    ("linq2db", "linq2db (DataConnection)"),
    ("Npgsql", "Npgsql (protocol, parameters)"),
    ("Polly", "Polly (retry pipeline)"),
    ("Microsoft.Extensions", "Microsoft.Extensions (DI, logging, options)"),
    ("Anonymously Hosted DynamicMethods Assembly", "linq2db (DataConnection)"),
]
RUNTIME = re.compile(r"^(System\.|Microsoft\.Win32|\?!\?|UNMANAGED_CODE_TIME|CPU_TIME|Thread \(|Threads|\(Non-Activities\)|Process64)")

def component(frame):
    module = frame.split("!", 1)[0]
    for prefix, name in COMPONENTS:
        if module == prefix or module.startswith(prefix + "."):
            return name
    return None

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("speedscope")
    ap.add_argument("--client-cpu", type=float)
    ap.add_argument("--server-cpu", type=float)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--log")
    a = ap.parse_args()
    d = json.load(open(a.speedscope))
    names = [f["name"] for f in d["shared"]["frames"]]
    cpu = collections.Counter()
    for profile in d["profiles"]:
        stack, opened = [], {}
        for e in profile["events"]:
            if e["type"] == "O":
                stack.append(e["frame"])
                opened[len(stack)] = e["at"]
            else:
                if names[e["frame"]] == "CPU_TIME":
                    duration = e["at"] - opened[len(stack)]
                    owner = "runtime (sockets, thread pool, GC)"
                    if any("LowLevelLifoSemaphore.Wait" in names[f] for f in stack):
                        # A pool thread spinning before it sleeps: idle, not work of the call (the same for every competitor).
                        owner = "thread pool spinning while idle"
                    else:
                        for f in reversed(stack[:-1]):
                            if not RUNTIME.match(names[f]):
                                owner = component(names[f]) or names[f].split("!", 1)[0]
                                break
                    cpu[owner] += duration
                stack.pop()
    total = sum(cpu.values())
    per_call = None
    if a.log:
        m = re.search(r"([0-9]+) µs per call", open(a.log, encoding="utf-8").read())
        if m and a.seconds:
            calls = a.seconds * 1e6 / float(m.group(1))
            per_call = lambda seconds: seconds * 1e6 / calls  # seconds in the window → µs per call
            print(f"wall clock per call: {m.group(1)} µs")
            if a.client_cpu is not None:
                print(f"CPU per call, this process (/proc): {per_call(a.client_cpu):.0f} µs")
            if a.server_cpu is not None:
                print(f"CPU per call, PostgreSQL (/proc, every server process): {per_call(a.server_cpu):.0f} µs")
    print(f"sampled on-CPU time of managed threads by component ({total:.0f} ms sampled):")
    for owner, t in cpu.most_common():
        share = t / total
        extra = f", {per_call(t / 1000):.0f} µs per call" if per_call else ""
        print(f"  {share:6.1%}  {owner}{extra}")

main()
