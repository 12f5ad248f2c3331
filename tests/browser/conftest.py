"""Fixtures of the browser tests: ``nnsteps serve``'s app on a free loopback port, Debian's Chromium
driven by Playwright, and a page that fails its test on a script error or a request to another origin.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest

CHROMIUM = os.environ.get("NNSTEPS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server():
    import uvicorn

    from nnsteps.web.app import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, server, width: int):
    context = browser.new_context(viewport={"width": width, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((server, "data:", "file:")) else None)
    return context, pg, errors, foreign


def _checked(browser, server, width: int):
    """A page that fails its test, at teardown, on a script error or a request to another origin."""
    context, pg, errors, foreign = _page(browser, server, width)
    yield pg
    context.close()
    assert errors == [], errors
    assert foreign == [], f"requests to another origin: {foreign}"


@pytest.fixture
def page(browser, server):
    yield from _checked(browser, server, 1400)


@pytest.fixture
def page1280(browser, server):
    """A laptop-sized page: 1280 px wide, the width every layout fact is asserted at."""
    yield from _checked(browser, server, 1280)


@pytest.fixture(scope="module")
def open_file(browser):
    """Opens a standalone page (report, handout): ``open_file(path) -> (page, requests)``."""
    return lambda path: _open_file(browser, path)


def _open_file(browser, path) -> tuple[object, list[str]]:
    """A standalone page (report, handout) opened from disk at 1280 px, its math font loaded; with the
    list of requests it made that left the file (it must make none: everything is embedded).

    ``fonts.ready`` alone can resolve before the math font has even been asked for: it is loaded by name.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.evaluate("""async () => { await document.fonts.load('16px "nnsteps STIX Math"'); await document.fonts.ready; }""")
    return page, requests
