"""jupyter_kernel_test's conformance tests against tsfine and its peers, side by side: one table.

Each TypeScript kernel gets tsfine's own samples (test/python/test_conformance.py) except where a kernel
has its own API for the thing (display and clear_output: tslab's `tslab.display`, Deno's `Deno.jupyter`);
ipykernel gets Python samples like jupyter_kernel_test's own. A test a kernel has no sample for (tslab
has no way to clear output) is skipped and shown as "–". The iopub welcome (JEP 65) is a column of its
own and not in the total, as it is newer than the other tests. Run by bench/conformance.sh, which
installs the peers' kernelspecs.
"""
import json
import os
import sys
import unittest
from queue import Empty

import jupyter_kernel_test
from jupyter_client.manager import KernelManager

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "python"))
from test_conformance import TsfineConformance  # noqa: E402  (tsfine's samples)


# What each display sample shows, by MIME type (as in tsfine's samples).
DISPLAYED = {"text/html": "<b>bold</b>", "text/markdown": "# title", "image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'></svg>"}


def display_samples(code_for):
    """jupyter_kernel_test display samples written with a kernel's own API: code_for(mime, text) is the cell."""
    return [{"code": code_for(mime, text), "mime": mime} for mime, text in DISPLAYED.items()]


TSLAB_DISPLAY = {"text/html": "html", "text/markdown": "markdown", "image/svg+xml": "svg"}


class TslabConformance(TsfineConformance):
    kernel_name = "tslab"
    code_display_data = display_samples(lambda mime, text: f'import * as tslab from "tslab"; tslab.display.{TSLAB_DISPLAY[mime]}({json.dumps(text)})')
    code_clear_output = None  # tslab has no API for it


class DenoConformance(TsfineConformance):
    kernel_name = "deno"
    code_display_data = display_samples(lambda mime, text: f"await Deno.jupyter.display({json.dumps({mime: text})}, {{ raw: true }})")
    code_clear_output = 'await Deno.jupyter.broadcast("clear_output", { wait: false })'


class IpykernelConformance(jupyter_kernel_test.KernelTests):
    """Python samples like jupyter_kernel_test's own test for ipykernel (test_ipykernel.py)."""

    kernel_name = "python3"
    language_name = "python"
    file_extension = ".py"
    code_hello_world = "print('hello, world')"
    code_stderr = "import sys; print('oops', file=sys.stderr)"
    completion_samples = [{"text": "zi", "matches": {"zip"}}, {"text": "text = 'abc'; text.upp", "matches": {"upper"}}]
    complete_code_samples = ["1", "print('hello, world')", "def f(x):\n  return x*2\n\n\n"]
    incomplete_code_samples = ["print('''hello", "def f(x):\n  x*2"]
    invalid_code_samples = ["import = 7q"]
    code_inspect_sample = "zip"
    code_page_something = "zip?"
    code_generate_error = "raise Exception('boom')"
    code_execute_result = [{"code": "6 * 7", "result": "42"}, {"code": "'ab' + 'cd'", "result": "'abcd'"}]
    code_display_data = [
        {"code": "from IPython.display import HTML, display; display(HTML('<b>bold</b>'))", "mime": "text/html"},
        {"code": "from IPython.display import Markdown, display; display(Markdown('# title'))", "mime": "text/markdown"},
    ]
    code_clear_output = "from IPython.display import clear_output; clear_output()"
    code_history_pattern = "6 *"
    # as jupyter_kernel_test's own sample for ipykernel: IPython answers a range request from its history
    # database, which a session's newest cells have not reached yet
    supported_history_operations = ("tail", "search")


CONFORMANCE = {"tsfine": TsfineConformance, "tslab": TslabConformance, "deno": DenoConformance, "python3": IpykernelConformance}


def first_iopub_is_welcome(name):
    """jupyter_kernel_test's IopubWelcomeTests check, with a time limit: theirs waits for ever on a kernel
    that publishes nothing until asked. Returns (outcome, reason)."""
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    try:
        kc.start_channels()
        msg = kc.get_iopub_msg(timeout=30)
        if msg["msg_type"] == "iopub_welcome" and msg["content"].get("subscription") == "":
            return "pass", None
        return "fail", f"first iopub message was {msg['msg_type']}"
    except Empty:
        return "fail", "no iopub message within 30 s"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


class Outcomes(unittest.TextTestResult):
    """Each test's outcome by method name: pass, fail (a failure or an error) or skip."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}
        self.reasons = {}

    def _name(self, test):
        # a test method's name; for a class that failed to set up, unittest's "setUpClass (module.Class)"
        return getattr(test, "_testMethodName", None) or test.id()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes.setdefault(self._name(test), "pass")

    def _failed(self, test, err):
        self.outcomes[self._name(test)] = "fail"
        self.reasons.setdefault(self._name(test), str(err[1]).splitlines()[0][:100] if str(err[1]) else err[0].__name__)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._failed(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._failed(test, err)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._failed(test, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        parent = getattr(test, "test_case", None)
        if parent is None:
            self.outcomes[self._name(test)] = "skip"
        else:
            # a part the kernel does not claim (history range for ipykernel): the test passes on the rest,
            # but unittest then reports it neither passed nor failed
            self.outcomes.setdefault(self._name(parent), "pass")


def run(cls):
    """unittest reports a kernel that does not start as an error of setUpClass; its tests then show as failed."""
    with open(os.devnull, "w") as quiet:
        return unittest.TextTestRunner(stream=quiet, resultclass=Outcomes, verbosity=0).run(unittest.defaultTestLoader.loadTestsFromTestCase(cls))


def main(names):
    tests = [name for name in dir(jupyter_kernel_test.KernelTests) if name.startswith("test_")]
    rows, reasons = {}, {}
    for name in names:
        result = run(CONFORMANCE[name])
        welcome, why = first_iopub_is_welcome(name)
        rows[name] = {**result.outcomes, "iopub welcome": welcome}
        reasons[name] = {**result.reasons, **({"iopub welcome": why} if why else {})}
    marks = {"pass": "✓", "fail": "✗", "skip": "–"}
    columns = tests + ["iopub welcome"]
    print("| kernel | passed | " + " | ".join(c.removeprefix("test_") for c in columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for name, outcomes in rows.items():
        applicable = [t for t in tests if outcomes.get(t) != "skip"]
        passed = sum(outcomes.get(t) == "pass" for t in applicable)
        cells = [marks.get(outcomes.get(c, "fail"), "?") for c in columns]
        print(f"| {name} | {passed}/{len(applicable)} | " + " | ".join(cells) + " |")
    print()
    for name, why in reasons.items():
        for test, reason in sorted(why.items()):
            print(f"- {name} {test.removeprefix('test_')}: {reason}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(CONFORMANCE))
