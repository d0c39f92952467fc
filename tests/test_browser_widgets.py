"""Every explorer works in a real browser: JupyterLab, headless Chromium, selenium.

For each notebook with an explorer (01 masks, 02 receptive field, and the inpainting explorer of
the evaluation notebook 08, built here in a small notebook over the library's baselines, because
notebook 08 needs trained models), the test opens the notebook in JupyterLab, runs all cells, waits for the
kernel, checks that each explorer shows its picture from the start in exactly one output, moves
each kind of control it has (slider, dropdown, text box) and checks that the picture changed
(its ``src`` and its pixels) and that no "Error displaying widget", traceback or text repr of a
widget shows. A screenshot of every step is kept under the test's temporary folder.

It needs Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``) and
selenium (the ``test`` extra); without them it skips. The JupyterLab server it starts listens on
127.0.0.1 with a random token and is stopped at the end, with its kernels.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from inpaintlib.runtime import project_root

pytestmark = pytest.mark.slow

HOW_TO_GET_A_BROWSER = (
    "needs Chromium, its driver and selenium: apt-get install chromium chromium-driver; "
    "pip install -e '.[test]'"
)
#: Text that means a widget did not render: the manager's error, or a widget's Python repr.
BROKEN = ("Error displaying widget", "Error creating widget", "IntSlider(", "interactive(", "VBox(", "Explorer(",
          "Tab(children", "Traceback (most recent call last)")
INPAINTING_NOTEBOOK = """\
from inpaintlib import widgets
from inpaintlib.baselines import MeanColorInpainter, TeleaInpainter
from inpaintlib.data import sample_images

images = sample_images(3, size=64, seed=0)
widgets.inpainting_explorer(images, {"telea": TeleaInpainter(), "mean_color": MeanColorInpainter()})
"""


def _browser_paths() -> tuple[str, str] | None:
    browser = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(name)), None)
    driver = shutil.which("chromedriver") or next(
        (path for path in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(path)), None
    )
    return (browser, driver) if browser and driver else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_settings(folder: Path) -> None:
    """JupyterLab settings for the test: every cell in the page, no news pop-up."""
    settings = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                            "checkForUpdates": False},
    }
    for name, values in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 over copies of the notebooks; yields ``(url, token, root)``."""
    if _browser_paths() is None:
        pytest.skip(HOW_TO_GET_A_BROWSER)
    pytest.importorskip("selenium", reason=HOW_TO_GET_A_BROWSER)
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    root.mkdir()
    for name in ("01_masks.ipynb", "02_receptive_field.ipynb"):
        shutil.copy(project_root() / "notebooks" / name, root / name)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(INPAINTING_NOTEBOOK)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "08_inpainting_explorer.ipynb")
    _write_settings(base / "settings")
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        INPAINTLIB_QUICK="1",
    )
    port, token = _free_port(), secrets.token_hex(16)
    log = open(base / "jupyterlab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
         "--ServerApp.terminals_enabled=False", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start; see {base / 'jupyterlab.log'}")
            time.sleep(0.5)
        yield url, token, root
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1600", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must never download a driver or a browser
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """One notebook open in JupyterLab, with screenshots of each step."""

    def __init__(self, driver, folder: Path, name: str):
        self.driver, self.folder, self.name, self.step = driver, folder, name, 0

    def shot(self, what: str) -> Path:
        self.step += 1
        path = self.folder / f"{Path(self.name).stem}_{self.step:02d}_{what}.png"
        self.driver.save_screenshot(str(path))
        return path

    def wait(self, condition, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                path = self.shot(f"timeout_{what.replace(' ', '_')}")
                raise AssertionError(f"{self.name}: timed out after {timeout:.0f} s waiting for {what} (screenshot {path})")
            time.sleep(0.25)

    def script(self, source: str, *args):
        return self.driver.execute_script(source, *args)

    def kernel_idle(self) -> bool:
        """The kernel is idle and every code cell has run (two looks, half a second apart)."""
        check = """
            const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            if (!panel || !panel.sessionContext || !panel.content) return false;
            const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
            if (!kernel || kernel.status !== 'idle') return false;
            const cells = panel.content.widgets.filter(cell => cell.model.type === 'code');
            if (cells.some(cell => cell.model.executionCount === null)) return false;
            return !Array.from(panel.node.querySelectorAll('.jp-InputPrompt')).some(p => p.textContent.includes('*'));
        """
        if not self.script(check):
            return False
        time.sleep(0.5)
        return bool(self.script(check))

    def panel(self):
        """The notebook's panel (the page may hold other notebooks, hidden)."""
        return self.script("return window.jupyterapp.shell.currentWidget.node;")

    def output_text(self) -> str:
        return self.script(
            "return Array.from(arguments[0].querySelectorAll('.jp-OutputArea-output'))"
            ".map(o => o.innerText).join('\\n');", self.panel()
        )

    def assert_nothing_broken(self, when: str) -> None:
        text = self.output_text()
        found = [marker for marker in BROKEN if marker in text]
        if found:
            path = self.shot("broken")
            raise AssertionError(f"{self.name} {when}: the page shows {found} (screenshot {path})")

    def close(self) -> None:
        """Shut the notebook's kernel down and close the notebook without saving it."""
        closed = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const panel = window.jupyterapp.shell.currentWidget;
            panel.sessionContext.shutdown().then(() => 'shut down', error => String(error)).then(outcome => {
                panel.dispose();
                done(outcome);
            });
        """)
        assert closed == "shut down", f"{self.name}: the kernel did not shut down: {closed}"


def _open_and_run(driver, url: str, token: str, name: str, folder: Path) -> Page:
    page = Page(driver, folder, name)
    # a workspace of its own, reset: the page restores no notebook of an earlier test (nor its kernel)
    driver.get(f"{url}/lab/workspaces/{Path(name).stem}/tree/{name}?token={token}&reset")
    page.wait(lambda: page.script(
        "const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        "return !!(p && p.sessionContext && p.sessionContext.session && p.sessionContext.session.kernel"
        " && p.sessionContext.session.kernel.status === 'idle' && p.context && p.context.isReady);"
    ), 120, "the notebook and its kernel")
    page.shot("opened")
    page.script("return window.jupyterapp.commands.execute('notebook:run-all-cells');")
    page.wait(page.kernel_idle, 300, "all cells to run")
    page.shot("ran_all_cells")
    page.assert_nothing_broken("after Run All")
    return page


@contextlib.contextmanager
def _notebook(lab, driver, name: str, folder: Path):
    """Open ``name``, run all cells, yield the page; shut its kernel down at the end."""
    url, token, _ = lab
    page = _open_and_run(driver, url, token, name, folder)
    try:
        yield page
    finally:
        page.close()


def _explorers(page: Page) -> list:
    """The explorers on the page: the parents of the widget pictures, in page order."""
    from selenium.webdriver.common.by import By

    pictures = page.wait(lambda: page.panel().find_elements(By.CSS_SELECTOR, "img.widget-image"), 60, "an explorer picture")
    return [picture.find_element(By.XPATH, "..") for picture in pictures]


def _picture(explorer):
    from selenium.webdriver.common.by import By

    return explorer.find_element(By.CSS_SELECTOR, ":scope > img.widget-image")


def _look(page: Page, explorer) -> tuple[str, bytes]:
    picture = _picture(explorer)
    page.script("arguments[0].scrollIntoView({block: 'center'});", picture)
    page.wait(lambda: page.script("return arguments[0].complete && arguments[0].naturalWidth > 0;", picture),
              30, "the picture to load")
    return picture.get_attribute("src"), picture.screenshot_as_png


def _assert_shown_once(page: Page, explorer) -> None:
    """The explorer's output cell holds the explorer and nothing else: no stale figures below it."""
    count = page.script(
        "const area = arguments[0].closest('.jp-OutputArea');"
        "return area ? area.querySelectorAll(':scope > .jp-OutputArea-child').length : -1;", explorer)
    assert count == 1, f"{page.name}: the explorer's cell shows {count} outputs, expected the explorer alone"


def _move(page: Page, explorer, kind: str, index: int = 0) -> str:
    """Move one control of ``kind`` ('slider', 'dropdown' or 'text'); return what was done."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    if kind == "slider":
        control = explorer.find_elements(By.CSS_SELECTOR, ":scope > .widget-slider")[index]
        readout = control.find_element(By.CSS_SELECTOR, ".widget-readout")
        before = readout.text
        handle = control.find_element(By.CSS_SELECTOR, ".noUi-handle")
        page.script("arguments[0].scrollIntoView({block: 'center'});", handle)
        track = control.find_element(By.CSS_SELECTOR, ".noUi-target").size["width"]
        offset = -int(track * 0.3) if handle.location["x"] > control.find_element(
            By.CSS_SELECTOR, ".noUi-target").location["x"] + track / 2 else int(track * 0.3)
        ActionChains(page.driver).click_and_hold(handle).move_by_offset(offset, 0).release().perform()
        page.wait(lambda: readout.text != before, 10, "the slider to move")
        return f"slider {control.text.split(chr(10))[0]!r}: {before} -> {readout.text}"
    if kind == "dropdown":
        element = explorer.find_elements(By.CSS_SELECTOR, ":scope > .widget-dropdown select")[index]
        page.script("arguments[0].scrollIntoView({block: 'center'});", element)
        select = Select(element)
        current = [option.text for option in select.options].index(select.first_selected_option.text)
        select.select_by_index((current + 1) % len(select.options))
        return f"dropdown: {select.options[current].text!r} -> {select.first_selected_option.text!r}"
    if kind == "text":
        box = explorer.find_elements(By.CSS_SELECTOR, ":scope > .widget-text input")[index]
        page.script("arguments[0].scrollIntoView({block: 'center'});", box)
        before = box.get_attribute("value")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(str(int(before) + 17), Keys.ENTER)
        return f"text box: {before} -> {box.get_attribute('value')}"
    raise ValueError(kind)


def _count_redraws(page: Page, explorer) -> None:
    """Count from now on how often the explorer's picture is replaced (its ``src`` changes)."""
    page.script("""
        const picture = arguments[0];
        picture.dataset.redraws = '0';
        if (picture._redrawWatch) picture._redrawWatch.disconnect();
        picture._redrawWatch = new MutationObserver(() => {
            picture.dataset.redraws = String(Number(picture.dataset.redraws) + 1);
        });
        picture._redrawWatch.observe(picture, {attributes: true, attributeFilter: ['src']});
    """, _picture(explorer))


def _check_control(page: Page, explorer, kind: str, index: int = 0) -> None:
    """Move one control; the picture must change, exactly once, and nothing may show broken."""
    src, pixels = _look(page, explorer)
    _count_redraws(page, explorer)
    done = _move(page, explorer, kind, index)
    page.wait(lambda: _picture(explorer).get_attribute("src") != src, 60, f"the picture to change after {done}")
    page.wait(page.kernel_idle, 60, "the kernel after the change")
    time.sleep(0.5)
    new_src, new_pixels = _look(page, explorer)
    page.shot(f"{kind}{index}")
    assert new_pixels != pixels, f"{page.name}: {done} changed the picture's src but not what it shows"
    redraws = int(_picture(explorer).get_attribute("data-redraws"))
    assert redraws == 1, f"{page.name}: {done} redrew the picture {redraws} times, expected once"
    page.assert_nothing_broken(f"after {done}")


def test_mask_explorers_in_tabs(lab, browser, tmp_path):
    from selenium.webdriver.common.by import By

    with _notebook(lab, browser, "01_masks.ipynb", tmp_path) as page:
        explorers = _explorers(page)
        assert len(explorers) == 3, f"expected one explorer per mask family, found {len(explorers)}"
        _assert_shown_once(page, explorers[0])
        tabs = page.panel().find_elements(By.CSS_SELECTOR, ".widget-tab .lm-TabBar-tab")
        assert [tab.text for tab in tabs] == ["center", "blocks", "free_form"]
        for tab, explorer in zip(tabs, explorers):
            page.script("arguments[0].scrollIntoView({block: 'center'});", tab)
            tab.click()
            page.wait(lambda: _picture(explorer).is_displayed(), 10, f"the {tab.text} tab")
            page.shot(f"tab_{tab.text}")
            assert _picture(explorer).size["width"] > 100, f"the {tab.text} tab shows no preview from the start"
            _check_control(page, explorer, "slider", 0)
            _check_control(page, explorer, "slider", 1)
            if tab.text != "center":
                _check_control(page, explorer, "text")


def test_receptive_field_explorer(lab, browser, tmp_path):
    with _notebook(lab, browser, "02_receptive_field.ipynb", tmp_path) as page:
        (explorer,) = _explorers(page)
        _assert_shown_once(page, explorer)
        _check_control(page, explorer, "slider", 0)  # row
        _check_control(page, explorer, "slider", 1)  # col


def test_inpainting_explorer(lab, browser, tmp_path):
    with _notebook(lab, browser, "08_inpainting_explorer.ipynb", tmp_path) as page:
        (explorer,) = _explorers(page)
        _assert_shown_once(page, explorer)
        _check_control(page, explorer, "dropdown", 0)  # image
        _check_control(page, explorer, "dropdown", 2)  # kind: resets size and count in the same redraw
        _check_control(page, explorer, "slider", 0)  # size
        _check_control(page, explorer, "text")  # seed
        assert "PSNR hole (dB)" in explorer.text
