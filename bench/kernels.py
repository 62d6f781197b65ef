"""Kernel speed, side by side: tsfine, tslab, Deno and ipykernel through the same jupyter_client.

Measures launch → first kernel_info_reply, execute round trips (p50/p90) for `1+1`, a 50-line
cell and a cell using tf types, complete and inspect p50, and the kernel process's RSS, then
prints one table. Run by bench/kernels.sh, which installs the peers' kernelspecs.
"""
import os
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))

FIFTY_LINES = "\n".join(f"let v{i} = {i} * 2;" for i in range(49)) + "\nv48 + 1"
CELLS = {
    "1+1": "1+1",
    "50-line cell": FIFTY_LINES,
}
TF_CELL = "const t: tf.Tensor = tf.tensor([1, 2, 3]);\nt.shape.length"


def rss_mb(km):
    try:
        pid = km.provisioner.process.pid
        total = 0
        pids = [pid] + [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
        for p in pids:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024
    except Exception:
        return float("nan")


def wait_reply(kc, msg_id, timeout=60):
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def run_cell(kc, code):
    msg_id = kc.execute(code)
    reply = wait_reply(kc, msg_id)
    # Round trip ends when the kernel is idle again (all outputs delivered).
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return reply["content"]["status"]


def timed(fn, rounds):
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.9)]


def bench(kernel_name, tf_ok):
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    startup = (time.perf_counter() - t0) * 1000
    row = {"kernel": kernel_name, "start-up ms": startup}
    try:
        for label, code in CELLS.items():
            code = code if kernel_name != "python3" else code.replace("let ", "")
            for _ in range(3):
                run_cell(kc, code)
            p50, p90 = timed(lambda: run_cell(kc, code), ROUNDS)
            row[f"{label} p50"] = p50
            row[f"{label} p90"] = p90
        if tf_ok:
            status = run_cell(kc, TF_CELL)
            if status == "ok":
                p50, _ = timed(lambda: run_cell(kc, TF_CELL), max(10, ROUNDS // 4))
                row["tf cell p50"] = p50
        sample = "Math.fl" if kernel_name != "python3" else "import math; math.fl"
        row["complete p50"], _ = timed(lambda: wait_reply(kc, kc.complete(sample)), ROUNDS)
        sample = "Math.max" if kernel_name != "python3" else "max"
        row["inspect p50"], _ = timed(lambda: wait_reply(kc, kc.inspect(sample)), ROUNDS)
        row["RSS MB"] = rss_mb(km)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return row


def main(names):
    rows = []
    for name in names:
        try:
            rows.append(bench(name, tf_ok=name in ("tsfine", "tslab")))
        except Exception as exc:  # a peer that fails to start still gets a row
            rows.append({"kernel": name, "error": str(exc)[:60]})
    cols = ["kernel", "start-up ms", "1+1 p50", "1+1 p90", "50-line cell p50", "50-line cell p90",
            "tf cell p50", "complete p50", "inspect p50", "RSS MB"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        if "error" in row:
            print(f"| {row['kernel']} | failed: {row['error']} |")
            continue
        cells = [row["kernel"]] + [f"{row[c]:.1f}" if c in row else "–" for c in cols[1:]]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["tsfine", "tslab", "deno", "python3"])
