"""Jupyter widgets made by TypeScript cells, driven through jupyter_client as a widget front end would:
comm_open with the state ipywidgets 8's front end expects, updates both ways with echo_update,
binary buffers, request_state, custom messages (clicks), close, and comm_info."""
import json
import os
import struct
import tempfile
import time
import unittest
import zlib

from kernel_messages import TIMEOUT, KernelTestCase, collect, run

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def result_text(messages):
    results = [m for m in messages if m["msg_type"] == "execute_result"]
    return results[0]["content"]["data"]["text/plain"] if results else None


def send_comm(kc, msg_type, content, buffers=None):
    """What a front end sends on shell: comm_msg / comm_close, with binary buffers."""
    msg = kc.session.msg(msg_type, content)
    kc.session.send(kc.shell_channel.socket, msg, buffers=buffers or [])
    return msg["header"]["msg_id"]


def png(width, height, rgb):
    """A solid-colour RGB PNG, as a browser uploads one."""
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def of_type(messages, msg_type):
    return [m for m in messages if m["msg_type"] == msg_type]


class WidgetProtocolTests(KernelTestCase):
    def make_slider(self):
        content, messages = run(
            self.kc,
            'const s = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "n" });\n'
            "const seen: number[] = [];\n"
            's.observe((change) => { seen.push(change.new); console.log(`observed ${change.old} -> ${change.new}`); }, "value");\n'
            "s",
        )
        self.assertEqual(content["status"], "ok", content)
        opens = {m["content"]["comm_id"]: m["content"] for m in of_type(messages, "comm_open")}
        self.opens_metadata = {m["content"]["comm_id"]: m["metadata"] for m in of_type(messages, "comm_open")}
        display = [m for m in messages if m["msg_type"] == "execute_result"][0]["content"]["data"]
        slider_id = display[WIDGET_MIME]["model_id"]
        self.slider_area = self.cell_area(messages)
        return slider_id, opens, display

    def test_open_update_both_ways_echo_and_close(self):
        slider_id, opens, display = self.make_slider()
        # the slider's comm and its layout and style, opened before the slider that references them
        self.assertIn(slider_id, opens)
        opened = opens[slider_id]
        # the protocol version goes in the message's metadata, where ipywidgets' front end reads it
        self.assertEqual(opened["target_name"], "jupyter.widget")
        self.assertEqual(self.opens_metadata[slider_id]["version"], "2.1.0")
        state = opened["data"]["state"]
        self.assertEqual(state["_model_name"], "IntSliderModel")
        self.assertEqual(state["_model_module"], "@jupyter-widgets/controls")
        self.assertEqual(state["_model_module_version"], "2.0.0")
        self.assertEqual(state["_view_name"], "IntSliderView")
        self.assertEqual((state["value"], state["min"], state["max"], state["description"]), (3, 0, 10, "n"))
        layout_id = state["layout"].removeprefix("IPY_MODEL_")
        self.assertEqual(opens[layout_id]["data"]["state"]["_model_name"], "LayoutModel")
        self.assertEqual(opens[layout_id]["data"]["state"]["_model_module"], "@jupyter-widgets/base")
        self.assertEqual(display[WIDGET_MIME]["version_major"], 2)
        self.assertIn("IntSlider(", display["text/plain"])
        self.assertIn("value=3", display["text/plain"])

        info = self.kc.comm_info(target_name="jupyter.widget")
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        while reply["parent_header"].get("msg_id") != info:
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertIn(slider_id, reply["content"]["comms"])
        self.assertIn(layout_id, reply["content"]["comms"])

        # kernel → front end: assigning value sends an update
        content, messages = run(self.kc, "s.value = 5")
        updates = [m["content"]["data"] for m in of_type(messages, "comm_msg") if m["content"]["comm_id"] == slider_id]
        self.assertEqual(updates, [{"method": "update", "state": {"value": 5}, "buffer_paths": []}])

        # the observer a cell sets off prints in that cell
        self.assertEqual("".join(m["content"]["text"] for m in of_type(messages, "stream")), "observed 3 -> 5\n")

        # front end → kernel: an update is echoed (parented to it), runs the observer, between busy and idle;
        # the observer prints under the cell that registered it
        msg_id = send_comm(self.kc, "comm_msg", {"comm_id": slider_id, "data": {"method": "update", "state": {"value": 7}, "buffer_paths": []}})
        messages = collect(self.kc, msg_id)
        self.assertEqual(messages[0]["msg_type"], "status")
        self.assertEqual(messages[0]["content"]["execution_state"], "busy")
        echoes = [m["content"]["data"] for m in of_type(messages, "comm_msg") if m["content"]["comm_id"] == slider_id]
        self.assertEqual(echoes, [{"method": "echo_update", "state": {"value": 7}, "buffer_paths": []}])
        self.assertEqual(self.area_outputs(messages, self.slider_area, msg_id)[-1], [{"output_type": "stream", "name": "stdout", "text": "observed 5 -> 7\n"}])
        content, messages = run(self.kc, "[s.value, ...seen].join(',')")
        self.assertEqual(result_text(messages), "'7,5,7'")

        # request_state: the whole state, as a front end reconnecting asks for it
        msg_id = send_comm(self.kc, "comm_msg", {"comm_id": slider_id, "data": {"method": "request_state"}})
        messages = collect(self.kc, msg_id)
        full = [m["content"]["data"] for m in of_type(messages, "comm_msg")]
        self.assertEqual(full[0]["method"], "update")
        self.assertEqual(full[0]["state"]["value"], 7)
        self.assertEqual(full[0]["state"]["_model_name"], "IntSliderModel")

        # close from the kernel: comm_close, and comm_info no longer lists it
        content, messages = run(self.kc, "s.close()")
        self.assertEqual([m["content"]["comm_id"] for m in of_type(messages, "comm_close")], [slider_id])
        info = self.kc.comm_info(target_name="jupyter.widget")
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        while reply["parent_header"].get("msg_id") != info:
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertNotIn(slider_id, reply["content"]["comms"])

    def test_binary_buffers_both_ways_and_close_from_the_front_end(self):
        content, messages = run(self.kc, "const img = new widgets.Image({ value: new Uint8Array([137, 80, 78, 71]), format: 'png' }); img")
        self.assertEqual(content["status"], "ok", content)
        opened = [m for m in of_type(messages, "comm_open") if m["content"]["data"]["state"]["_model_name"] == "ImageModel"][0]
        image_id = opened["content"]["comm_id"]
        self.assertEqual(opened["content"]["data"]["buffer_paths"], [["value"]])
        self.assertNotIn("value", opened["content"]["data"]["state"])
        self.assertEqual(bytes(opened["buffers"][0]), bytes([137, 80, 78, 71]))

        msg_id = send_comm(
            self.kc,
            "comm_msg",
            {"comm_id": image_id, "data": {"method": "update", "state": {}, "buffer_paths": [["value"]]}},
            buffers=[b"\x01\x02\x03"],
        )
        messages = collect(self.kc, msg_id)
        echo = of_type(messages, "comm_msg")[0]
        self.assertEqual(echo["content"]["data"]["buffer_paths"], [["value"]])
        self.assertEqual(bytes(echo["buffers"][0]), b"\x01\x02\x03")
        content, messages = run(self.kc, "Array.from(img.value).join(',')")
        self.assertEqual(result_text(messages), "'1,2,3'")

        # a reconnecting front end asks the control comm for every widget's state at once
        send_comm(self.kc, "comm_open", {"comm_id": "control-1", "target_name": "jupyter.widget.control", "data": {}})
        msg_id = send_comm(self.kc, "comm_msg", {"comm_id": "control-1", "data": {"method": "request_states"}})
        messages = collect(self.kc, msg_id)
        states = of_type(messages, "comm_msg")[0]
        self.assertEqual(states["content"]["data"]["method"], "update_states")
        self.assertEqual(states["content"]["data"]["states"][image_id]["model_name"], "ImageModel")
        at = states["content"]["data"]["buffer_paths"].index([image_id, "state", "value"])
        self.assertEqual(bytes(states["buffers"][at]), b"\x01\x02\x03")

        msg_id = send_comm(self.kc, "comm_close", {"comm_id": image_id, "data": {}})
        collect(self.kc, msg_id)
        content, messages = run(self.kc, "img.closed")
        self.assertEqual(result_text(messages), "true")

    def test_click_callbacks_output_widget_and_errors(self):
        content, messages = run(
            self.kc,
            'const b = new widgets.Button({ description: "go" });\n'
            "const out = new widgets.Output();\n"
            "let clicks = 0;\n"
            'b.onClick(out.capture(() => { clicks++; console.log(`click ${clicks}`); display.html("<b>clicked</b>"); }));\n'
            'b.onClick(() => { if (clicks === 2) throw new Error("second click fails"); });\n'
            "new widgets.VBox([b, out])",
        )
        self.assertEqual(content["status"], "ok", content)
        states = {m["content"]["comm_id"]: m["content"]["data"]["state"] for m in of_type(messages, "comm_open")}
        box_id = [m for m in messages if m["msg_type"] == "execute_result"][0]["content"]["data"][WIDGET_MIME]["model_id"]
        button_id, output_id = (child.removeprefix("IPY_MODEL_") for child in states[box_id]["children"])

        msg_id = send_comm(self.kc, "comm_msg", {"comm_id": button_id, "data": {"method": "custom", "content": {"event": "click"}}})
        messages = collect(self.kc, msg_id)
        outputs = [m["content"]["data"]["state"]["outputs"] for m in of_type(messages, "comm_msg") if m["content"]["comm_id"] == output_id]
        self.assertEqual(outputs[-1][0], {"output_type": "stream", "name": "stdout", "text": "click 1\n"})
        self.assertEqual(outputs[-1][1]["data"]["text/html"], "<b>clicked</b>")
        self.assertEqual(of_type(messages, "error"), [])

        # a failing callback: an error output for the click, and the kernel keeps its state
        msg_id = send_comm(self.kc, "comm_msg", {"comm_id": button_id, "data": {"method": "custom", "content": {"event": "click"}}})
        messages = collect(self.kc, msg_id)
        errors = of_type(messages, "error")
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["content"]["evalue"], "second click fails")
        content, messages = run(self.kc, "clicks")
        self.assertEqual(result_text(messages), "2")

    def cell_area(self, messages):
        """The output area the kernel shows after a cell's value for its callbacks: the model id of the
        last display_data (a widget view of an OutputModel opened by this cell), or None."""
        opened = {m["content"]["comm_id"]: m["content"]["data"]["state"]["_model_name"] for m in of_type(messages, "comm_open")}
        shown = [m for m in messages if m["msg_type"] in ("display_data", "execute_result", "error")]
        if not shown or shown[-1]["msg_type"] != "display_data" or WIDGET_MIME not in shown[-1]["content"]["data"]:
            return None
        area = shown[-1]["content"]["data"][WIDGET_MIME]["model_id"]
        self.assertEqual(opened.get(area), "OutputModel")
        # nothing for a front end without widgets to print: callbacks never run there
        self.assertNotIn("text/plain", shown[-1]["content"]["data"])
        return area

    def click(self, button_id):
        msg_id = send_comm(self.kc, "comm_msg", {"comm_id": button_id, "data": {"method": "custom", "content": {"event": "click"}}})
        return msg_id, collect(self.kc, msg_id)

    def area_outputs(self, messages, area, parent):
        """The outputs the area holds after each update the click sent it (all parented to the click)."""
        updates = [m for m in of_type(messages, "comm_msg") if m["content"]["comm_id"] == area]
        self.assertTrue(all(m["parent_header"]["msg_id"] == parent for m in updates))
        return [m["content"]["data"]["state"]["outputs"] for m in updates]

    def test_a_callbacks_output_lands_under_the_cell_that_registered_it(self):
        content, messages = run(
            self.kc,
            'const hello = new widgets.Button({ description: "hello" });\n'
            'hello.onClick(() => { console.log("hello from the button"); display.html("<i>shown</i>"); });\n'
            "hello",
        )
        self.assertEqual(content["status"], "ok", content)
        button_id = [m for m in of_type(messages, "comm_open") if m["content"]["data"]["state"]["_model_name"] == "ButtonModel"][0]["content"]["comm_id"]
        # the cell's outputs: the button (its value), then the empty area
        self.assertEqual(result_text(messages), "Button(description=\"hello\")")
        area = self.cell_area(messages)
        self.assertIsNotNone(area, "the cell shows no output area for its callback")

        click, messages = self.click(button_id)
        outputs = self.area_outputs(messages, area, click)
        self.assertEqual(outputs[-1][0], {"output_type": "stream", "name": "stdout", "text": "hello from the button\n"})
        self.assertEqual(outputs[-1][1]["data"]["text/html"], "<i>shown</i>")
        # nothing went to the front end outside a widget (JupyterLab would show it only in its log console)
        self.assertEqual([m["msg_type"] for m in messages if m["msg_type"] in ("stream", "display_data", "error")], [])

        # a callback registered in a later cell on that button prints under the later cell
        content, messages = run(self.kc, 'hello.onClick(() => console.log("registered later"));')
        later_area = self.cell_area(messages)
        self.assertIsNotNone(later_area)
        self.assertNotEqual(later_area, area)
        click, messages = self.click(button_id)
        first_cell = self.area_outputs(messages, area, click)[-1]
        self.assertEqual([o["text"] for o in first_cell if o["output_type"] == "stream"], ["hello from the button\n"] * 2)
        self.assertEqual(self.area_outputs(messages, later_area, click)[-1], [{"output_type": "stream", "name": "stdout", "text": "registered later\n"}])

        # a failing callback shows its error in the area too, and the kernel keeps its state
        content, messages = run(self.kc, 'const fails = new widgets.Button();\nfails.onClick(() => { throw new RangeError("too far"); });\nfails')
        fails_area = self.cell_area(messages)
        fails_id = [m for m in of_type(messages, "comm_open") if m["content"]["data"]["state"]["_model_name"] == "ButtonModel"][0]["content"]["comm_id"]
        click, messages = self.click(fails_id)
        shown = self.area_outputs(messages, fails_area, click)[-1]
        self.assertEqual([(o["output_type"], o.get("ename"), o.get("evalue")) for o in shown], [("error", "RangeError", "too far")])
        content, messages = run(self.kc, "hello.description")
        self.assertEqual(result_text(messages), "'hello'")

    def test_an_output_widget_wins_and_library_callbacks_add_no_area(self):
        content, messages = run(
            self.kc,
            "const into = new widgets.Output();\n"
            'const captured = new widgets.Button({ description: "captured" });\n'
            'captured.onClick(into.capture(() => console.log("into the Output")));\n'
            "const left = new widgets.IntSlider(), right = new widgets.IntSlider();\n"
            "widgets.link([left, 'value'], [right, 'value']);\n"
            "widgets.interact(({ n }) => n * 2, { n: [0, 10] });\n"
            "new widgets.VBox([captured, into, left, right])",
        )
        self.assertEqual(content["status"], "ok", content)
        self.assertIsNone(self.cell_area(messages))
        states = {m["content"]["comm_id"]: m["content"]["data"]["state"] for m in of_type(messages, "comm_open")}
        result_id = [m for m in messages if m["msg_type"] == "execute_result"][0]["content"]["data"][WIDGET_MIME]["model_id"]
        captured_id, into_id = (child.removeprefix("IPY_MODEL_") for child in states[result_id]["children"][:2])
        click, messages = self.click(captured_id)
        self.assertEqual(self.area_outputs(messages, into_id, click)[-1], [{"output_type": "stream", "name": "stdout", "text": "into the Output\n"}])

    def test_an_interrupt_stops_a_runaway_callback_and_the_notebook_keeps_its_state(self):
        started = os.path.join(tempfile.mkdtemp(prefix="tsfine-spin-"), "started")
        content, messages = run(
            self.kc,
            'const spin = new widgets.Button({ description: "spin" });\n'
            "let spun = 0;\n"
            f'spin.onClick(() => {{ spun++; require("fs").writeFileSync({json.dumps(started)}, "1"); while (true) {{}} }});\n'
            "spin",
        )
        self.assertEqual(content["status"], "ok", content)
        spin_id = [m for m in of_type(messages, "comm_open") if m["content"]["data"]["state"]["_model_name"] == "ButtonModel"][0]["content"]["comm_id"]
        msg_id = send_comm(self.kc, "comm_msg", {"comm_id": spin_id, "data": {"method": "custom", "content": {"event": "click"}}})
        deadline = time.time() + TIMEOUT
        while not os.path.exists(started):
            self.assertLess(time.time(), deadline, "the callback never started")
            time.sleep(0.02)
        self.km.interrupt_kernel()
        messages = collect(self.kc, msg_id)
        self.assertEqual([e["content"]["ename"] for e in of_type(messages, "error")], ["Interrupted"])
        content, messages = run(self.kc, "spun")
        self.assertEqual(result_text(messages), "1")

    def test_callbacks_run_while_a_cell_awaits(self):
        content, messages = run(self.kc, "const box = new widgets.Text({ value: 'a' }); box")
        text_id = [m for m in of_type(messages, "comm_open") if m["content"]["data"]["state"]["_model_name"] == "TextModel"][0]["content"]["comm_id"]
        msg_id = self.kc.execute(
            'const typed = new Promise((resolve) => box.observe((change) => resolve(`got ${change.new}`), "value"));\n'
            'console.log("waiting");\n'
            "await typed"
        )
        # the cell runs (it has been type-checked and is awaiting) once it printed
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream" and "waiting" in msg["content"]["text"]:
                break
        send_comm(self.kc, "comm_msg", {"comm_id": text_id, "data": {"method": "update", "state": {"value": "typed"}, "buffer_paths": []}})
        messages = collect(self.kc, msg_id)
        self.assertEqual(result_text(messages), "'got typed'")

    def test_fit_controls_change_the_learning_rate_and_stop_training(self):
        msg_id = self.kc.execute(
            "const n = 256;\n"
            "const fitData = tl.data.fromTensors(tf.randomNormal([n, 8], 0, 1, 'float32', 1), Array.from({ length: n }, (_, i) => i % 2), { seed: 1 });\n"
            "const fitModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 2, activation: 'softmax' })] });\n"
            "const lrs: number[] = [];\n"
            "const fitHistory = await tl.fit(fitModel, fitData, { epochs: 100000, batchSize: 32, lr: 1e-3, controls: true, verbose: false,\n"
            "  callbacks: [{ name: 'watch', afterBatch: (s) => {\n"
            "    lrs.push(s.lr);\n"
            "    if (s.step === 2) console.log('training');\n"
            "    if (lrs.length > 1 && s.lr !== lrs[lrs.length - 2]) console.log(`rate now ${s.lr}`);\n"
            "  } }] });\n"
            "[fitHistory.stopped, fitHistory.epochs.length < 100000]"
        )
        models, training = {}, False
        deadline = time.time() + 120
        while not (training and "ButtonModel" in models and "FloatLogSliderModel" in models):
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            self.assertNotEqual(msg["msg_type"], "error", msg["content"])
            if msg["msg_type"] == "comm_open":
                models[msg["content"]["data"]["state"]["_model_name"]] = msg["content"]
            if msg["msg_type"] == "stream" and "training" in msg["content"]["text"]:
                training = True
        self.assertEqual(models["ButtonModel"]["data"]["state"]["description"], "Stop")
        self.assertAlmostEqual(models["FloatLogSliderModel"]["data"]["state"]["value"], 1e-3)
        slider, button = models["FloatLogSliderModel"]["comm_id"], models["ButtonModel"]["comm_id"]

        # while the cell trains: the new rate is taken from the next batch, then Stop ends training
        update = send_comm(self.kc, "comm_msg", {"comm_id": slider, "data": {"method": "update", "state": {"value": 1e-2}, "buffer_paths": []}})
        # Stop is checked before each batch: click it only once a batch has run at the new rate
        update_done, rate_taken = False, False
        deadline = time.time() + TIMEOUT
        while not (update_done and rate_taken):
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            parent = msg["parent_header"].get("msg_id")
            if parent == update and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                update_done = True
            if parent == msg_id and msg["msg_type"] == "stream" and "rate now" in msg["content"]["text"]:
                rate_taken = True
        send_comm(self.kc, "comm_msg", {"comm_id": button, "data": {"method": "custom", "content": {"event": "click"}}})
        messages = collect(self.kc, msg_id)
        self.assertEqual(result_text(messages), "[ 'Stop button', true ]")
        content, messages = run(self.kc, "[lrs[0], lrs[lrs.length - 1]].map((lr) => lr.toPrecision(3)).join(' ')")
        self.assertEqual(result_text(messages), "'0.00100 0.0100'")

    def test_classifier_app_shows_the_uploaded_picture_with_top_predictions(self):
        content, messages = run(
            self.kc,
            "const appModel = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 3] }), tf.layers.dense({ units: 2, activation: 'softmax' })] });\n"
            "tl.widgets.classifier(appModel, { labels: ['cat', 'dog'] })",
        )
        self.assertEqual(content["status"], "ok", content)
        opens = {m["content"]["data"]["state"]["_model_name"]: m["content"]["comm_id"] for m in of_type(messages, "comm_open")}
        picture = png(8, 8, (200, 30, 30))
        upload = {"name": "red.png", "type": "image/png", "size": len(picture), "last_modified": 0}
        msg_id = send_comm(
            self.kc,
            "comm_msg",
            {"comm_id": opens["FileUploadModel"], "data": {"method": "update", "state": {"value": [upload]}, "buffer_paths": [["value", 0, "content"]]}},
            buffers=[picture],
        )
        messages = collect(self.kc, msg_id)
        self.assertEqual(of_type(messages, "error"), [])
        shown = [m["content"]["data"]["state"]["outputs"] for m in of_type(messages, "comm_msg") if m["content"]["comm_id"] == opens["OutputModel"]]
        prediction = shown[-1][-1]["data"]
        self.assertRegex(prediction["text/plain"], r"^(cat|dog) \(\d+\.\d%\); top: (cat|dog) \d+\.\d%, (cat|dog) \d+\.\d%$")
        self.assertIn("data:image/png;base64,", prediction["text/html"])

    def test_cleaner_shows_the_hardest_examples_and_applies_relabelling_and_dropping(self):
        content, messages = run(
            self.kc,
            "const digits = await tl.data.mnist({ perClass: 2, testPerClass: 1, seed: 1 });\n"
            "const guess = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, activation: 'softmax' })] });\n"
            "const clean = await tl.widgets.cleaner(guess, digits.train, { top: 4 });\n"
            "clean",
        )
        self.assertEqual(content["status"], "ok", content)
        opened = of_type(messages, "comm_open")
        dropdowns = [m["content"] for m in opened if m["content"]["data"]["state"]["_model_name"] == "DropdownModel"]
        images = [m for m in opened if m["content"]["data"]["state"]["_model_name"] == "ImageModel"]
        self.assertEqual(len(dropdowns), 4)
        self.assertEqual(len(images), 4)
        self.assertTrue(all(m["buffers"][0][:8] == b"\x89PNG\r\n\x1a\n" for m in images))
        labels = dropdowns[0]["data"]["state"]["_options_labels"]
        self.assertTrue(labels[0].startswith("keep: "))
        self.assertEqual(labels[-1], "drop")
        self.assertEqual(len(labels), 11)  # keep, the nine other digits, drop
        # the person drops the hardest example and gives the second another class, in the front end
        for comm, index in ((dropdowns[0]["comm_id"], len(labels) - 1), (dropdowns[1]["comm_id"], 1)):
            msg_id = send_comm(self.kc, "comm_msg", {"comm_id": comm, "data": {"method": "update", "state": {"index": index}, "buffer_paths": []}})
            collect(self.kc, msg_id)
        content, messages = run(
            self.kc,
            "const fixed = clean.cleaned();\n"
            "const moved = clean.rows[1];\n"
            "const at = moved.position - (clean.rows[0].position < moved.position ? 1 : 0);\n"
            "JSON.stringify([fixed.size, digits.train.size, fixed.label(at) === moved.choice.value, digits.train.label(moved.position) !== moved.choice.value])",
        )
        self.assertEqual(content["status"], "ok", content)
        self.assertEqual(result_text(messages), "'[19,20,true,true]'")

    def test_an_anywidget_asks_for_the_anywidget_front_end_its_python_package_asks_for(self):
        import anywidget

        class Reference(anywidget.AnyWidget):
            _esm = "export default {}"

        expected = {k: v for k, v in Reference().get_state().items() if k in ("_model_module", "_model_module_version", "_view_module", "_view_module_version")}
        content, messages = run(self.kc, "widgets.anywidget({ esm: 'export default {}', state: { count: 0 } })")
        self.assertEqual(content["status"], "ok", content)
        state = [m["content"]["data"]["state"] for m in of_type(messages, "comm_open") if m["content"]["data"]["state"]["_model_name"] == "AnyModel"][0]
        self.assertEqual({k: state[k] for k in expected}, expected)

    def test_bad_options_are_one_sentence(self):
        content, _ = run(self.kc, "new widgets.IntSlider({ vlaue: 3 } as any)")
        self.assertEqual(content["status"], "error")
        self.assertIn('IntSlider has no option "vlaue"', content["evalue"])
        content, _ = run(self.kc, 'new widgets.IntSlider({ value: "3" } as any)')
        self.assertIn('IntSlider\'s option "value" must be an integer; it got the string "3".', content["evalue"])
        # the type checker knows the options too
        content, _ = run(self.kc, "new widgets.IntSlider({ vlaue: 3 })")
        self.assertEqual(content["status"], "error")
        self.assertIn("vlaue", content["evalue"])
        content, messages = run(self.kc, "1 + 1")
        self.assertEqual(result_text(messages), "2")


if __name__ == "__main__":
    unittest.main()
