"""jupyter_kernel_test's conformance suite against the installed tsfine kernelspec.

Run by test/real-clients.test.ts with JUPYTER_PATH pointing at a temporary kernelspec.
"""
import unittest

import jupyter_kernel_test


class TsfineConformance(jupyter_kernel_test.KernelTests):
    kernel_name = "tsfine"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The first cell waits for TypeScript to load (seconds on a busy machine), while each
        # sample below allows 15 s: warm up once with a generous limit.
        msg_id = cls.kc.execute("1")
        while cls.kc.get_shell_msg(timeout=180)["parent_header"].get("msg_id") != msg_id:
            pass
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'

    completion_samples = [
        {"text": "Math.fl", "matches": {"floor"}},
        {"text": "const text = 'abc'; text.toUpp", "matches": {"toUpperCase"}},
    ]

    complete_code_samples = ["1 + 1", "const a = 3;", "function f() { return 1 }", "interface P { x: number }"]
    incomplete_code_samples = ["function f() {", "const s = `abc", "const xs = [1, 2,"]
    invalid_code_samples = ["const = 5;", "1 +* 2", "}"]

    code_inspect_sample = "Math.max"
    code_page_something = "Math.max?"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"ab" + "cd"', "result": "'abcd'"},
        {"code": "[1, 2].map(x => x * 2)", "result": "[ 2, 4 ]"},
    ]

    code_display_data = [
        {"code": 'display.html("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.markdown("# title")', "mime": "text/markdown"},
        {"code": 'display.svg("<svg xmlns=\'http://www.w3.org/2000/svg\'></svg>")', "mime": "image/svg+xml"},
    ]

    code_clear_output = "display.clear()"

    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")


class TsfineIopubWelcome(jupyter_kernel_test.IopubWelcomeTests):
    """JEP 65: the first iopub message a new client gets is iopub_welcome for its subscription."""

    kernel_name = "tsfine"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
