"""What the Python-driven suites ask of a kernel through jupyter_client: a cell's iopub messages
up to its idle status, its shell reply, and both for a cell they run."""
import time

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
