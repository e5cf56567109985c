"""Work shared out over the cores (cores.py), by forked children or fork-server workers, gives what
one process gives, in the same order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.cores import TimeLimitExceeded, Workers, WorkerStopped, cores, ordered_map, start_fork_server, time_limit
from alertcast.pipeline import build, render_outputs
from alertcast.plan import Plan
from alertcast.render.knowledge import render_kb_files
from alertcast.render.site_engine import WORKER_PRELOAD

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from corpus import START, write_alerts  # noqa: E402


def _doubled_where(item: int) -> tuple[int, int]:
    return item * 2, os.getpid()


def _alone(check: str, *args: str) -> None:
    """Run `check` (a function of this module) in a fresh interpreter: ordered_map never forks a
    process with other threads, and this one may hold threads other tests started."""
    code = f"import sys, test_parallel; test_parallel.{check}(*sys.argv[1:])"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "tests"), str(REPO / "src")]))
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_results_come_back_in_order_from_every_process():
    _alone("_in_order_from_every_process")


def _in_order_from_every_process() -> None:
    items = list(range(40))
    done = ordered_map(_doubled_where, items, processes=3, least=10)
    assert [value for value, _pid in done] == [item * 2 for item in items]
    pids = {pid for _value, pid in done}
    assert os.getpid() in pids and len(pids) == 3
    assert [pid for _value, pid in done[:3]] == [os.getpid(), *sorted(pids - {os.getpid()}, key=[p for _, p in done].index)]


def test_too_few_items_stay_in_this_process():
    done = ordered_map(_doubled_where, list(range(10)), processes=4, least=10)
    assert {pid for _value, pid in done} == {os.getpid()}


def test_a_process_with_other_threads_is_not_forked():
    _alone("_not_forked_with_other_threads")


def _not_forked_with_other_threads() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        done = ordered_map(_doubled_where, list(range(40)), processes=2, least=10)
    finally:
        stop.set()
        other.join()
    assert {pid for _value, pid in done} == {os.getpid()}
    assert len({pid for _value, pid in ordered_map(_doubled_where, list(range(40)), processes=2, least=10)}) == 2


def test_a_child_that_dies_has_its_share_done_here():
    parent = os.getpid()

    def work(item: int) -> tuple[int, int]:
        if os.getpid() != parent:
            os._exit(3)  # killed, out of memory: no result comes back
        return item, os.getpid()

    assert ordered_map(work, list(range(20)), processes=2, least=5) == [(item, parent) for item in range(20)]


def test_an_error_is_raised_here_as_without_processes():
    def work(item: int) -> int:
        if item == 7:  # in the child's share (odd items)
            raise ValueError("item 7 is bad")
        return item

    with pytest.raises(ValueError, match="item 7 is bad"):
        ordered_map(work, list(range(20)), processes=2, least=5)


def test_cores_counts_what_this_process_may_use():
    assert 1 <= cores() <= (os.cpu_count() or 1)


@pytest.fixture
def many_alerts(project: Path) -> Path:
    write_alerts(project / "content", 160)  # 320 files: check shares them out on two cores
    return project


def test_check_reports_the_problems_of_every_share_in_file_order(cli, many_alerts):
    broken = [f"alert-{i:04d}.{lang}.md" for i in (40, 41, 150) for lang in ("en", "zh")]
    expected = []
    for name in sorted(broken):
        path = many_alerts / "content" / "alerts" / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text + "\nSee [the guide](../guides/no-such-guide.md).\n", encoding="utf-8")
        line = text.count("\n") + 2
        expected.append(f"content/alerts/{name}:{line}:17: error: broken link: ../guides/no-such-guide.md "
                        "does not exist (link to another page by its file, e.g. ../guides/backup-recovery-phrase.md)")
    result = cli("check", "-p", many_alerts)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == expected
    assert result.stderr.strip() == "6 error(s), 0 warning(s)"


def test_knowledge_base_is_the_same_from_two_processes(many_alerts):
    config = load_config(many_alerts)
    plan = Plan.at(load_or_raise(config), START.replace(year=START.year + 1))
    assert len(plan.published) > 150
    assert render_kb_files(plan, config, processes=2) == render_kb_files(plan, config, processes=1)
    assert render_outputs(plan, config)["api/v1/kb/en.jsonl"] == render_kb_files(plan, config)["api/v1/kb/en.jsonl"]


def test_check_refuses_a_slow_page_and_a_deep_one_in_either_share(cli, many_alerts):
    """The CPU budget and the stack limit hold in every process (neighbouring files are in
    different shares)."""
    bodies = {"en": "`" * 200_000, "zh": "**a " * 3000 + "b" + " a**" * 3000}
    expected = []
    for lang, body in bodies.items():
        path = many_alerts / "content" / "alerts" / f"alert-0100.{lang}.md"
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n"
        path.write_text(head + body + "\n", encoding="utf-8")
        expected.append(f"content/alerts/alert-0100.{lang}.md:{head.count(chr(10)) + 1}:1: error: ")
    result = cli("check", "-p", many_alerts)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        expected[0] + "this page takes over 2 s of CPU to check and render: its Markdown has a shape that is slow "
        "to read (thousands of unclosed `[`, `[a](`, backticks, `>`, or elements nested thousands deep) (write it "
        "as ordinary text, or split it into smaller pages)",
        expected[1] + "the page's Markdown is nested too deeply to render (lists, quotes, emphasis or HTML inside "
        "each other) (nest fewer levels)"]


def test_check_loads_the_highlighter_and_the_search_parser_once(bundled):
    """Loaded before the pages are shared out, not again in each process (-X importtime lists
    every import of every process)."""
    write_alerts(bundled / "content", 160)  # with the bundled settings, which highlight code
    for lang in ("en", "zh"):  # neighbouring files: one in each share
        path = bundled / "content" / "alerts" / f"alert-0050.{lang}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n```python\nprint('scam')\n```\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "alertcast", "check", "-p", str(bundled)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    names = [line.split("|")[2].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and line.count("|") == 2]
    assert {name: names.count(name) for name in ("pygments.lexer", "material.plugins.search.plugin", "jieba")} == {
        "pygments.lexer": 1, "material.plugins.search.plugin": 1, "jieba": 1}


def test_a_build_renders_each_language_s_knowledge_base_in_its_own_process(many_alerts, tmp_path):
    if cores() < 2:
        pytest.skip("one core: nothing to share out")
    _alone("_knowledge_base_per_process", str(many_alerts), str(tmp_path))


def _knowledge_base_per_process(project: str, out: str) -> None:
    config, tmp_path = load_config(Path(project)), Path(out)
    read, write = os.pipe()
    listening = [True]
    os.register_at_fork(after_in_child=lambda: listening[0] and os.write(write, b"."))  # one byte per fork
    try:
        result = build(config, START.replace(year=START.year + 1), tmp_path / "out", with_site=False,
                       signing_key=None)
    finally:
        listening[0] = False
        os.close(write)
    forks = os.read(read, 100)
    os.close(read)
    assert len(result.plan.published) > 150
    assert forks == b"."
    assert (tmp_path / "out" / "api/v1/kb/en.jsonl").read_bytes() == render_kb_files(
        result.plan, config, processes=1)["api/v1/kb/en.jsonl"]


def _jieba_loaded() -> bool:
    jieba = sys.modules.get("jieba")
    return jieba is not None and bool(jieba.dt.initialized) and "material.plugins.search.plugin" in sys.modules


def _fail(message: str) -> None:
    raise ValueError(message)


def test_workers_come_from_the_fork_server_and_raise_a_call_s_error_as_it_was():
    assert start_fork_server(WORKER_PRELOAD)
    with Workers(2) as workers:
        pids = [workers.submit(os.getpid) for _ in range(2)]
        failed = workers.submit(_fail, "call 3 is bad")
        assert os.getpid() not in {Workers.result(pid) for pid in pids}
        with pytest.raises(ValueError, match="call 3 is bad"):
            Workers.result(failed)


def test_a_worker_that_dies_is_worker_stopped():
    assert start_fork_server(WORKER_PRELOAD)
    with Workers(1) as workers:
        with pytest.raises(WorkerStopped):
            Workers.result(workers.submit(os._exit, 3))


def test_site_workers_start_with_jieba_s_dictionary_loaded():
    """Loaded once by the fork server (with Material's search), not again by each language's
    worker (0.6 s of CPU each; the daemon's workers at each publish)."""
    assert start_fork_server(WORKER_PRELOAD)
    with Workers(1) as workers:
        assert Workers.result(workers.submit(_jieba_loaded))


def _wait_for(path: str) -> str:
    while not os.path.exists(path):
        time.sleep(0.05)
    return path


def test_the_results_of_workers_end_at_the_first_error_without_waiting_for_the_calls_before_it(tmp_path):
    """When a worker dies, a call whose worker was starting meanwhile may never end: the first
    error is raised at once, not after the calls before it in order."""
    assert start_fork_server(WORKER_PRELOAD)
    released = tmp_path / "released"
    with Workers(2) as workers:
        calls = [workers.submit(_wait_for, str(released)), workers.submit(_fail, "the second call fails")]
        raised: list[BaseException] = []
        waiting = threading.Thread(target=lambda: raised.append(pytest.raises(ValueError, Workers.results, calls).value))
        waiting.start()
        waiting.join(timeout=120)  # far beyond a worker's start; without the change: until released
        ended = not waiting.is_alive()
        released.touch()
        waiting.join()
    assert ended, "results waited for the first call, which had not ended"
    assert [str(error) for error in raised] == ["the second call fails"]


def _stuck(pid_file: str) -> None:
    """A call that no signal of its time limit can stop (it blocks them), and never ends."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    Path(pid_file).write_text(str(os.getpid()))
    threading.Event().wait()


def test_a_worker_stuck_past_its_time_limit_is_killed_and_its_results_say_so(tmp_path):
    """A worker that its own time limit cannot stop is stopped from outside: `results` raises
    TimeLimitExceeded when its timeout ends, `stop` kills the worker and the workers close."""
    assert start_fork_server(WORKER_PRELOAD)
    pid_file = tmp_path / "pid"
    with Workers(1) as workers:
        call = workers.submit(_stuck, str(pid_file))
        _wait_for(str(pid_file))
        with pytest.raises(TimeLimitExceeded):
            workers.results([call], timeout=0.2)
        workers.stop()
    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"


def test_a_time_limit_stops_the_code_in_it_even_where_it_catches_the_first_stop():
    stops = 0
    with pytest.raises(TimeLimitExceeded):
        with time_limit(0.05):
            while True:
                try:
                    threading.Event().wait(1)
                except TimeLimitExceeded:
                    stops += 1
                    if stops == 1:
                        continue
                    raise
    assert stops == 2
