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


@pytest.fixture
def page(browser, server):
    context, pg, errors, foreign = _page(browser, server, 1400)
    yield pg
    context.close()
    assert errors == [], errors
    assert foreign == [], f"requests to another origin: {foreign}"


@pytest.fixture
def page1280(browser, server):
    """A laptop-sized page: 1280 px wide, the width every layout fact is asserted at."""
    context, pg, errors, foreign = _page(browser, server, 1280)
    yield pg
    context.close()
    assert errors == [], errors
    assert foreign == [], f"requests to another origin: {foreign}"
