"""What torch_step.py and keras_step.py share: their command line and the timed loop.

Both print one JSON line that bench/train-speed.js reads: the median wall and CPU seconds of a
training step after two warm-up steps, plus what each engine adds (version, params, …).
"""
import argparse
import json
import time

WARMUP_STEPS = 2


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--device", default="cpu", help="cpu, or cuda where the engine supports it (torch_step.py)")
    return parser.parse_args()


def report_step_times(args, one_step, **fields):
    """Runs one_step() warm-up + args.steps times and prints the JSON line with the medians.

    one_step must return only when its work is done (a GPU step waits for the device)."""
    times = []
    cpu_times = []
    for step in range(args.steps + WARMUP_STEPS):
        start = time.perf_counter()
        cpu_start = time.process_time()
        one_step()
        if step >= WARMUP_STEPS:
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    times.sort()
    cpu_times.sort()
    print(json.dumps({
        **fields,
        "secondsPerStep": times[len(times) // 2],
        # all threads together; train-speed.js divides by threads for the idle-machine estimate
        "cpuSecondsPerStep": cpu_times[len(cpu_times) // 2],
        "threads": args.threads,
        "batchSize": args.batch,
        "steps": args.steps,
    }))
