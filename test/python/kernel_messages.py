"""What the Python-driven suites ask of a kernel through jupyter_client: a cell's iopub messages
up to its idle status, its shell reply, and both for a cell they run."""
import time
import unittest

from jupyter_client.manager import start_new_kernel

TIMEOUT = int(__import__("os").environ.get("KERNEL_TEST_TIMEOUT", "60"))


def collect(kc, msg_id, timeout=TIMEOUT):
    """The iopub messages parented to msg_id, up to and including its idle status."""
    messages = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def shell_reply(kc, msg_id, timeout=TIMEOUT):
    """The shell reply to msg_id (replies to earlier requests are passed over)."""
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply


def run(kc, code, timeout=TIMEOUT):
    """Executes code; returns (reply content, its iopub messages up to idle)."""
    msg_id = kc.execute(code)
    messages = collect(kc, msg_id, timeout)
    return shell_reply(kc, msg_id, timeout)["content"], messages


class KernelTestCase(unittest.TestCase):
    """Tests that share one real tsfine kernel (cls.km, its manager; cls.kc, its client), started
    once for the class through jupyter_client and shut down after its last test."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="tsfine", startup_timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)
