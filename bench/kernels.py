"""Kernel speed, side by side: tsfine, tslab, Deno and ipykernel through the same jupyter_client.

Measures start-up (launch → first kernel_info_reply, as the issue defines it), launch → the first `1+1`'s
execute_reply when the request goes out right after that first reply (a notebook opened and run at once),
launch → ready (what
`wait_for_ready` takes: a kernel_info_reply with iopub flowing, then iopub quiet for 0.2 s), the first
`1+1` after that, execute round trips (p50/p90) for `1+1`, a 50-line cell and a cell using tf types,
complete p50 on one text asked again and again and on a text that changes every time (as when typing:
the type checker has to take in the new text), inspect p50, and the kernel process's RSS right after the
requests and after BENCH_IDLE_S seconds idle, then prints one table. `answer-at-once` is tsfine's kernel layer with an interpreter that answers every request at
once (bench/answer-at-once-kernel.js): the floor that the client, ZeroMQ and the protocol leave.
A kernel that stops answering (tslab does, after a few hundred requests, alive and idle) is launched
again and its row goes on with the next request, with a note saying where it hung.
Run by bench/kernels.sh, which installs the peers' kernelspecs (and a `tsfine-baseline` from another
checkout when TSFINE_BASELINE names one).
"""
import os
import sys
import time
from queue import Empty

from jupyter_client.manager import KernelManager

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))
# Launch figures (start-up, first reply, first 1+1) are the median of this many launches.
STARTS = int(os.environ.get("BENCH_STARTS", "3"))
# A request not answered within this many seconds counts as a hang (the slowest here take ~0.1 s).
REQUEST_TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "20"))
# RSS is read right after the last request and again after the kernels sat idle this many seconds.
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_S", "10"))
# A kernel that hangs is launched again this many times at most, and its row goes on from there.
RELAUNCHES = 5

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


def wait_reply(kc, msg_id, timeout=REQUEST_TIMEOUT):
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def run_cell(kc, code):
    msg_id = kc.execute(code)
    reply = wait_reply(kc, msg_id)
    # Round trip ends when the kernel is idle again (all outputs delivered).
    while True:
        msg = kc.get_iopub_msg(timeout=REQUEST_TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return reply["content"]["status"]


def launch(kernel_name):
    """A kernel launched with its client's channels open, and the perf_counter reading at launch."""
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    return km, kc, t0


def await_kernel_info(km, kc, deadline, failure):
    """Sends kernel_info until one is answered (a kernel still starting drops what comes before its sockets
    are bound), raising RuntimeError(failure) once the kernel exits or the deadline passes."""
    while True:
        kc.kernel_info()
        try:
            msg = kc.get_shell_msg(timeout=1)
        except Empty:
            msg = None
        if msg is not None and msg["msg_type"] == "kernel_info_reply":
            return
        if not km.is_alive() or time.time() > deadline:
            raise RuntimeError(failure)


def start(kernel_name):
    """A started kernel and its client, with launch → first kernel_info_reply (start-up) and launch → ready in ms.

    Does what KernelClient.wait_for_ready does (kernel_info until a reply, one iopub message within
    0.2 s, then iopub quiet for 0.2 s), timing the reply on the way."""
    km, kc, t0 = launch(kernel_name)
    deadline = time.time() + 120
    first_reply = None
    while True:
        await_kernel_info(km, kc, deadline, "kernel did not become ready")
        first_reply = first_reply or (time.perf_counter() - t0) * 1000
        try:
            kc.get_iopub_msg(timeout=0.2)
            break
        except Empty:
            pass
        if not km.is_alive() or time.time() > deadline:
            raise RuntimeError("kernel did not become ready")
    while True:
        try:
            kc.get_iopub_msg(timeout=0.2)
        except Empty:
            break
    return km, kc, first_reply, (time.perf_counter() - t0) * 1000


def launch_then_cell(kernel_name):
    """Launch → the first `1+1`'s execute_reply, as a notebook opened and run at once sees it: the execute
    request goes out as soon as the first kernel_info_reply is in (what a front end waits for)."""
    km, kc, t0 = launch(kernel_name)
    try:
        await_kernel_info(km, kc, time.time() + 120, "kernel did not answer kernel_info")
        reply = wait_reply(kc, kc.execute("1+1"), timeout=120)
        elapsed = (time.perf_counter() - t0) * 1000
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"1+1 failed: {reply['content']}")
        return elapsed
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


class Peer:
    """One kernel under test: its launches, then one running instance for the round trips."""

    def __init__(self, name):
        self.name = name
        self.python = name == "python3"
        self.tf_ok = name.startswith("tsfine") or name == "tslab"
        self.launches = []
        # launch → first 1+1 reply, one per launch (launch_then_cell)
        self.cold_cells = []
        self.km = self.kc = None
        self.samples = {}
        self.row = {"kernel": name}
        # Where the kernel stopped answering and was launched again.
        self.hangs = []

    def launch(self, keep, timed=True):
        km, kc, first_reply, ready = start(self.name)
        t0 = time.perf_counter()
        run_cell(kc, "1+1")
        if timed:
            self.launches.append((ready, first_reply, (time.perf_counter() - t0) * 1000))
        if keep:
            self.km, self.kc = km, kc
        else:
            kc.stop_channels()
            km.shutdown_kernel(now=True)

    def tests(self):
        """label → request; each request returns once the round trip is over."""
        kc = self.kc
        tests = {}
        for label, code in CELLS.items():
            code = code if not self.python else code.replace("let ", "")
            tests[label] = lambda code=code: run_cell(kc, code)
        if self.tf_ok and run_cell(kc, TF_CELL) == "ok":
            tests["tf cell"] = lambda: run_cell(kc, TF_CELL)
        complete = "Math.fl" if not self.python else "import math; math.fl"
        tests["complete"] = lambda: wait_reply(kc, kc.complete(complete))
        edits = iter(range(10**9))

        def complete_edited():
            n = next(edits)
            code = f"const e{n} = {n};\n{complete}" if not self.python else f"e{n} = {n}\n{complete}"
            return wait_reply(kc, kc.complete(code))

        tests["complete edited"] = complete_edited
        inspect = "Math.max" if not self.python else "max"
        tests["inspect"] = lambda: wait_reply(kc, kc.inspect(inspect))
        return tests

    def relaunch(self):
        """A fresh instance after a hang (its requests warmed up as the first one's were)."""
        self.close()
        self.launch(keep=True, timed=False)
        tests = self.tests()
        for request in tests.values():
            for _ in range(3):
                request()
        return tests

    def close(self):
        if self.kc is not None:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)


def main(names):
    """Launches and round trips are interleaved across the kernels (each batch in turn, the order
    reversed every other batch), so a change in the machine's load mid-run biases no row."""
    peers = [Peer(name) for name in names]
    failed = {}
    for attempt in range(STARTS):
        for peer in peers if attempt % 2 == 0 else peers[::-1]:
            if peer.name in failed:
                continue
            try:
                peer.cold_cells.append(launch_then_cell(peer.name))
                peer.launch(keep=attempt == STARTS - 1)
            except Exception as exc:  # a peer that fails to start still gets a row
                failed[peer.name] = f"{type(exc).__name__}: {exc}"[:80]
    running = [peer for peer in peers if peer.name not in failed]
    tests = {}
    for peer in running:
        for i, label in enumerate(["ready ms", "start-up ms", "first 1+1 ms"]):
            peer.row[label] = median([launch[i] for launch in peer.launches])
        peer.row["launch → 1+1 ms"] = median(peer.cold_cells)
        tests[peer.name] = peer.tests()
        for request in tests[peer.name].values():
            for _ in range(3):
                request()
    batches = 10
    per_batch = max(1, ROUNDS // batches)
    for label in ["1+1", "50-line cell", "tf cell", "complete", "complete edited", "inspect"]:
        for batch in range(batches):
            for peer in running if batch % 2 == 0 else running[::-1]:
                if label not in tests[peer.name] or peer.name in failed:
                    continue
                request = tests[peer.name][label]
                samples = peer.samples.setdefault(label, [])
                try:
                    for _ in range(per_batch):
                        t0 = time.perf_counter()
                        request()
                        samples.append((time.perf_counter() - t0) * 1000)
                except Exception as exc:  # a kernel that stops answering is launched again; its row says where
                    where = f"{label} after {len(samples)} requests: {type(exc).__name__} {exc}"[:120]
                    print(f"{peer.name}: {where}", file=sys.stderr)
                    peer.hangs.append(f"{label} (request {len(samples) + 1}{', alive' if peer.km.is_alive() else ', exited'})")
                    try:
                        if len(peer.hangs) > RELAUNCHES:
                            raise RuntimeError("too many hangs")
                        tests[peer.name] = peer.relaunch()
                    except Exception as relaunch_exc:
                        failed[peer.name] = f"{where}; then {type(relaunch_exc).__name__} {relaunch_exc}"[:160]
    for peer in running:
        if peer.name in failed:
            peer.close()
    running = [peer for peer in running if peer.name not in failed]
    for peer in running:
        for label, samples in peer.samples.items():
            samples.sort()
            peer.row[f"{label} p50"] = samples[len(samples) // 2]
            peer.row[f"{label} p90"] = samples[int(len(samples) * 0.9)]
        peer.row["RSS MB"] = rss_mb(peer.km)
    # All kernels sit idle together, as a notebook's kernel mostly does while its user reads.
    time.sleep(IDLE_SECONDS)
    for peer in running:
        peer.row["RSS idle MB"] = rss_mb(peer.km)
        peer.close()
    cols = ["kernel", "start-up ms", "launch → 1+1 ms", "ready ms", "first 1+1 ms", "1+1 p50", "1+1 p90", "50-line cell p50",
            "50-line cell p90", "tf cell p50", "complete p50", "complete edited p50", "inspect p50", "RSS MB", "RSS idle MB"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for peer in peers:
        if peer.name in failed:
            print(f"| {peer.name} | failed: {failed[peer.name]} |")
            continue
        cells = [peer.name + ("*" if peer.hangs else "")] + [f"{peer.row[c]:.1f}" if c in peer.row else "–" for c in cols[1:]]
        print("| " + " | ".join(cells) + " |")
    for peer in peers:
        if peer.hangs and peer.name not in failed:
            print(f"* {peer.name} stopped answering {len(peer.hangs)}× (no reply within {REQUEST_TIMEOUT:.0f} s) and was launched again, "
                  f"each time going on with the next request: {'; '.join(peer.hangs)}. Its figures are the requests it answered.")


if __name__ == "__main__":
    default = (
        ["tsfine", "tsfine-no-cell-cache"]
        + (["tsfine-baseline"] if os.environ.get("TSFINE_BASELINE") else [])
        + (["tsfine-no-extra-ca"] if os.environ.get("NODE_EXTRA_CA_CERTS") else [])
        + ["answer-at-once", "tslab", "deno", "python3"]
    )
    main(sys.argv[1:] or default)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
