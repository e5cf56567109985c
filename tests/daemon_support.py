"""Helpers for daemon tests: a content repository with a bare 'origin', and collaborators that
record what the daemon asked for.

`collaborators()` wraps the real publish pipeline, outbox and dispatcher when they are importable
and otherwise stands in with recording ones that build a plan and write it to a file; either way,
every call is recorded with its `now` and the plan's live ids, so timing assertions hold for both.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "project"


#: Commits in tests must not depend on the machine's git identity.
IDENTITY = ["-c", "user.name=Alertcast Tests", "-c", "user.email=tests@alertcast.invalid"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *IDENTITY, "-C", str(cwd), *args], check=True, capture_output=True,
                          text=True).stdout


@dataclass
class Repo:
    origin: Path
    editor: Path
    root: Path

    def clone(self, name: str) -> Path:
        target = self.root / name
        subprocess.run(["git", "clone", "--quiet", str(self.origin), str(target)], check=True)
        return target

    def commit_alert(self, alert_id: str, publish_at: datetime, expires_at: datetime | None = None,
                     channels: str = "[banner, telegram]", push: bool = True,
                     updated_at: datetime | None = None) -> None:
        for lang in ("zh", "en"):
            lines = ["---", f'title: "Flash scam {lang}"', 'summary: "A scam that needs a warning now."',
                     "severity: critical", "category: phishing", f"publish_at: {publish_at.isoformat()}"]
            if expires_at:
                lines.append(f"expires_at: {expires_at.isoformat()}")
            if updated_at:
                lines += [f"updated_at: {updated_at.isoformat()}", f'update_note: "New domains {lang}."']
            lines += [f"channels: {channels}", "---", "", "Do not answer.", ""]
            (self.editor / "content" / "alerts" / f"{alert_id}.{lang}.md").write_text("\n".join(lines))
        git(self.editor, "add", "-A")
        git(self.editor, "commit", "-qm", f"alert {alert_id}")
        if push:
            git(self.editor, "push", "-q")


def make_repo(tmp: Path) -> Repo:
    origin = tmp / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    editor = tmp / "editor"
    shutil.copytree(FIXTURE, editor)
    subprocess.run(["git", "init", "-q", "-b", "main", str(editor)], check=True)
    (editor / ".gitignore").write_text(".alertcast/\nsite/\n")
    git(editor, "add", "-A")
    git(editor, "commit", "-qm", "content")
    git(editor, "remote", "add", "origin", str(origin))
    git(editor, "push", "-q", "-u", "origin", "main")
    return Repo(origin, editor, tmp)


@dataclass
class Call:
    kind: str
    now: datetime
    live: tuple[str, ...]
    public: tuple[str, ...]
    at: float = field(default_factory=time.time)


@dataclass
class StandInResult:
    plan: Plan
    output_dir: Path
    changed: list[str]
    duration: float


class Recorder:
    """Records publish/enqueue/drain calls; delegates to the real pipeline when `real` is set."""

    def __init__(self, real: bool):
        self.real = real
        self.calls: list[Call] = []
        self.lock = threading.Lock()

    def _add(self, kind: str, plan: Plan) -> None:
        with self.lock:
            self.calls.append(Call(kind, plan.now, tuple(a.id for a in plan.live),
                                   tuple(a.id for a in plan.published)))

    def publisher(self, config, now):  # type: ignore[no-untyped-def]
        if self.real:
            from alertcast.pipeline import publish

            result = publish(config, now)
        else:
            plan = Plan.at(load_or_raise(config), now)
            out = config.output_dir
            out.mkdir(parents=True, exist_ok=True)
            record = {"now": now.isoformat(), "live": [a.id for a in plan.live]}
            tmp = out / "record.json.tmp"
            tmp.write_text(json.dumps(record, sort_keys=True))
            tmp.replace(out / "record.json")
            result = StandInResult(plan, out, ["record.json"], 0.0)
        self._add("publish", result.plan)
        return result

    def preparer(self, config, when):  # type: ignore[no-untyped-def]
        from alertcast.pipeline import prepare

        return prepare(config, when)

    def finisher(self, config, prepared):  # type: ignore[no-untyped-def]
        from alertcast.pipeline import publish_prepared

        result = publish_prepared(config, prepared)
        self._add("publish", result.plan)
        return result

    def enqueuer(self, engine, plan, config):  # type: ignore[no-untyped-def]
        self._add("enqueue", plan)
        if self.real:
            from alertcast.broadcast.outbox import enqueue

            return enqueue(engine, plan, config)
        return 0

    def dispatcher(self, engine, config):  # type: ignore[no-untyped-def]
        recorder = self

        class Drain:
            def __init__(self) -> None:
                self.inner = None
                if recorder.real:
                    from alertcast.broadcast.dispatcher import Dispatcher

                    self.inner = Dispatcher(engine, config)

            def drain(self, now, max_rows=None):  # type: ignore[no-untyped-def]
                with recorder.lock:
                    recorder.calls.append(Call("drain", now, (), ()))
                return self.inner.drain(now, max_rows=max_rows) if self.inner else None

        return Drain()

    def of(self, kind: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.kind == kind]


def configure_channels(repo: Repo, fakes: dict, dry: dict[str, dict] | None = None) -> dict[str, str]:
    """Commit channels pointing at local fake networks (plus `dry` ones, name -> settings, whose
    secret is never set) to origin, as an operator would; returns the fakes' secrets as env."""
    from social_support import configure

    env = configure(repo.editor, fakes)
    if dry:
        import yaml

        path = repo.editor / "mkdocs.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["extra"]["alertcast"]["channels"].update(dry)
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    git(repo.editor, "add", "-A")
    git(repo.editor, "commit", "-qm", "channels")
    git(repo.editor, "push", "-q")
    return env


def witness(fake, page_for) -> None:  # type: ignore[no-untyped-def]
    """Stamp every request a fake network receives with its arrival time, its answer and whether
    the alert page it links to was already on the deployed site (`page_for(alert_id) -> Path`)."""
    original = fake.dispatch

    def dispatch(req):  # type: ignore[no-untyped-def]
        req["at"] = time.time()
        raw = req["raw"].decode("utf-8", "replace")
        req["alert"] = next((m for m in _alert_ids(raw)), None)
        req["page_live"] = req["alert"] is not None and page_for(req["alert"]).exists()
        status, body, headers = original(req)
        req["status"] = status
        return status, body, headers

    fake.dispatch = dispatch


def _alert_ids(raw: str) -> list[str]:
    import re

    return re.findall(r"/alerts/([a-z0-9-]+)/", raw)


def posts_for(fake, alert_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """Write requests that a fake network accepted (2xx) for `alert_id`: what reached the channel."""
    with fake.lock:
        return [r for r in fake.requests if r["method"] != "GET" and r.get("alert") == alert_id
                and 200 <= r.get("status", 0) < 300]


def real_pipeline_available() -> bool:
    try:
        import alertcast.broadcast.dispatcher  # noqa: F401
        import alertcast.broadcast.outbox  # noqa: F401
        import alertcast.pipeline  # noqa: F401
    except ImportError:
        return False
    return True


def daemon_for(checkout: Path, recorder: Recorder, **kwargs):  # type: ignore[no-untyped-def]
    from alertcast.daemon.service import Daemon

    config = load_config(checkout)
    options = dict(sync_interval=0.5, dispatch_interval=0.5, lease_ttl=2.0, webhook_secret="s3cret",
                   listen=("127.0.0.1", 0))
    options.update(kwargs)
    engine = options.pop("engine", None)
    if engine is None:
        from alertcast.state import open_store

        engine = open_store(config.settings.state_url, config.root)
    if recorder.real:  # with the real pipeline, boundaries are prepared ahead as in production
        options.setdefault("preparer", recorder.preparer)
        options.setdefault("finisher", recorder.finisher)
    return Daemon(config, engine=engine, publisher=recorder.publisher, enqueuer=recorder.enqueuer,
                  dispatcher=recorder.dispatcher(engine, config), **options)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wait_for(predicate, timeout: float = 15.0, step: float = 0.05):  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout}s")


def ahead(seconds: float) -> datetime:
    """A whole second at least `seconds` from now, in UTC+8 like an editor would write it."""
    t = datetime.now(timezone.utc) + timedelta(seconds=seconds + 1)
    return t.replace(microsecond=0).astimezone(timezone(timedelta(hours=8)))


def metric(daemon, line_start: str) -> float | None:  # type: ignore[no-untyped-def]
    """The value of the first /metrics line starting with `line_start`, if any."""
    body = daemon.render_metrics()[0].decode()
    found = [line for line in body.splitlines() if line.startswith(line_start)]
    return float(found[0].rsplit(" ", 1)[1]) if found else None


SRC = Path(__file__).resolve().parents[1] / "src"


class Process:
    """`alertcast run` as a real process (this worktree's code), all it prints (JSON logs) in one file."""

    def __init__(self, project: Path, log: Path, env: dict[str, str], *options: str):
        import os
        import sys

        from pg_support import free_port

        self.port = free_port()
        self.log = log
        command = [sys.executable, "-m", "alertcast", "run", "-p", str(project), "--listen",
                   f"127.0.0.1:{self.port}", *options]
        with open(log, "w", encoding="utf-8") as err:
            self.proc = subprocess.Popen(command, env=dict(os.environ, PYTHONPATH=str(SRC), **env),
                                         stdout=err, stderr=subprocess.STDOUT)

    def health(self) -> dict | None:
        """The /healthz body whatever its status, or None while the process does not answer."""
        import requests

        try:
            return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).json()
        except (requests.ConnectionError, requests.Timeout, ValueError):
            return None

    def metrics(self) -> str:
        import requests

        return requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, and the exit code; on a hang, the threads' stacks (SIGQUIT) and the log in the error."""
        import signal

        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGQUIT)
            self.proc.wait(timeout=10)
            raise AssertionError(f"no clean stop within {timeout} s of SIGTERM; daemon log:\n"
                                 + self.output()[-6000:]) from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
