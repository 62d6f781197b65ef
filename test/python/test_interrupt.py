"""Interrupt through jupyter_client's KernelManager.interrupt_kernel(), as JupyterLab's stop button does."""
import time
import unittest

from kernel_messages import TIMEOUT, KernelTestCase, run


class InterruptTests(KernelTestCase):
    def interrupt_running(self, code):
        msg_id = self.kc.execute(code)
        # Wait until the cell is really running before pressing "stop".
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
                break
        time.sleep(0.5)
        started = time.time()
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        return reply["content"], time.time() - started

    def test_interrupt_sync_loop_keeps_state(self):
        content, _ = run(self.kc, "const kept = 41;")
        self.assertEqual(content["status"], "ok")
        content, elapsed = self.interrupt_running("while (true) {}")
        check, outputs = run(self.kc, "kept + 1")
        self.assertEqual(content["status"], "error")
        self.assertIn("nterrupt", content["ename"] + content["evalue"])
        self.assertLess(elapsed, 1.5)
        self.assertEqual(check["status"], "ok")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "42")

    def test_interrupt_pending_await(self):
        content, elapsed = self.interrupt_running("await new Promise(() => {})")
        self.assertEqual(content["status"], "error")
        self.assertLess(elapsed, 1.5)
        content, _ = run(self.kc, "1 + 1")
        self.assertEqual(content["status"], "ok")


if __name__ == "__main__":
    unittest.main()
