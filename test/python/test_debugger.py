"""The Jupyter debugger protocol through jupyter_client: debug_request on control, debug_event on iopub.

Run by test/debugger.test.ts with JUPYTER_PATH pointing at a temporary kernelspec. The tests share one
kernel and run in name order (each builds on the notebook state of the ones before).
"""
import os
import shutil
import tempfile
import time
import unittest

import zmq
from ipykernel.compiler import murmur2_x86
from jupyter_client.manager import start_new_kernel
from kernel_messages import run, shell_reply

TIMEOUT = 90
SCALE_TS = "// scales a number\nexport function scale(n: number, by: number): number {\n  const scaled: number = n * by;\n  return scaled;\n}\n"
SHIFT_TS = "const OFFSET: number = 100;\nexport function shift(n: number): number {\n  const moved = n + OFFSET;\n  return moved;\n}\n"


class Iopub:
    """Every iopub message read so far, so a wait for one kind never loses another."""

    def __init__(self, kc):
        self.kc = kc
        self.seen = []

    def wait(self, predicate, timeout=TIMEOUT):
        for msg in self.seen:
            if predicate(msg):
                self.seen.remove(msg)
                return msg
        deadline = time.time() + timeout
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if predicate(msg):
                return msg
            self.seen.append(msg)

    def event(self, name, timeout=TIMEOUT):
        return self.wait(lambda m: m["msg_type"] == "debug_event" and m["content"].get("event") == name, timeout)["content"]

    def result_of(self, msg_id, timeout=TIMEOUT):
        """The text/plain execute_result of a request, once its idle status came (None when it had none)."""
        results = []

        def done(msg):
            if msg["parent_header"].get("msg_id") != msg_id:
                return False
            if msg["msg_type"] == "execute_result":
                results.append(msg["content"]["data"]["text/plain"])
            return msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"

        self.wait(done, timeout)
        return results[0] if results else None


class DebuggerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The notebook's folder holds a package that throws and catches inside itself: node_modules is not the user's code.
        cls.folder = tempfile.mkdtemp(prefix="tsfine-debugger-")
        package = os.path.join(cls.folder, "node_modules", "quiet-thrower")
        os.makedirs(package)
        with open(os.path.join(package, "index.js"), "w", encoding="utf-8") as f:
            f.write("module.exports = () => { try { throw new Error('inside the package'); } catch { return 'caught inside'; } };\n")
        # and a .ts file of the user's, imported by a cell
        with open(os.path.join(cls.folder, "helper.ts"), "w", encoding="utf-8") as f:
            f.write("export function triple(n: number): number {\n  const result: number = n * 3;\n  return result;\n}\n")
        # two more, opened in JupyterLab's file editor (which names them by the hash of their text)
        with open(os.path.join(cls.folder, "scale.ts"), "w", encoding="utf-8") as f:
            f.write(SCALE_TS)
        with open(os.path.join(cls.folder, "shift.ts"), "w", encoding="utf-8") as f:
            f.write(SHIFT_TS)
        cls.km, cls.kc = start_new_kernel(kernel_name="tsfine", startup_timeout=90, cwd=cls.folder)
        cls.iopub = Iopub(cls.kc)
        cls.seq = 0

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)
        shutil.rmtree(cls.folder, ignore_errors=True)

    # ---- helpers ---------------------------------------------------------------------------

    def control(self, msg_type, content):
        msg = self.kc.session.msg(msg_type, content)
        self.kc.control_channel.send(msg)
        deadline = time.time() + TIMEOUT
        while True:
            reply = self.kc.get_control_msg(timeout=max(0.1, deadline - time.time()))
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                return reply

    def dap(self, command, arguments=None):
        DebuggerTests.seq += 1
        reply = self.control("debug_request", {"type": "request", "seq": self.seq, "command": command, "arguments": arguments or {}})
        self.assertEqual(reply["msg_type"], "debug_reply")
        return reply["content"]

    def ok(self, command, arguments=None):
        content = self.dap(command, arguments)
        self.assertTrue(content.get("success"), f"{command} failed: {content}")
        return content.get("body", {})

    def execute(self, code):
        return self.kc.execute(code)

    def run_cell(self, code):
        """The text/plain result of a cell that runs through without stopping (None when it has none)."""
        reply, messages = run(self.kc, code, TIMEOUT)
        self.assertEqual(reply["status"], "ok", reply)
        results = [m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"]
        return results[0] if results else None

    def dump(self, code):
        return self.ok("dumpCell", {"code": code})["sourcePath"]

    def top_frame(self):
        frames = self.ok("stackTrace", {"threadId": 1})["stackFrames"]
        return frames[0], frames

    def notebook_scope_variables(self, frame_id):
        scopes = self.ok("scopes", {"frameId": frame_id})["scopes"]
        notebook = [s for s in scopes if s["name"] == "Notebook"][0]
        return {v["name"]: v for v in self.ok("variables", {"variablesReference": notebook["variablesReference"]})["variables"]}

    # ---- tests -----------------------------------------------------------------------------

    def test_01_announced_and_answers_before_initialize(self):
        self.kc.kernel_info()
        info = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertTrue(info["debugger"])
        self.assertIn("debugger", info["supported_features"])
        on_control = self.control("kernel_info_request", {})["content"]
        self.assertIn("debugger", on_control["supported_features"])
        body = self.ok("debugInfo")
        self.assertFalse(body["isStarted"])
        self.assertEqual(body["hashMethod"], "Murmur2")
        # ipykernel answers requests of a debugger that was not started with an empty reply
        self.assertEqual(self.dap("stackTrace", {"threadId": 1}), {})

    def test_02_initialize_attach_and_dump_named_as_the_front_end_hashes(self):
        body = self.ok("initialize", {"clientID": "test", "adapterID": "tsfine", "linesStartAt1": True, "columnsStartAt1": True})
        self.assertEqual({f["filter"] for f in body["exceptionBreakpointFilters"]}, {"raised", "uncaught"})
        self.ok("attach")
        info = self.ok("debugInfo")
        self.assertTrue(info["isStarted"])
        self.assertEqual(info["tmpFileSuffix"], ".ts")
        code = "const a = 40;\nconst b = a + 2;\nb * 10"
        path = self.dump(code)
        self.assertEqual(path, f"{info['tmpFilePrefix']}{murmur2_x86(code, info['hashSeed'])}{info['tmpFileSuffix']}")
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), code)
        self.assertEqual(self.ok("source", {"source": {"path": path}})["content"], code)

    def test_03_breakpoint_on_line_two_then_step_and_continue(self):
        code = "const a = 40;\nconst b = a + 2;\nb * 10"
        path = self.dump(code)
        breakpoints = self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 2}]})["breakpoints"]
        self.assertEqual([(b["verified"], b["line"]) for b in breakpoints], [(True, 2)])
        self.ok("configurationDone")
        self.assertEqual(self.ok("debugInfo")["breakpoints"][0]["source"], path)
        msg_id = self.execute(code)
        stopped = self.iopub.event("stopped")
        self.assertEqual(stopped["body"]["reason"], "breakpoint")
        self.assertEqual(self.ok("debugInfo")["stoppedThreads"], [1])
        frame, _ = self.top_frame()
        self.assertEqual((frame["source"]["path"], frame["line"]), (path, 2))
        self.assertEqual(self.ok("evaluate", {"expression": "a", "frameId": frame["id"], "context": "repl"})["result"], "40")
        self.assertEqual(self.notebook_scope_variables(frame["id"])["a"]["value"], "40")
        self.ok("next", {"threadId": 1})
        self.assertEqual(self.iopub.event("stopped")["body"]["reason"], "step")
        frame, _ = self.top_frame()
        self.assertEqual(frame["line"], 3)
        self.assertEqual(self.ok("evaluate", {"expression": "b", "frameId": frame["id"]})["result"], "42")
        # the console takes TypeScript
        self.assertEqual(self.ok("evaluate", {"expression": "(b as number) + 1", "frameId": frame["id"]})["result"], "43")
        self.ok("continue", {"threadId": 1})
        self.assertEqual(shell_reply(self.kc, msg_id, TIMEOUT)["content"]["status"], "ok")
        self.assertEqual(self.iopub.result_of(msg_id), "420")
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": []})

    def test_04_breakpoint_and_step_in_a_function_from_an_earlier_cell(self):
        definition = "function double(n: number): number {\n  const twice = n * 2;\n  return twice;\n}"
        self.run_cell(definition)
        # dumped only after it ran, as JupyterLab does when a breakpoint is set in a cell run earlier
        path = self.dump(definition)
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 2}]})
        msg_id = self.execute("const r = double(21);\nr + 1")
        self.iopub.event("stopped")
        frame, frames = self.top_frame()
        self.assertEqual((frame["source"]["path"], frame["line"], frame["name"]), (path, 2, "double"))
        self.assertEqual(len(frames), 2)
        scopes = self.ok("scopes", {"frameId": frame["id"]})["scopes"]
        local = {v["name"]: v["value"] for v in self.ok("variables", {"variablesReference": scopes[0]["variablesReference"]})["variables"]}
        self.assertEqual(local["n"], "21")
        self.ok("next", {"threadId": 1})
        self.iopub.event("stopped")
        frame, _ = self.top_frame()
        self.assertEqual(frame["line"], 3)
        self.assertEqual(self.ok("evaluate", {"expression": "twice", "frameId": frame["id"]})["result"], "42")
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "43")
        shell_reply(self.kc, msg_id, TIMEOUT)
        # stepping into it from a breakpoint in another cell
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": []})
        caller = "const s = double(5);\ns"
        caller_path = self.dump(caller)
        self.ok("setBreakpoints", {"source": {"path": caller_path}, "breakpoints": [{"line": 1}]})
        msg_id = self.execute(caller)
        self.iopub.event("stopped")
        self.assertEqual(self.top_frame()[0]["source"]["path"], caller_path)
        self.ok("stepIn", {"threadId": 1})
        self.iopub.event("stopped")
        frame, _ = self.top_frame()
        self.assertEqual((frame["source"]["path"], frame["line"]), (path, 2))
        self.ok("stepOut", {"threadId": 1})
        self.iopub.event("stopped")
        self.assertEqual(self.top_frame()[0]["source"]["path"], caller_path)
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "10")
        shell_reply(self.kc, msg_id, TIMEOUT)
        self.ok("setBreakpoints", {"source": {"path": caller_path}, "breakpoints": []})

    def test_04b_the_users_own_ts_file_at_its_typescript_lines(self):
        self.run_cell('import { triple } from "./helper";')
        helper = os.path.realpath(os.path.join(self.folder, "helper.ts"))
        breakpoints = self.ok("setBreakpoints", {"source": {"path": helper}, "breakpoints": [{"line": 2}]})["breakpoints"]
        self.assertEqual([(b["verified"], b["line"]) for b in breakpoints], [(True, 2)])
        msg_id = self.execute("triple(4)")
        self.iopub.event("stopped")
        frame, frames = self.top_frame()
        self.assertEqual((os.path.realpath(frame["source"]["path"]), frame["line"], frame["name"]), (helper, 2, "triple"))
        self.assertEqual(self.ok("evaluate", {"expression": "n", "frameId": frame["id"]})["result"], "4")
        self.ok("next", {"threadId": 1})
        self.iopub.event("stopped")
        self.assertEqual(self.top_frame()[0]["line"], 3)
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "12")
        shell_reply(self.kc, msg_id, TIMEOUT)
        self.ok("setBreakpoints", {"source": {"path": helper}, "breakpoints": []})

    def stopped_or_done(self, msg_id):
        """The next `stopped` event, or the idle status of msg_id (the cell ran to its end without stopping)."""

        def either(msg):
            if msg["msg_type"] == "debug_event":
                return msg["content"]["event"] == "stopped"
            return msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"

        msg = self.iopub.wait(either)
        if msg["msg_type"] == "debug_event":
            return msg["content"]
        # left for result_of, which reads the cell's result up to its idle status
        self.iopub.seen.append(msg)
        return None

    def test_04c_file_editor_breakpoints_named_by_the_hash_of_the_files_text(self):
        # JupyterLab's file editor sends a file's breakpoints as it sends a cell's: dumpCell with the file's text, then
        # setBreakpoints on the path that returns; the paused line is highlighted when a frame's path is that same path.
        self.run_cell('import { scale } from "./scale";')
        path = self.dump(SCALE_TS)
        info = self.ok("debugInfo")
        self.assertEqual(path, f"{info['tmpFilePrefix']}{murmur2_x86(SCALE_TS, info['hashSeed'])}{info['tmpFileSuffix']}")
        breakpoints = self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 3}]})["breakpoints"]
        self.assertEqual([(b["verified"], b["line"]) for b in breakpoints], [(True, 3)])
        msg_id = self.execute("scale(4, 5)")
        self.assertIsNotNone(self.stopped_or_done(msg_id), "the file editor's breakpoint in scale.ts did not stop the cell calling scale()")
        frame, frames = self.top_frame()
        self.assertEqual((frame["source"]["path"], frame["line"], frame["name"]), (path, 3, "scale"))
        self.assertEqual(self.ok("source", {"source": {"path": path}})["content"], SCALE_TS)
        self.assertEqual(self.ok("evaluate", {"expression": "by", "frameId": frame["id"]})["result"], "5")
        self.ok("next", {"threadId": 1})
        self.iopub.event("stopped")
        self.assertEqual(self.top_frame()[0]["line"], 4)
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "20")
        shell_reply(self.kc, msg_id, TIMEOUT)
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": []})
        self.assertEqual(self.run_cell("scale(2, 3)"), "6")

    def test_04d_file_editor_breakpoints_set_before_the_file_is_imported(self):
        # by its path, as VS Code names it, the file takes breakpoints before it is imported
        real = os.path.realpath(os.path.join(self.folder, "shift.ts"))
        breakpoints = self.ok("setBreakpoints", {"source": {"path": real}, "breakpoints": [{"line": 4}]})["breakpoints"]
        self.assertEqual([(b["verified"], b["line"]) for b in breakpoints], [(True, 4)])
        self.ok("setBreakpoints", {"source": {"path": real}, "breakpoints": []})
        path = self.dump(SHIFT_TS)
        breakpoints = self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 1}, {"line": 3}]})["breakpoints"]
        self.assertEqual([(b["verified"], b["line"]) for b in breakpoints], [(True, 1), (True, 3)])
        # the cell that imports it calls it at once: the breakpoints are on the file before V8 parses it, so even the
        # file's top level, which runs as it is imported, stops
        msg_id = self.execute('import { shift } from "./shift";\nshift(1)')
        self.assertIsNotNone(self.stopped_or_done(msg_id), "the breakpoint on shift.ts's first line did not stop its import")
        frame, _ = self.top_frame()
        self.assertEqual((frame["source"]["path"], frame["line"]), (path, 1))
        self.ok("continue", {"threadId": 1})
        self.assertIsNotNone(self.stopped_or_done(msg_id), "the breakpoint in shift() did not stop the cell calling it")
        frame, _ = self.top_frame()
        self.assertEqual((frame["source"]["path"], frame["line"], frame["name"]), (path, 3, "shift"))
        self.assertEqual(self.ok("evaluate", {"expression": "OFFSET", "frameId": frame["id"]})["result"], "100")
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "101")
        shell_reply(self.kc, msg_id, TIMEOUT)
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": []})

    def test_04e_conditions_and_the_console_are_typescript(self):
        self.run_cell("function identity<T>(value: T): T {\n  return value;\n}")
        code = "let total = 0;\nfor (let i = 0; i < 6; i++) {\n  total += i;\n}\ntotal"
        path = self.dump(code)
        # a type assertion in the condition
        breakpoints = self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 3, "condition": "(i as number) === 3"}]})["breakpoints"]
        self.assertEqual([(b["verified"], b["line"]) for b in breakpoints], [(True, 3)])
        msg_id = self.execute(code)
        self.assertIsNotNone(self.stopped_or_done(msg_id), "the condition `(i as number) === 3` never stopped the loop")
        frame, _ = self.top_frame()
        self.assertEqual((frame["line"], self.ok("evaluate", {"expression": "i", "frameId": frame["id"]})["result"]), (3, "3"))
        # the debug console reads a generic call as TypeScript (as JavaScript it is `identity < number > i`)
        self.assertEqual(self.ok("evaluate", {"expression": "identity<number>(i) * 10", "frameId": frame["id"], "context": "repl"})["result"], "30")
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "15")
        shell_reply(self.kc, msg_id, TIMEOUT)
        # an arrow function with annotated parameter and return types
        condition = "[i].some((v: number): boolean => v === 4)"
        breakpoints = self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 3, "condition": condition}]})["breakpoints"]
        self.assertTrue(breakpoints[0]["verified"], breakpoints)
        msg_id = self.execute(code)
        self.assertIsNotNone(self.stopped_or_done(msg_id), f"the condition `{condition}` never stopped the loop")
        frame, _ = self.top_frame()
        self.assertEqual(self.ok("evaluate", {"expression": "i", "frameId": frame["id"]})["result"], "4")
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "15")
        shell_reply(self.kc, msg_id, TIMEOUT)
        # a condition that does not compile is refused in one sentence, and the cell runs through
        breakpoints = self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 3, "condition": "i as > 2"}]})["breakpoints"]
        self.assertFalse(breakpoints[0]["verified"], breakpoints)
        self.assertIn("condition", breakpoints[0]["message"])
        self.assertIn("i as > 2", breakpoints[0]["message"])
        msg_id = self.execute(code)
        self.assertIsNone(self.stopped_or_done(msg_id))
        self.assertEqual(self.iopub.result_of(msg_id), "15")
        shell_reply(self.kc, msg_id, TIMEOUT)
        # a condition that compiles but throws as it runs stops there and says why, rather than never stopping
        breakpoints = self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 3, "condition": "missingName > 2"}]})["breakpoints"]
        self.assertTrue(breakpoints[0]["verified"], breakpoints)
        msg_id = self.execute(code)
        stopped = self.stopped_or_done(msg_id)
        self.assertIsNotNone(stopped, "a condition that throws never stopped the loop, and nothing said why")
        self.assertIn("missingName is not defined", stopped["body"]["text"])
        output = self.iopub.event("output")["body"]
        self.assertIn("missingName > 2", output["output"])
        self.assertIn("missingName is not defined", output["output"])
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": []})
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "15")
        shell_reply(self.kc, msg_id, TIMEOUT)
        # a console input that does not compile says why
        reply = self.dap("evaluate", {"expression": "total as", "context": "repl"})
        self.assertFalse(reply["success"])
        self.assertIn("Type expected", reply["message"])
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": []})

    def test_05_bad_input(self):
        code = "const p = 1;\n\n// nothing here\nconst q = p + 1;"
        path = self.dump(code)
        breakpoints = self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 2}, {"line": 9}]})["breakpoints"]
        self.assertEqual([(b["verified"], b["line"]) for b in breakpoints], [(True, 4), (False, 9)])
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": []})
        for command, arguments in [
            ("stackTrace", {"threadId": 1}),
            ("stackTrace", {"threadId": 99}),
            ("scopes", {"frameId": 12345}),
            ("variables", {"variablesReference": 9999}),
            ("next", {"threadId": 1}),
            ("source", {"source": {"path": "/nowhere.ts"}}),
            ("noSuchCommand", {}),
        ]:
            reply = self.dap(command, arguments)
            self.assertFalse(reply["success"], f"{command} should fail: {reply}")
            self.assertTrue(reply["message"], reply)

    def test_06_while_paused_control_and_heartbeat_answer_and_interrupt_keeps_state(self):
        self.run_cell("const kept = 5;")
        code = "let late = 1;\nlate = 2;\nlate"
        path = self.dump(code)
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 2}]})
        msg_id = self.execute(code)
        self.iopub.event("stopped")
        self.assertEqual(self.control("kernel_info_request", {})["content"]["status"], "ok")
        heartbeat = zmq.Context.instance().socket(zmq.REQ)
        heartbeat.connect(f"{self.km.transport}://{self.km.ip}:{self.km.hb_port}")
        heartbeat.send(b"ping")
        self.assertTrue(heartbeat.poll(TIMEOUT * 1000), "the heartbeat did not answer while paused")
        self.assertEqual(heartbeat.recv(), b"ping")
        heartbeat.close(linger=0)
        self.km.interrupt_kernel()
        reply = shell_reply(self.kc, msg_id, TIMEOUT)["content"]
        self.assertEqual(reply["status"], "error")
        self.assertIn("nterrupt", reply["ename"] + reply["evalue"])
        self.iopub.event("continued")
        self.assertEqual(self.ok("debugInfo")["stoppedThreads"], [])
        self.assertEqual(self.run_cell("kept + 1"), "6")
        # the interrupted cell stopped before its second line
        self.assertEqual(self.run_cell("late"), "1")
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": []})

    def test_06b_pause_a_running_loop_and_step_off_the_end_of_a_cell(self):
        self.run_cell("let spins = 0;")
        msg_id = self.execute("while (spins >= 0) {\n  spins += 1;\n}")
        self.iopub.wait(lambda m: m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input")
        self.ok("pause", {"threadId": 1})
        self.assertEqual(self.iopub.event("stopped")["body"]["reason"], "pause")
        frame, _ = self.top_frame()
        self.assertIn(frame["line"], (1, 2))
        # the pause may land as the cell starts or inside the loop
        self.assertGreaterEqual(int(self.ok("evaluate", {"expression": "spins", "frameId": frame["id"]})["result"]), 0)
        # ends the loop from the debug console, then steps until the cell is done
        self.ok("evaluate", {"expression": "spins = -100", "frameId": frame["id"]})
        def stopped_or_done(msg):
            if msg["msg_type"] == "debug_event":
                return msg["content"]["event"] == "stopped"
            return msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"

        steps = 0
        while True:
            self.ok("next", {"threadId": 1})
            steps += 1
            if self.iopub.wait(stopped_or_done)["msg_type"] == "status":
                break
            self.assertLess(steps, 10, "stepping never left the cell")
        self.assertEqual(shell_reply(self.kc, msg_id, TIMEOUT)["content"]["status"], "ok")
        self.assertEqual(self.run_cell("spins"), "-100")

    def test_07_variables_without_a_breakpoint_and_tensor_summary(self):
        self.run_cell(
            "const t = tf.tensor([[1, 2], [3, 4]]);\nconst label = 'cat';\n"
            "const model = tf.sequential({ name: 'tiny', layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });\n"
            "const digits = await tl.data.mnist({ perClass: 2, testPerClass: 1, seed: 1 });\nconst digitsTrain = digits.train;"
        )
        variables = {v["name"]: v for v in self.ok("inspectVariables")["variables"]}
        self.assertEqual(variables["kept"]["value"], "5")
        self.assertEqual(variables["label"]["value"], '"cat"')
        # the type names JupyterLab's variable tree shows the value for
        self.assertEqual(variables["label"]["type"], "str")
        self.assertEqual(variables["kept"]["type"], "int")
        self.assertNotIn("require", variables)
        self.assertIn("double", variables)
        self.assertNotIn("tf", variables)
        self.assertEqual(variables["t"]["value"], "Tensor float32 [2, 2] 1, 2, 3, 4")
        self.assertEqual(variables["t"]["type"], "Tensor float32 [2, 2]")
        self.assertGreater(variables["t"]["variablesReference"], 0)
        self.assertEqual(variables["model"]["value"], 'Sequential "tiny": 1 layers, 3 parameters, [?, 2] → [?, 1]')
        # tl.data's data sets and their splits, as a notebook holds them
        self.assertEqual(variables["digits"]["value"], "mnist: train 20, test 10 examples of shape [28, 28, 1], 10 classes")
        self.assertEqual(variables["digitsTrain"]["value"], "Examples: 20 examples of shape [28, 28, 1]")
        opened = {v["name"]: v["value"] for v in self.ok("variables", {"variablesReference": variables["t"]["variablesReference"]})["variables"]}
        self.assertEqual(opened["dtype"], '"float32"')
        rich = self.ok("richInspectVariables", {"variableName": "t"})
        self.assertIn("text/plain", rich["data"])

    def test_08_break_on_uncaught_exception_stops_at_the_throwing_line(self):
        self.ok("setExceptionBreakpoints", {"filters": ["uncaught"]})
        code = "function thrower(): never {\n  throw new Error('boom');\n}\ntry { thrower(); } catch {}\nthrower();"
        path = self.dump(code)
        msg_id = self.execute(code)
        stopped = self.iopub.event("stopped")
        self.assertEqual(stopped["body"]["reason"], "exception")
        frame, frames = self.top_frame()
        self.assertEqual((frame["source"]["path"], frame["line"]), (path, 2))
        # not the throw inside the try on line 4: the one on line 5
        self.assertEqual(frames[1]["line"], 5)
        info = self.ok("exceptionInfo", {"threadId": 1})
        self.assertIn("boom", info["description"])
        self.ok("continue", {"threadId": 1})
        self.assertEqual(shell_reply(self.kc, msg_id, TIMEOUT)["content"]["status"], "error")
        self.ok("setExceptionBreakpoints", {"filters": []})

    def test_08b_raised_exceptions_stop_in_cells_only(self):
        self.ok("setExceptionBreakpoints", {"filters": ["raised"]})
        # the kernel's own code (the import) and the package throw and catch inside: no stop there
        self.assertEqual(self.run_cell("const quiet = require('quiet-thrower');\nquiet()"), "'caught inside'")
        code = "let outcome = 'none';\ntry {\n  JSON.parse('{');\n} catch {\n  outcome = 'caught';\n}\noutcome"
        path = self.dump(code)
        msg_id = self.execute(code)
        stopped = self.iopub.event("stopped")
        self.assertEqual(stopped["body"]["reason"], "exception")
        frame, _ = self.top_frame()
        self.assertEqual((frame["source"]["path"], frame["line"]), (path, 3))
        self.ok("continue", {"threadId": 1})
        self.assertEqual(self.iopub.result_of(msg_id), "'caught'")
        shell_reply(self.kc, msg_id, TIMEOUT)
        self.ok("setExceptionBreakpoints", {"filters": []})

    def test_08c_uncaught_counts_promise_handlers_and_async_callers_in_earlier_cells(self):
        self.ok("setExceptionBreakpoints", {"filters": ["uncaught"]})
        definitions = (
            "async function failsLater(): Promise<number> {\n  await null;\n  throw new Error('later');\n}\n"
            "async function guarded(): Promise<number> {\n  try {\n    return await failsLater();\n  } catch {\n    return -1;\n  }\n}"
        )
        self.run_cell(definitions)
        path = self.dump(definitions)
        for cell, value in [
            ("await failsLater().catch(() => -2)", "-2"),  # a .catch() on the promise
            ("failsLater().then((n) => n, () => -3)", "-3"),  # a rejection handler, the cell ending with the promise
            ("await guarded()", "-1"),  # the try of an async caller from the earlier cell
            ("guarded()", "-1"),
            ("await Promise.all([failsLater(), 1]).catch(() => -4)", "-4"),  # a .catch() on a combinator of it
            ("(await Promise.allSettled([failsLater()]))[0].status", "'rejected'"),  # a combinator that never rejects
        ]:
            msg_id = self.execute(cell)
            stopped = self.stopped_or_done(msg_id)
            if stopped is not None:
                self.ok("continue", {"threadId": 1})
            self.assertIsNone(stopped, f"{cell} stopped on an exception it catches")
            self.assertEqual(self.iopub.result_of(msg_id), value)
            self.assertEqual(shell_reply(self.kc, msg_id, TIMEOUT)["content"]["status"], "ok")
        # nothing catches it: stops at the throwing line of the earlier cell, awaited or not
        for cell in ["await failsLater()", "failsLater()"]:
            msg_id = self.execute(cell)
            stopped = self.stopped_or_done(msg_id)
            self.assertIsNotNone(stopped, f"{cell} did not stop on its uncaught exception")
            self.assertEqual(stopped["body"]["reason"], "exception")
            frame, _ = self.top_frame()
            self.assertEqual((frame["source"]["path"], frame["line"]), (path, 3))
            self.ok("continue", {"threadId": 1})
            self.assertEqual(shell_reply(self.kc, msg_id, TIMEOUT)["content"]["status"], "error")
        self.ok("setExceptionBreakpoints", {"filters": []})

    def test_09_disconnect_resumes(self):
        code = "const z = 1;\nconst zz = z + 1;\nzz"
        path = self.dump(code)
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 2}]})
        msg_id = self.execute(code)
        self.iopub.event("stopped")
        self.ok("disconnect", {"restart": False, "terminateDebuggee": False})
        self.assertEqual(shell_reply(self.kc, msg_id, TIMEOUT)["content"]["status"], "ok")
        self.assertEqual(self.iopub.result_of(msg_id), "2")
        self.assertFalse(self.ok("debugInfo")["isStarted"])
        self.assertEqual(self.dap("stackTrace", {"threadId": 1}), {})
        # with the debugger gone, the cell runs straight through
        self.assertEqual(self.run_cell(code), "2")

    def test_10_restart_while_paused(self):
        self.ok("initialize")
        self.ok("attach")
        code = "const w = 1;\nconst ww = w + 1;\nww"
        path = self.dump(code)
        self.ok("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 2}]})
        self.execute(code)
        self.iopub.event("stopped")
        # a paused runtime does not hold up a restart, and the new kernel runs cells
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=TIMEOUT)
        self.iopub.seen.clear()
        self.assertEqual(self.run_cell("1 + 1"), "2")


if __name__ == "__main__":
    unittest.main()
