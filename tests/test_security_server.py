"""The local server answers only its own page, and every unit of work is stopped by killing it.

Cross-site (text/plain), rebinding (foreign Host) and foreign-Origin POSTs are refused in process;
a problem over its time budget ends in one line and leaves no worker behind (CLI and server);
a live ``nnsteps serve`` with 4 spinning checks and 4 heavy solves in flight still answers a cheap
solve, kills the work of clients that hang up, and stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nnsteps import budget, jobs
from nnsteps.errors import NnstepsError
from nnsteps.web.app import allowed_hosts, create_app

ROOT = Path(__file__).resolve().parents[1]
CHEAP = {"id": "cheap", "kind": "conv2d", "input": "1 2 3; 4 5 6; 7 8 9", "kernel": "1 0; 0 1"}


def heavy_problem(pid: str = "heavy") -> dict[str, object]:
    """A conv that is legal under the exact-work limit but takes about a second: 3.6M multiply-accumulates of
    5-digit decimals (exact fractions; 7 digits would be refused by the work limit before any time passed)."""
    x = [" ".join(f"0.{(i * 200 + j) * 7919 % 99991:05d}" for j in range(200)) for i in range(200)]
    k = [" ".join(f"0.{(i * 10 + j) * 104729 % 99991:05d}" for j in range(10)) for i in range(10)]
    return {"id": pid, "kind": "conv2d", "input": "; ".join(x), "kernel": "; ".join(k)}


def _post(app, path, *, content: bytes, headers: dict[str, str], base: str = "http://127.0.0.1:8000"):
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as client:
            return await client.post(path, content=content, headers=headers)

    return asyncio.run(go())


@pytest.fixture(scope="module")
def guarded():
    return create_app(hosts=allowed_hosts("127.0.0.1"))


BODY = json.dumps(CHEAP).encode()


def test_a_cross_site_text_plain_post_is_415(guarded):
    r = _post(guarded, "/api/solve", content=BODY, headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert "application/json" in r.json()["error"]
    assert not any(h.startswith("access-control-") for h in r.headers)


def test_a_form_post_is_415(guarded):
    r = _post(guarded, "/api/check", content=b"problems=x&answers=y",
              headers={"content-type": "application/x-www-form-urlencoded", "origin": "http://evil.example"})
    assert r.status_code == 415


def test_a_rebinding_host_is_400_even_for_a_get(guarded):
    r = _post(guarded, "/api/solve", content=BODY, headers={"content-type": "application/json"},
              base="http://evil.example:8000")
    assert r.status_code == 400

    async def get():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded),
                                     base_url="http://attacker.example:8000") as client:
            return await client.get("/api/examples")

    r = asyncio.run(get())
    assert r.status_code == 400
    assert "attacker.example" in r.json()["error"] and "--allow-host" in r.json()["error"]


def test_a_foreign_origin_is_403_and_same_origin_or_none_is_served(guarded):
    json_type = {"content-type": "application/json"}
    r = _post(guarded, "/api/solve", content=BODY, headers={**json_type, "origin": "http://evil.example"})
    assert r.status_code == 403 and "another site" in r.json()["error"]
    r = _post(guarded, "/api/solve", content=BODY, headers={**json_type, "origin": "null"})
    assert r.status_code == 403
    r = _post(guarded, "/api/solve", content=BODY, headers={**json_type, "origin": "http://127.0.0.1:9999"})
    assert r.status_code == 403  # another port is another origin
    for headers in ({**json_type, "origin": "http://127.0.0.1:8000"}, json_type,
                    {"content-type": "application/json; charset=utf-8"}):
        r = _post(guarded, "/api/solve", content=BODY, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["answer"] == [[6, 8], [12, 14]]
        assert not any(h.startswith("access-control-") for h in r.headers)
        assert "default-src 'self'" in r.headers["content-security-policy"]


def test_loopback_names_and_allowed_hosts_are_served():
    app = create_app(hosts=allowed_hosts("127.0.0.1", ["mybox.local"]))
    for base in ("http://localhost:8000", "http://[::1]:8000", "http://mybox.local:8000", "http://127.0.0.1"):
        r = _post(app, "/api/solve", content=BODY, headers={"content-type": "application/json"}, base=base)
        assert r.status_code == 200, (base, r.text)


def _gone(pid: int) -> bool:
    """True when the process no longer exists (or is a zombie about to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_a_problem_over_its_budget_stops_with_one_line_and_no_worker_left():
    text = json.dumps({"problems": [CHEAP, heavy_problem("q3")]})
    with pytest.raises(NnstepsError) as info:
        jobs.solve("<input>", "json", budget.Budget(0.2), text=text)
    assert str(info.value) == "problem q3: stopped after 0.2 s (time limit; --time-limit to change)"
    assert info.value.problem == "q3"
    assert _workers(os.getpid()) == []  # killed and reaped
    assert budget.kill_all() == 0


def test_the_cli_prints_the_budget_line_and_exits_2(tmp_path):
    problems = tmp_path / "p.yaml"
    problems.write_text(json.dumps({"problems": [heavy_problem("q3")]}))
    done = subprocess.run([sys.executable, "-m", "nnsteps.cli", "solve", str(problems), "--time-limit", "0.2"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr == "error: problem q3: stopped after 0.2 s (time limit; --time-limit to change)\n"
    assert done.stdout == ""


def test_a_memory_bomb_is_one_line():
    with pytest.raises(NnstepsError, match=r"^the bomb: stopped: needs more than 0.5 GiB of memory \(memory limit\)$"):
        budget.run(bytearray, 2 * 1024**3, budget=budget.Budget(20, memory=512 * 1024**2), unit=budget.Unit("the bomb"))


def test_the_budget_keeps_errors_and_results_identical():
    worker = budget.Worker(budget.Budget(20))
    try:
        bad = "problems: [{id: q, kind: conv2d, input: '1 2; 3 4', kernel: '1 0; 0 1', stride: 0}]"
        with pytest.raises(NnstepsError) as here:
            jobs.solve_task("<input>", "json", bad)
        with pytest.raises(NnstepsError) as there:
            worker.call(jobs.solve_task, "<input>", "json", bad, unit=budget.Unit("x"))
        assert str(there.value) == str(here.value) and "stride" in str(here.value)
        assert (there.value.problem, there.value.field) == (here.value.problem, here.value.field) == ("q", "stride")
        assert worker.alive()  # a bad input is not a reason to kill the worker
        out = worker.call(jobs.solve_task, "<input>", "json", json.dumps({"problems": [CHEAP]}), unit=budget.Unit("x"))
    finally:
        worker.close()
    assert json.loads(out)["problems"][0]["answer"] == [[6, 8], [12, 14]]


def test_the_server_stops_a_request_over_its_budget():
    app = create_app(budget=budget.Budget(0.2))
    r = _post(app, "/api/solve", content=json.dumps(heavy_problem("q3")).encode(),
              headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"] == "problem q3: stopped after 0.2 s (time limit; --time-limit to change)"
    assert budget.kill_all() == 0


RNN_TANH = {"id": "rnn", "kind": "rnn", "x": [0.3, 0.4, 0.2], "h0": 0.5,
            "weights": {"w_in": 0.2, "w_hh": 0.2, "w_hy": 0.2}, "activation": "tanh", "target": 0.4,
            "learning_rate": 0.15}


def test_the_server_marks_a_bomb_answer_wrong_within_its_ceiling():
    answers = {"rnn": {"symbolic": {"h_L": "x_1^(1/10^290)", "y": "2^(1/10^290)"}}}
    r = _post(create_app(), "/api/check", content=json.dumps({"problems": [RNN_TANH], "answers": answers}).encode(),
              headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    cells = {c["where"]: (c["verdict"], c.get("note")) for c in r.json()["problems"][0]["cells"]}
    root = "too large to evaluate: a root of degree about 10^290 (an exponent's denominator), over the limit of 1,000"
    bombs = {where: cells.pop(where) for where in ("symbolic.h_L", "symbolic.y")}
    assert bombs == {"symbolic.h_L": ("wrong", f"{root} (column 4)"), "symbolic.y": ("wrong", f"{root} (column 2)")}
    assert {verdict for verdict, _ in cells.values()} == {"missing"}  # the cells not answered: no credit
    assert budget.kill_all() == 0


def _ask_for_more_time_then_sleep() -> None:
    budget.stage("the request", units=1000)  # as /api/check did: 2 × problems × the per-problem seconds
    time.sleep(600)


def test_a_request_never_outlasts_its_ceiling_whatever_it_asks_for():
    unit = budget.Unit("the request", ceiling=1.0)
    with pytest.raises(NnstepsError) as info:
        budget.run(_ask_for_more_time_then_sleep, budget=budget.Budget(0.5), unit=unit)
    assert str(info.value) == "the request: stopped after 1 s (the most one request may take)"
    assert budget.kill_all() == 0


def test_the_server_gives_every_request_the_one_ceiling_from_limits(monkeypatch):
    from nnsteps import limits

    seen = []
    real = budget.Worker.call_async

    async def spy(self, fn, *args, unit, **kwargs):
        seen.append(unit.ceiling)
        return await real(self, fn, *args, unit=unit, **kwargs)

    monkeypatch.setattr(budget.Worker, "call_async", spy)
    body = {"problems": [{"id": f"q{i}", "kind": "relu", "input": "1 -2"} for i in range(40)], "answers": {"q0": [1, 0]}}
    r = _post(create_app(), "/api/check", content=json.dumps(body).encode(), headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert seen == [limits.MAX_REQUEST_SECONDS] and limits.MAX_REQUEST_SECONDS == 60


# --- a live server --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _descendants(pid: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every live process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for child in children.get(parent, []):
            if not _gone(child):
                try:
                    cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except FileNotFoundError:
                    continue
                out.append((child, parent, cmd))
            todo.append(child)
    return out


def _workers(pid: int) -> list[int]:
    """Worker processes below ``pid``: the forkserver's children, and any other descendant that is
    neither the forkserver nor multiprocessing's resource tracker."""
    below = _descendants(pid)
    servers = {p for p, parent, cmd in below if parent == pid and ("forkserver" in cmd or "resource_tracker" in cmd)}
    return [p for p, parent, _ in below if p not in servers]


def _raw_post(port: int, path: str, payload: object) -> socket.socket:
    """Send a POST and leave its answer unread: a client that will hang up."""
    body = json.dumps(payload).encode()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return s


def test_a_live_server_stays_responsive_kills_abandoned_work_and_stops_on_sigterm():
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "nnsteps.cli", "serve", "--port", str(port), "--time-limit", "60"],
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    clients: list[socket.socket] = []
    t0 = time.monotonic()
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/examples", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
            time.sleep(0.2)
        assert httpx.get(base, headers={"host": "evil.example"}).status_code == 400  # rebinding, live
        httpx.post(f"{base}/api/solve", json=CHEAP, timeout=60)  # the forkserver has warmed up
        print(f"ready {time.monotonic() - t0:.1f} s after start")

        heavy = heavy_problem()
        for _ in range(4):
            clients.append(_raw_post(port, "/api/check", {"problems": {"problems": [heavy]}, "answers": {"heavy": 0}}))
            clients.append(_raw_post(port, "/api/solve", heavy))
        deadline = time.monotonic() + 30
        while len(_workers(server.pid)) < 8:
            assert time.monotonic() < deadline, "the heavy requests did not start"
            time.sleep(0.1)

        start = time.monotonic()
        r = httpx.post(f"{base}/api/solve", json=CHEAP, timeout=60)
        cheap_seconds = time.monotonic() - start
        assert r.status_code == 200 and r.json()["answer"] == [[6, 8], [12, 14]]
        assert len(_workers(server.pid)) >= 8, "the cheap solve must answer while the heavy work is in flight"
        print(f"cheap solve beside 8 heavy requests: {cheap_seconds:.2f} s")

        for c in clients:
            c.close()
        deadline = time.monotonic() + 20
        while _workers(server.pid):
            assert time.monotonic() < deadline, f"workers left 20 s after their clients hung up: {_workers(server.pid)}"
            time.sleep(0.2)

        print(f"idle {time.monotonic() - t0:.1f} s after start")
        clients = [_raw_post(port, "/api/solve", heavy)]  # in flight when the server is told to stop
        deadline = time.monotonic() + 30
        while not _workers(server.pid):
            assert time.monotonic() < deadline, "the heavy request did not start"
            time.sleep(0.1)
        left = _workers(server.pid)
        start = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        print(f"SIGTERM to exit with work in flight: {time.monotonic() - start:.2f} s")
        deadline = time.monotonic() + 5
        while not all(_gone(p) for p in left):
            assert time.monotonic() < deadline, "a worker outlived the server"
            time.sleep(0.1)
    finally:
        for c in clients:
            c.close()
        if server.poll() is None:
            server.kill()
            server.wait()


@pytest.mark.parametrize("body, where", [
    (b'{"id": "\\ud800", "kind": "relu", "input": "1 2"}', "field id: expected text in valid Unicode, got '\\ud800'"),
    (b'{"id": "q", "kind": "relu", "input": "1 2", "title": "a\\udfff"}', "field title: expected text in valid Unicode"),
    (b'{"id": "ln", "kind": "layer_norm", "input": [1e170, 0]}', "problem ln, field input: expected values whose"),
    (b'{"id": "bn", "kind": "batch_norm", "input": [[1e200], [0]]}', "problem bn, field input: expected values whose"),
    (b'{"id": "at", "kind": "attention", "x": "1e200 0; 0 1", "w_q": "1 0; 0 1", "w_k": "1 0; 0 1", '
     b'"w_v": "1 0; 0 1", "scale": true}', "problem at, field x: expected values whose"),
], ids=["surrogate-id", "surrogate-title", "layer-norm-1e170", "batch-norm-1e200", "attention-1e200"])
def test_lone_surrogates_and_results_past_float64_are_422_with_one_line(guarded, body: bytes, where: str):
    r = _post(guarded, "/api/solve", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert where in r.json()["error"] and "\n" not in r.json()["error"]


def test_a_check_with_a_surrogate_in_an_answer_is_422(guarded):
    body = json.dumps({"problems": [CHEAP], "answers": {"cheap": "1 2; 3 4"}}).replace("1 2; 3 4", "\\ud800")
    r = _post(guarded, "/api/check", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"] == "field answers.cheap: expected text in valid Unicode, got '\\ud800' (a lone surrogate)"


PARTIAL = {"problems": [{"id": "r", "kind": "relu", "input": "1 -2", "upstream": "3 4"}],
           "answers": {"r": {"output": [1, 0]}}}


@pytest.mark.parametrize("allow, score, feedback", [
    (None, 0.5, "2 of 4 entries not answered: grads.input[0], grads.input[1]."),
    (False, 0.5, "2 of 4 entries not answered: grads.input[0], grads.input[1]."),
    (True, 1.0, "All correct."),
], ids=["default", "false", "allow-missing"])
def test_a_check_leaving_out_an_asked_value_loses_it_unless_allow_missing(guarded, allow, score, feedback):
    body = {**PARTIAL, **({"allow_missing": allow} if allow is not None else {})}
    r = _post(guarded, "/api/check", content=json.dumps(body).encode(), headers={"content-type": "application/json"})
    assert r.status_code == 200
    problem = r.json()["problems"][0]
    assert (r.json()["score"], problem["likely_mistake"]) == (score, None)
    assert problem["feedback"].splitlines()[0] == feedback


def test_allow_missing_that_is_not_a_boolean_is_422(guarded):
    body = json.dumps({**PARTIAL, "allow_missing": "yes"}).encode()
    r = _post(guarded, "/api/check", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "field allow_missing: expected allow_missing true or false, got 'yes'"
