"""Runs publish.yml here, job by job and step by step, as GitHub runs it.

Each job runs in a fresh clone of a local `origin` (a bare repository: the project on `main`)
with its own RUNNER_TEMP. Every `run:` script runs as written, with `bash -eo pipefail`, the
job's and step's env and GitHub's default variables; `if:` conditions (of steps and of jobs)
and step outcomes are evaluated as GitHub does. The `github` context is the one GitHub gives
for the event: a schedule event's payload has no `repository`, and a re-run gets the context of
the run it repeats (its `sha` included). Actions are stood in for as they behave: checkout
follows actions/checkout's rules for `ref` (empty: github.sha; 40 hex digits: that commit;
anything else: the tip of that branch) and `fetch-depth`; the artifact actions copy files;
setup-python, configure-pages, deploy-pages and pip install are no-ops (alertcast is installed
here). The clock is `date` on the PATH, answering the run's `now`.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import yaml
from outputs_support import tree

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
SCHEDULE_CRON = "7-59/15 * * * *"
TOKEN = "ghs_FakeJobToken0123456789"  # github.token


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on` as true
    return data


def steps(job: dict) -> list[dict]:
    return job["steps"]


class Null(str):
    """What GitHub gives for a property that is not there: null, which reads as '' and whose own
    properties are null too."""

    def __getattr__(self, name: str) -> Null:
        return Null()


class Ctx(dict):
    """A workflow expression context: `a.b.c`, null for what is not set."""

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        value = self.get(name, Null())
        return Ctx(value) if isinstance(value, dict) else value


def evaluate(expression: str, context: dict, status: str) -> object:
    """The `${{ }}` expressions publish.yml uses: contexts, '...' strings, ==, !=, &&, ||, !, and
    the status functions. `a || b` gives a when a is truthy, as GitHub's does."""
    python = re.sub(r"&&", " and ", re.sub(r"\|\|", " or ", re.sub(r"!(?!=)", " not ", expression)))
    functions = {"always": lambda: True, "success": lambda: status == "success",
                 "failure": lambda: status == "failure", "cancelled": lambda: False}
    return eval(python, {"__builtins__": {}}, {**functions, **{k: Ctx(v) for k, v in context.items()}})  # noqa: S307


def substitute(text: str, context: dict, status: str = "success") -> str:
    def value(m: re.Match) -> str:
        result = evaluate(m.group(1), context, status)
        return str(result).lower() if isinstance(result, bool) else str(result)

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def condition(raw: object) -> str:
    """An `if:` as GitHub reads it: without a status function it means `success() && (...)`."""
    text = str(raw if raw is not None else "success()")
    inner = text[3:-2] if text.startswith("${{") else text
    return inner if re.search(r"\b(always|success|failure|cancelled)\(", inner) else f"success() && ({inner})"


def github_context(event: str, sha: str) -> dict:
    """The `github` context of a run started by `event` on `main` at `sha`, payload as GitHub sends it."""
    repository = {"default_branch": "main", "full_name": "your-org/alerts", "name": "alerts"}
    payloads = {"schedule": {"schedule": SCHEDULE_CRON},  # no repository, no sender
                "push": {"ref": "refs/heads/main", "after": sha, "repository": repository},
                "workflow_dispatch": {"ref": "refs/heads/main", "inputs": {}, "repository": repository}}
    return {"event_name": event, "event": payloads[event], "ref": "refs/heads/main", "ref_name": "main",
            "sha": sha, "repository": "your-org/alerts", "server_url": "https://github.com",
            "token": TOKEN}


class Run(dict):
    """job name -> {"result", "outputs", "steps", "site", "log", "summary"}; `github` is the run's context."""

    github: dict


class Actions:
    def __init__(self, tmp: Path, origin: Path):
        self.tmp, self.origin = tmp, origin
        self.artifacts: dict[str, Path] = {}
        self.runs = 0
        bin_dir = tmp / "bin"
        bin_dir.mkdir(exist_ok=True)
        shim = bin_dir / "alertcast"
        self.leaks = tmp / "token-leaks"  # alertcast commands that could read the job's token
        encoded = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
        shim.write_text(f"#!/bin/sh\nif env | grep -q -e '{TOKEN}' -e '{encoded}'; then echo \"$*\" >> '{self.leaks}'; fi\n"
                        f"PYTHONPATH='{REPO / 'src'}' exec '{sys.executable}' -c "
                        "'import sys; from alertcast.cli import main; sys.argv[0] = \"alertcast\"; main()' \"$@\"\n")
        shim.chmod(0o755)
        clock = bin_dir / "date"  # the runner's clock: the moment the test gives the run
        clock.write_text('#!/bin/sh\nif [ "$*" = "-u +%Y-%m-%dT%H:%M:%SZ" ]; then echo "$RUN_NOW"; '
                         f"else exec {shutil.which('date')} \"$@\"; fi\n")
        clock.chmod(0o755)
        self.env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", GIT_CONFIG_NOSYSTEM="1",
                        GIT_CONFIG_GLOBAL=str(tmp / "gitconfig"))
        (tmp / "gitconfig").write_text("[protocol \"file\"]\n\tallow = always\n")

    def run(self, now: str, secrets: dict[str, str] | None = None, event: str = "schedule",
            rerun_of: dict | None = None, break_origin: bool = False,
            after: dict[str, Callable[[Path], None]] | None = None) -> dict:
        """One run of the whole workflow.
        `rerun_of` is an earlier run's result: run again with its github context. `after` maps a
        step's name to what happens in the world right after that step ran (given the job's workspace)."""
        self.runs += 1
        github = rerun_of.github if rerun_of else github_context(event, self.git(self.origin, "rev-parse", "main"))
        flow = workflow("publish.yml")
        needs: dict = {}
        results = Run()
        results.github = github
        for name, job in flow["jobs"].items():
            required = job.get("needs", [])
            required = [required] if isinstance(required, str) else required
            status = "success" if all(needs[n]["result"] == "success" for n in required) else "failure"
            if not evaluate(condition(job.get("if")), {"github": github, "needs": {n: needs[n] for n in required}}, status):
                results[name] = needs[name] = {"result": "skipped", "outputs": {}, "steps": {}, "log": [], "site": None}
                continue
            results[name] = needs[name] = self.job(name, job, now, secrets or {}, github, needs, break_origin, after or {})
        return results

    def job(self, name: str, job: dict, now: str, secrets: dict, github: dict, needs: dict, break_origin: bool,
            after: dict) -> dict:
        temp = self.tmp / f"run{self.runs}" / name / "temp"
        work = self.tmp / f"run{self.runs}" / name / "work"
        scratch = self.tmp / f"run{self.runs}" / name / "tmp"  # the runner's own /tmp: one machine per job
        temp.mkdir(parents=True)
        scratch.mkdir()
        work.mkdir()  # the workspace exists, empty, before the checkout
        ctx = {"secrets": secrets, "needs": needs, "steps": {}, "runner": {"temp": str(temp)},
               "github": dict(github, workspace=str(work))}
        status, out = "success", {"steps": {}, "site": None, "log": []}
        for index, step in enumerate(steps(job)):
            sid = step.get("id") or f"#{index}"
            label = step.get("name") or step.get("uses") or sid
            if not evaluate(condition(step.get("if")), ctx, status):
                ctx["steps"][sid] = out["steps"][label] = {"outcome": "skipped", "outputs": {}}
                continue
            env = {k: substitute(str(v), ctx, status) for k, v in {**job.get("env", {}), **step.get("env", {})}.items()}
            outputs: dict[str, str] = {}
            code = 0
            if "uses" in step:
                code = self.action(step["uses"].split("@")[0], {k: substitute(str(v), ctx) for k, v in
                                                                step.get("with", {}).items()}, github, work, out)
                if code == 0 and break_origin and step["uses"].startswith("actions/checkout"):
                    self.git(work, "remote", "set-url", "origin", f"file://{self.tmp / 'gone.git'}")
            elif step["run"].startswith("python -m pip install"):
                pass  # installed here already
            else:
                assert "${{" not in step["run"], f"{label}: pass expressions through env, not into the script"
                github_output = temp / f"output-{index}"
                github_output.touch()
                proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                      cwd=work, capture_output=True, text=True, timeout=300,
                                      env=dict(self.env, **env, RUNNER_TEMP=str(temp), GITHUB_OUTPUT=str(github_output),
                                               GITHUB_STEP_SUMMARY=str(temp / "summary.md"), GITHUB_WORKSPACE=str(work),
                                               GITHUB_RUN_ID=str(1000 + self.runs), GITHUB_SERVER_URL=github["server_url"],
                                               GITHUB_SHA=github["sha"], GITHUB_REF=github["ref"],
                                               GITHUB_EVENT_NAME=github["event_name"], GITHUB_ACTIONS="true", CI="true",
                                               RUN_NOW=now, TMPDIR=str(scratch)))
                code = proc.returncode
                out["log"].append(f"{label} -> {code}\n{proc.stdout}{proc.stderr}")
                outputs = dict(line.split("=", 1) for line in github_output.read_text().splitlines() if "=" in line)
            outcome = "success" if code == 0 else "failure"
            if code:
                status = "failure"
            ctx["steps"][sid] = out["steps"][label] = {"outcome": outcome, "outputs": outputs}
            if label in after:
                after[label](work)
        out["result"] = status
        out["outputs"] = {k: substitute(str(v), ctx) for k, v in job.get("outputs", {}).items()}
        out["summary"] = (temp / "summary.md").read_text() if (temp / "summary.md").exists() else ""
        return out

    def action(self, uses: str, inputs: dict, github: dict, work: Path, out: dict) -> int:
        if uses == "actions/checkout":
            self.checkout(inputs, github, work)
        elif uses == "actions/upload-artifact":
            sources = [Path(p) for p in inputs["path"].split("\n") if p.strip()]
            if not any(p.exists() for p in sources):
                return 1
            self.artifacts[inputs["name"]] = stored = self.tmp / f"run{self.runs}" / "artifacts" / inputs["name"]
            stored.mkdir(parents=True)
            for source in (p for p in sources if p.exists()):
                (shutil.copytree if source.is_dir() else shutil.copy)(source, stored / source.name)
        elif uses == "actions/download-artifact":
            if inputs["name"] not in self.artifacts:
                return 1
            shutil.copytree(self.artifacts[inputs["name"]], inputs["path"], dirs_exist_ok=True)
        elif uses == "actions/upload-pages-artifact":
            out["site"] = tree(Path(inputs["path"]).resolve())  # what the deploy publishes
        else:
            assert uses in ("actions/setup-python", "actions/configure-pages", "actions/deploy-pages"), uses
        return 0

    def checkout(self, inputs: dict, github: dict, work: Path) -> None:
        """actions/checkout v4: an empty `ref` means github.ref at github.sha (for a re-run, the
        commit of the original run); a 40-hex `ref` that commit; any other the tip of that branch."""
        ref = inputs.get("ref", "").strip()
        if not ref:
            branch, commit = github["ref"].removeprefix("refs/heads/"), github["sha"]
        elif re.fullmatch(r"[0-9a-fA-F]{40}", ref):
            branch, commit = None, ref
        else:
            branch, commit = ref.removeprefix("refs/heads/"), None
        depth = int(inputs.get("fetch-depth", "1"))
        self.git(work, "init", "-q")
        self.git(work, "remote", "add", "origin", f"file://{self.origin}")
        target = commit or f"refs/heads/{branch}"
        self.git(work, "fetch", "-q", "--no-tags", *([f"--depth={depth}"] if depth else []), "origin",
                 f"+{target}:refs/remotes/origin/{branch}" if branch and not commit else target)
        self.git(work, "checkout", "-q", "--detach", commit or f"refs/remotes/origin/{branch}")

    def git(self, cwd: Path, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                              env=self.env).stdout.strip()


def edit_alert(project: Path, alert_id: str, **values: str) -> None:
    """Set front matter keys (a new one goes before `channels:`) in both languages of an alert."""
    for path in (project / "content" / "alerts").glob(f"{alert_id}.*.md"):
        lines = path.read_text(encoding="utf-8").split("\n")
        for key, value in values.items():
            found = [i for i, line in enumerate(lines) if line.startswith(f"{key}:")]
            at = found[0] if found else next(i for i, line in enumerate(lines) if line.startswith("channels:"))
            lines[at:at + bool(found)] = [f"{key}: {value}"]
        path.write_text("\n".join(lines), encoding="utf-8")


def make_actions(project: Path, tmp_path: Path) -> Actions:
    """Actions with `origin` holding `project` on `main`; `project` is its working copy: edit,
    then `actions.push(message)`."""
    origin = tmp_path / "origin.git"
    runner = Actions(tmp_path, origin)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True, env=runner.env)
    for args in (["init", "-q", "-b", "main"], ["remote", "add", "origin", f"file://{origin}"]):
        runner.git(project, *args)

    def push(message: str) -> str:
        runner.git(project, "add", "-A")
        runner.git(project, "-c", "user.name=Editor", "-c", "user.email=editor@fixture.example", "commit", "-q", "-m", message)
        runner.git(project, "push", "-q", "origin", "main")
        return runner.git(project, "rev-parse", "HEAD")

    runner.push = push  # type: ignore[attr-defined]
    push("content")
    return runner


def state_branch(actions: Actions) -> dict[str, str]:
    """path -> blob id of every file on alertcast-state ({} when there is no such branch)."""
    listing = subprocess.run(["git", "ls-tree", "-r", "alertcast-state"], cwd=actions.origin, capture_output=True,
                             text=True, env=actions.env)
    return {line.split("\t")[1]: line.split()[2] for line in listing.stdout.splitlines()}


def cap_files(site: dict[str, bytes]) -> dict[str, bytes]:
    return {p: d for p, d in site.items() if p.startswith("cap/")}
