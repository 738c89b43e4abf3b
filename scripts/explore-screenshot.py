"""Docs/images/explore.png: the explorer on stg-bursting with the DIC targets g_s* = −8, g_u* = 4, photographed
by Debian's headless Chromium through selenium (both installed by `bash scripts/setup.sh --test`).
Usage: .venv/bin/python scripts/explore-screenshot.py [OUTPUT]   (after `swift build -c release`)"""

import re
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

root = Path(__file__).resolve().parent.parent
output = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "Docs" / "images" / "explore.png"
with tempfile.TemporaryDirectory() as folder:
    server = subprocess.Popen([str(root / ".build" / "release" / "ganglion"), "explore", "stg-bursting", "--port", "0",
                               "--output", folder], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 30)
        line = server.stdout.readline() if ready else ""
        match = re.fullmatch(r"Ganglion explorer: (http://\S+)\n", line)
        if not match:
            sys.exit(f"explore-screenshot: the explorer did not start ({line!r})")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1480,1100"]:
            options.add_argument(a)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(match.group(1))

            def settle():
                end = time.time() + 30
                while time.time() < end:
                    if driver.execute_script("const e = window.explorer; return !!e && e.seq > 0 && e.shown === e.seq;"):
                        return
                    time.sleep(0.05)
                sys.exit("explore-screenshot: the page did not redraw")

            settle()
            for target, value in (("target-gs", -8), ("target-gu", 4)):
                driver.execute_script("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
                                      "s.dispatchEvent(new Event('input', {bubbles: true}));", target, value)
                settle()
            driver.save_screenshot(str(output))
        finally:
            driver.quit()
    finally:
        server.terminate()
        server.wait(timeout=10)
print(f"explore-screenshot: wrote {output}", file=sys.stderr)
