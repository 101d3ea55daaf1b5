#!/usr/bin/env python3
"""Opens a page in headless Chromium and waits, in real time, until it has finished answering.

Usage: serve-page-probe.py CHROMIUM URL [SCREENSHOT.png]

Drives the browser over the DevTools protocol on a pipe (--remote-debugging-pipe: file descriptors 3 and 4,
messages are JSON ended by a NUL byte), so it needs nothing beyond Python's standard library. Polls the page
until #answer has data-done set (or 90 s pass), then prints one JSON object: done, answer text, frame count,
status line. Chromium's --dump-dom cannot do this: its virtual time does not wait for a streamed response.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1000,900", "--remote-debugging-pipe"]
STATE = ("JSON.stringify({done: document.getElementById('answer').dataset.done || '',"
         " answer: document.getElementById('answer').textContent,"
         " frames: document.querySelectorAll('#frames img').length,"
         " status: document.getElementById('status').textContent})")


class DevTools:
    def __init__(self, chromium, profile):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # the browser reads commands on fd 3 and writes replies on fd 4. The pipe ends are first copied above
        # 4 (they may be 3 or 4 themselves); os.dup2's copies are inheritable while the pipes' own descriptors
        # are not (PEP 446), so close_fds=False passes exactly these two
        def wire():
            commands, replies = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(commands, 3)
            os.dup2(replies, 4)
        self.process = subprocess.Popen([chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        close_fds=False, preexec_fn=wire,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0

    def call(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def close(self):
        try:
            self.call("Browser.close")
        except RuntimeError:
            pass
        self.process.wait(timeout=30)


def main():
    chromium, url = sys.argv[1], sys.argv[2]
    screenshot = sys.argv[3] if len(sys.argv) > 3 else None
    with tempfile.TemporaryDirectory() as profile:
        browser = DevTools(chromium, profile)
        try:
            target = browser.call("Target.createTarget", url=url)["targetId"]
            session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            state = {}
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                result = browser.call("Runtime.evaluate", session, expression=STATE, returnByValue=True)["result"]
                state = json.loads(result.get("value") or "{}")
                if state.get("done"):
                    break
                time.sleep(0.2)
            if screenshot:
                image = browser.call("Page.captureScreenshot", session, format="png")["data"]
                with open(screenshot, "wb") as out:
                    out.write(base64.b64decode(image))
            print(json.dumps(state))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
