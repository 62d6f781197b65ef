"""Joining a multi-process run: the same script started once per host trains one data-parallel model.

Keras's own variables say where the run is (keras.distribution.initialize reads them):
KERAS_DISTRIBUTION_JOB_ADDRESSES (the coordinator's host:port, process 0's host; or every
process's address, comma-separated, the first being the coordinator), KERAS_DISTRIBUTION_NUM_PROCESSES
and KERAS_DISTRIBUTION_PROCESS_ID. TSFINE_KERAS_COORDINATOR_TIMEOUT (seconds, default 300 as
JAX's) bounds the wait for the coordinator and the other processes.
"""

import os
import socket
import time


class ClusterError(Exception):
    """One sentence: why this process could not join the run."""


def requested():
    """The run this process is asked to join, or None when it trains alone."""
    addresses = os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES")
    count = os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES")
    index = os.environ.get("KERAS_DISTRIBUTION_PROCESS_ID")
    if not addresses and not count and not index:
        return None
    if not (addresses and count and index):
        raise ClusterError(
            "A multi-process run needs all three of KERAS_DISTRIBUTION_JOB_ADDRESSES (the coordinator's host:port), "
            "KERAS_DISTRIBUTION_NUM_PROCESSES and KERAS_DISTRIBUTION_PROCESS_ID; set the missing ones or unset all three."
        )
    try:
        count, index = int(count), int(index)
    except ValueError:
        raise ClusterError("KERAS_DISTRIBUTION_NUM_PROCESSES and KERAS_DISTRIBUTION_PROCESS_ID must be whole numbers.") from None
    if not 0 <= index < count:
        raise ClusterError(f"KERAS_DISTRIBUTION_PROCESS_ID ({index}) must be from 0 to KERAS_DISTRIBUTION_NUM_PROCESSES - 1 ({count - 1}).")
    coordinator = addresses.split(",")[0].strip()
    host, _, port = coordinator.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f'KERAS_DISTRIBUTION_JOB_ADDRESSES must start with the coordinator as host:port; received "{addresses}".')
    timeout = float(os.environ.get("TSFINE_KERAS_COORDINATOR_TIMEOUT", "300"))
    return {"coordinator": coordinator, "host": host.strip("[]"), "port": int(port), "count": count, "index": index, "timeout": timeout}


def wait_for_coordinator(run):
    """Process 0 serves the coordinator; the others wait until its port answers. JAX aborts the whole
    process when the coordinator stays silent, so this wait is what turns that into a sentence."""
    deadline = time.monotonic() + run["timeout"]
    while True:
        try:
            with socket.create_connection((run["host"], run["port"]), timeout=1):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise ClusterError(
                    f"Process {run['index']} of {run['count']} could not reach the coordinator at {run['coordinator']} "
                    f"(KERAS_DISTRIBUTION_JOB_ADDRESSES) within {run['timeout']:g} s: start process 0 there, check the address and that the port is open, "
                    "then start this process again (TSFINE_KERAS_COORDINATOR_TIMEOUT sets the wait)."
                ) from None
            time.sleep(0.2)


def join():
    """Joins the run the environment names, before anything initialises JAX; returns (index, count)."""
    run = requested()
    if run is None:
        return 0, 1
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "jax":
        raise ClusterError(
            "A multi-process run (KERAS_DISTRIBUTION_JOB_ADDRESSES) trains with keras.distribution on JAX: "
            "run `npx tsfine backend install keras --with jax` and set TSFINE_KERAS_FRAMEWORK=jax."
        )
    if run["index"] != 0:
        wait_for_coordinator(run)
    import jax

    # keras.distribution.initialize does the same, without a way to bound the wait.
    jax.distributed.initialize(
        coordinator_address=run["coordinator"], num_processes=run["count"], process_id=run["index"], initialization_timeout=max(1, int(run["timeout"]))
    )
    import keras

    # Every process must make the same initial values (weights before tfjs's arrive, dropout's
    # seed): a device_put of values that differ between processes is an error in JAX.
    keras.utils.set_random_seed(0)
    return jax.process_index(), jax.process_count()
