"""`ganglion explore` in a real browser: Debian's headless Chromium driven by selenium (both installed by
`bash scripts/setup.sh --test`). The page's features are checked against `ganglion simulate` and
`ganglion compensate` run on the same model; a screenshot is kept in .build/test-artifacts/explore.png."""

import json
import re
import select
import shutil
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: The settings of every update (Sources/GanglionExplore/ExploreSettings.swift), as `ganglion simulate` options.
SIMULATE = ["--duration", "4000", "--solver", "exp-euler", "--dt", "0.05", "--window", "1000:4000", "--json"]


def artifacts(repository: Path) -> Path:
    folder = repository / ".build" / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(executable, repository, tmp_path_factory):
    """The explorer serving a copy of stg-bursting.json in a folder of its own, on a free port."""
    folder = tmp_path_factory.mktemp("explore")
    model = folder / "stg-bursting.json"
    shutil.copy(repository / "models" / "stg" / "stg-bursting.json", model)
    process = subprocess.Popen([executable, "explore", str(model), "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([process.stdout], [], [], 30)
    line = process.stdout.readline() if ready else ""
    match = re.fullmatch(r"Ganglion explorer: (http://127\.0\.0\.1:(\d+)/)\n", line)
    assert match, f"first line on stdout: {line!r}"
    yield {"url": match.group(1), "folder": folder, "model": model}
    process.terminate()
    assert process.wait(timeout=10) is not None


@pytest.fixture(scope="module")
def page(server):
    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), "Debian's chromium and chromium-driver: bash scripts/setup.sh --test"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1500,1080"]:
        options.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.get(server["url"])
    settle(driver)
    yield driver
    driver.quit()


def settle(driver, timeout=20.0):
    """Waits until the page has drawn the answer to the last state it sent."""
    end = time.time() + timeout
    while time.time() < end:
        if driver.execute_script("const e = window.explorer; return !!e && e.seq > 0 && e.shown === e.seq;"):
            return
        time.sleep(0.02)
    raise AssertionError("the page did not redraw: " + str(driver.execute_script("return [window.explorer.seq, window.explorer.shown]")))


def feature(driver, name):
    value = driver.find_element(By.ID, name).get_attribute("data-value")
    return float(value) if value not in ("", None) else None


def trace_points(driver):
    return driver.find_element(By.ID, "trace-V").get_attribute("points")


def cli(executable, *arguments, cwd=None):
    done = subprocess.run([executable, *arguments], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def save_from_page(driver, name, button, awaited):
    """Types `name` as the file name, clicks the save `button` and returns the save message once it holds
    `awaited` (or after 10 s)."""
    driver.find_element(By.ID, "save-name").clear()
    driver.find_element(By.ID, "save-name").send_keys(name)
    driver.find_element(By.ID, button).click()
    message = driver.find_element(By.ID, "save-message")
    deadline = time.time() + 10
    while awaited not in message.text and time.time() < deadline:
        time.sleep(0.05)
    return message.text


def set_slider(driver, element_id, value):
    """Sets a range input and fires its `input` event, as a drag does."""
    driver.execute_script("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
                          "s.dispatchEvent(new Event('input', {bubbles: true}));", element_id, value)


def test_page_shows_the_model_as_ganglion_simulate_does(page, server, executable):
    expected = cli(executable, "simulate", str(server["model"]), *SIMULATE)
    assert page.find_element(By.ID, "f-pattern").text == expected["pattern"] == "bursting"
    assert feature(page, "f-period") == pytest.approx(expected["burst_period_ms"], rel=1e-12)
    assert feature(page, "f-spb") == expected["spikes_per_burst"]
    assert feature(page, "f-duty") == pytest.approx(expected["duty_cycle"], rel=1e-12)
    assert feature(page, "f-frequency") == pytest.approx(expected["frequency_hz"], rel=1e-12)
    dics = cli(executable, "dics", str(server["model"]), "--json")
    assert feature(page, "f-threshold") == pytest.approx(dics["threshold"]["V"], rel=1e-12)
    assert len(page.find_element(By.ID, "dic-gs").get_attribute("points").split()) == 201


def test_blocking_h_changes_the_burst_period_as_simulate_says(page, server, executable):
    before = feature(page, "f-period")
    page.find_element(By.ID, "block-H").click()
    settle(page)
    expected = cli(executable, "simulate", str(server["model"]), *SIMULATE, "--event", "0:block:H")
    assert feature(page, "f-period") == pytest.approx(expected["burst_period_ms"], rel=1e-12)
    assert feature(page, "f-period") != pytest.approx(before, rel=1e-3)
    page.find_element(By.ID, "block-H").click()
    settle(page)
    assert feature(page, "f-period") == pytest.approx(before, rel=1e-12)


def test_a_conductance_slider_redraws_the_trace_and_a_saved_model_simulates_the_same(page, server, executable):
    before = trace_points(page)
    slider = page.find_element(By.ID, "g-Kd")
    slider.send_keys(Keys.PAGE_DOWN)    # one tenth of the slider's four decades
    settle(page)
    after = trace_points(page)
    assert after != before
    kd = page.execute_script("return window.explorer.state.conductances.Kd")
    assert kd < 137 * 0.9
    # The page's model saved in the model's folder, then simulated by the command line.
    message = save_from_page(page, "kd-lower", "save-model", "saved")
    assert message.startswith("saved kd-lower.json"), message
    saved = json.loads((server["folder"] / "kd-lower.json").read_text())
    assert saved["conductances"]["Kd"] == kd
    expected = cli(executable, "simulate", str(server["folder"] / "kd-lower.json"), *SIMULATE)
    assert page.find_element(By.ID, "f-pattern").text == expected["pattern"]
    assert feature(page, "f-frequency") == pytest.approx(expected["frequency_hz"], rel=1e-12)
    # Back to the model's value.
    slider.send_keys(Keys.PAGE_UP)
    settle(page)


def test_dic_targets_solve_for_the_modulated_pair_as_compensate_does(page, server, executable):
    gu = float(page.find_element(By.ID, "target-gu").get_attribute("value"))
    set_slider(page, "target-gs", -8)
    settle(page)
    result = page.execute_script("return window.explorer.last")
    expected = cli(executable, "compensate", str(server["model"]), "--unknowns", "CaS,A", "--target", f"gs=-8,gu={gu!r}", "--json")
    for name in ("CaS", "A"):
        assert result["compensation"]["solved"][name] == pytest.approx(expected["solved"][name], rel=1e-9)
        assert result["conductances"][name] == pytest.approx(expected["solved"][name], rel=1e-9)
    # The sliders follow the solve.
    cas = 10 ** float(page.find_element(By.ID, "g-CaS").get_attribute("value"))
    assert cas == pytest.approx(expected["solved"]["CaS"], rel=1e-2)


def test_the_latest_state_wins(page):
    """30 slider positions sent at once: the waiting ones are dropped, the last is computed and drawn."""
    settle(page)
    before = page.execute_script("return window.explorer.answers")
    page.execute_script("const s = document.getElementById('g-A'), v = +s.value;"
                        "for (let k = 1; k <= 30; k++) { s.value = v + 0.01 * k; s.dispatchEvent(new Event('input')); }")
    settle(page)
    answered = page.execute_script("return window.explorer.answers") - before
    assert 1 <= answered < 15, answered
    last = page.execute_script("return window.explorer.last")
    assert last["seq"] == page.execute_script("return window.explorer.seq")
    assert last["conductances"]["A"] == pytest.approx(page.execute_script("return window.explorer.state.conductances.A"), rel=1e-12)
    page.execute_script("const s = document.getElementById('g-A'); s.value = Math.log10(70); s.dispatchEvent(new Event('input'));")
    settle(page)


def test_a_bad_request_shows_a_clear_error(page, server):
    page.execute_script("window.explorer.sendRaw(JSON.stringify({model: 'stg-bursting', conductances: {Nav: 1}, seq: 99999}))")
    error = page.find_element(By.ID, "error")
    deadline = time.time() + 10
    while not error.is_displayed() and time.time() < deadline:
        time.sleep(0.05)
    assert error.is_displayed()
    assert "unknown conductance 'Nav'" in error.text and "Na, CaT" in error.text
    # A file name that leaves the folder, typed in the page.
    message = save_from_page(page, "../escape", "save-trace", "not saved")
    assert message.startswith("not saved (HTTP 400)") and "'../escape'" in message
    assert not (server["folder"].parent / "escape.csv").exists()


def post(url, body):
    return post_raw(url, json.dumps(body).encode())


@pytest.mark.parametrize("kind", ["model", "trace"])
def test_the_save_routes_refuse_paths_and_links(server, kind, tmp_path):
    url = server["url"] + "api/save/" + kind
    state = {"model": "stg-bursting"}
    outside = tmp_path / "outside.json"
    outside.write_text("keep")
    link = server["folder"] / f"link-{kind}.{'json' if kind == 'model' else 'csv'}"
    if not link.is_symlink():
        link.symlink_to(outside)
    for name in ["../x", "../../x", "/tmp/x", str(tmp_path / "x"), "a/b", ".hidden", ".."]:
        status, answer = post(url, {"name": name, "state": state})
        assert status == 400, (name, answer)
        assert "file name" in answer["error"]
    for overwrite in (False, True):
        status, answer = post(url, {"name": link.name, "overwrite": overwrite, "state": state})
        assert status == 400 and "symbolic link" in answer["error"]
    assert outside.read_text() == "keep"
    status, answer = post(url, {"name": "ok", "state": {"model": "stg-bursting", "conductances": {"H": -1}}})
    assert status == 400 and "must be finite and ≥ 0" in answer["error"]
    status, answer = post(url, {"name": "ok", "state": state, "path": "/etc/passwd"})
    assert status == 400 and "unknown field 'path'" in answer["error"]
    status, answer = post_raw(url, b"{not json")
    assert status == 400 and "not valid JSON" in answer["error"]
    # Saving twice: the second needs overwrite.
    name = f"twice-{kind}"
    assert post(url, {"name": name, "state": state})[0] == 200
    status, answer = post(url, {"name": name, "state": state})
    assert status == 409 and "overwrite" in answer["error"]
    assert post(url, {"name": name, "state": state, "overwrite": True})[0] == 200
    if kind == "model":
        # The explorer's own model file is its input: never replaced, even with overwrite.
        before = server["model"].read_text()
        status, answer = post(url, {"name": "stg-bursting.json", "state": state, "overwrite": True})
        assert status == 422 and "input" in answer["error"]
        assert server["model"].read_text() == before


def test_other_sites_are_refused(server):
    """A page on another site cannot save or compute (Origin), nor can a name resolved to 127.0.0.1 (Host)."""
    body = json.dumps({"name": "from-elsewhere", "state": {"model": "stg-bursting"}}).encode()
    url = server["url"] + "api/save/model"
    for headers in ({"Origin": "http://evil.example"}, {"Host": "evil.example:" + url.split(":")[2].split("/")[0]}):
        status, answer = post_raw(url, body, headers)
        assert status == 403, (headers, answer)
        assert "refused" in answer["error"] or "loopback" in answer["error"]
    assert not (server["folder"] / "from-elsewhere.json").exists()
    # The page's own origin is accepted.
    status, _ = post_raw(url, body, {"Origin": server["url"].rstrip("/")})
    assert status == 200 and (server["folder"] / "from-elsewhere.json").exists()


def post_raw(url, data, headers=None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_latency_and_screenshot(page, repository):
    """Slider-to-redraw latency over 15 moves on stg-bursting and on stg-spiking (medians printed and kept in
    .build/test-artifacts/explore-latency.json), then the screenshot."""
    medians = {}
    for model in ["stg-spiking", "stg-bursting"]:
        page.execute_script("const s = document.getElementById('model-select'); s.value = arguments[0];"
                            "s.dispatchEvent(new Event('change'));", model)
        deadline = time.time() + 10
        while page.execute_script("return window.explorer.last && window.explorer.last.model") != model and time.time() < deadline:
            time.sleep(0.05)
        settle(page)
        page.execute_script("window.explorer.latencies = []; window.explorer.computes = [];")
        base = float(page.find_element(By.ID, "g-Na").get_attribute("value"))
        for k in range(15):
            set_slider(page, "g-Na", base + 0.004 * (k + 1))
            settle(page)
        latencies, computes = page.execute_script("return [window.explorer.latencies, window.explorer.computes]")
        assert len(latencies) == 15
        medians[model] = {"redraw_ms": statistics.median(latencies), "compute_ms": statistics.median(computes)}
        set_slider(page, "g-Na", base)
        settle(page)
    print("explore latency medians:", medians)
    folder = artifacts(repository)
    (folder / "explore-latency.json").write_text(json.dumps(medians, indent=2))
    page.execute_script("const s = document.getElementById('model-select'); s.value = 'stg-bursting'; s.dispatchEvent(new Event('change'));")
    time.sleep(0.3)
    settle(page)
    assert page.save_screenshot(str(folder / "explore.png"))
    assert (folder / "explore.png").stat().st_size > 10000
