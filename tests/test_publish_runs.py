"""publish.yml keeps the promises docs/github.md makes, run as GitHub runs it (actions_support):
no commit for an unchanged state, no double post after a rejected state push, the tip of the
default branch whatever the event (re-runs included), and no freeze behind a broken commit."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from actions_support import WORKFLOWS, Actions, edit_alert, github_context, make_actions, steps, substitute, workflow
from social_support import configure, route_alert_to, start

WEBHOOK_SECRET = "ALERTCAST_WEBHOOK_CHANNEL_SECRET"  # the secret publish.yml passes to the webhook channel


@pytest.fixture
def webhook(project):
    """A receiver that posts every request it gets (no idempotency), as the only channel with a
    secret; telegram is configured too, without one, so it runs dry (its rows are `previewed`)."""
    fakes = {"webhook": start("webhook"), "telegram": start("telegram")}
    configure(project, fakes, extra={"webhook": {"secret_env": WEBHOOK_SECRET},
                                     "telegram": {"token_env": "TELEGRAM_BOT_TOKEN"}})
    route_alert_to(project, "live-phishing", ["webhook", "telegram"])
    yield fakes["webhook"]
    for fake in fakes.values():
        fake.close()


@pytest.fixture
def actions(project, tmp_path, webhook):
    return make_actions(project, tmp_path)


def secrets(webhook) -> dict[str, str]:
    return {WEBHOOK_SECRET: webhook.secret}


def head(actions: Actions, ref: str = "alertcast-state") -> str:
    return actions.git(actions.origin, "rev-parse", ref)


def outbox_on_branch(actions: Actions, tmp: Path) -> dict[tuple[str, str, str], str]:
    """(channel, action, revision) -> status of every row in state.db on alertcast-state."""
    db = tmp / f"state-{head(actions)[:12]}.db"
    db.write_bytes(subprocess.run(["git", "show", "alertcast-state:state.db"], cwd=actions.origin, check=True,
                                  capture_output=True, env=actions.env).stdout)
    with sqlite3.connect(db) as conn:
        found = {(c, a, r): s for c, a, r, s in conn.execute("SELECT channel, action, revision, status FROM outbox")}
    conn.close()
    return found


def ok(run, *jobs: str) -> None:
    for job in jobs:
        assert run[job]["result"] == "success", (job, "\n".join(line for j in run.values() for line in j["log"]))


def test_row1_runs_with_nothing_new_to_send_push_no_commit(actions, webhook):
    first = actions.run("2026-03-03T00:07:00Z", secrets(webhook))
    ok(first, "build", "deploy", "social")
    assert len(webhook.posts) == 1  # live-phishing, once
    saved = head(actions)
    for now in ("2026-03-03T00:22:00Z", "2026-03-03T00:37:00Z"):
        again = actions.run(now, secrets(webhook))
        ok(again, "social")
        assert again["social"]["steps"]["Send due posts"]["outcome"] == "success"  # it did look
        assert "state unchanged: nothing to save" in again["social"]["log"][-2]
        assert head(actions) == saved
    assert len(webhook.posts) == 1


def resolve_by_hand(actions: Actions, tmp: Path):
    """The docs' manual procedure, done while a run is between its restore and its save: in a
    clone of the state branch, `alertcast outbox retry` of each previewed row, committed and pushed."""

    def push(_work: Path) -> None:
        clone = tmp / "by-hand"
        actions.git(tmp, "clone", "-q", "--branch", "alertcast-state", f"file://{actions.origin}", str(clone))
        with sqlite3.connect(clone / "state.db") as conn:
            conn.execute("UPDATE outbox SET status = 'queued', tries = 0, last_error = NULL WHERE status = 'previewed'")
        conn.close()
        actions.git(clone, "-c", "user.name=Operator", "-c", "user.email=ops@fixture.example", "commit", "-q", "-am",
                    "retry the telegram rows")
        actions.git(clone, "push", "-q", "origin", "HEAD:alertcast-state")

    return push


def test_row2_a_run_whose_state_push_is_rejected_keeps_what_it_sent(actions, project, webhook, tmp_path):
    ok(actions.run("2026-03-03T00:07:00Z", secrets(webhook)), "social")
    assert len(webhook.posts) == 1
    edit_alert(project, "live-phishing", updated_at="2026-03-03T09:00:00+08:00", update_note='"New domain."')
    actions.push("update")
    second = actions.run("2026-03-03T01:07:00Z", secrets(webhook),
                         after={"Send due posts": resolve_by_hand(actions, tmp_path)})
    ok(second, "social")
    assert len(webhook.posts) == 2  # the update went out once
    assert "moved since it was restored" in second["social"]["log"][-2]
    rows = outbox_on_branch(actions, tmp_path)
    assert {s for (c, a, r), s in rows.items() if c == "webhook"} == {"sent"}  # both webhook rows: this run's record
    assert "queued" in {s for (c, a, r), s in rows.items() if c == "telegram"}  # and the operator's retry
    by_hand = actions.git(actions.origin, "log", "-1", "--format=%s", "alertcast-state^")
    assert by_hand == "retry the telegram rows"  # on top of it, not over it
    third = actions.run("2026-03-03T01:22:00Z", secrets(webhook))
    ok(third, "social")
    assert len(webhook.posts) == 2  # nothing posted twice
    # no alertcast command (snapshot, merge, drain, listing) could read the job's token
    assert not actions.leaks.exists(), actions.leaks.read_text()


def test_row2_a_state_that_cannot_be_saved_fails_with_what_was_sent_and_how_to_save_it(actions, project, webhook):
    ok(actions.run("2026-03-03T00:07:00Z", secrets(webhook)), "social")
    hook = actions.origin / "hooks" / "pre-receive"  # the branch is locked (a ruleset, say)
    hook.write_text("#!/bin/sh\nwhile read old new ref; do [ \"$ref\" != refs/heads/alertcast-state ] || exit 1; done\n")
    hook.chmod(0o755)
    edit_alert(project, "live-phishing", updated_at="2026-03-03T09:00:00+08:00", update_note='"New domain."')
    actions.push("update")
    run = actions.run("2026-03-03T01:07:00Z", secrets(webhook))
    social = run["social"]
    assert social["result"] == "failure" and social["steps"]["Save the state"]["outcome"] == "failure"
    summary = social["summary"]
    assert "The state could not be saved" in summary and "gh workflow disable publish.yml" in summary
    assert "gh run download 1002 -n unsaved-state" in summary and "alertcast outbox merge" in summary
    listed = summary.split("Rows this run sent or tried:")[1].split("### Outbox")[0]
    assert re.search(r"\bsent\s+webhook\s+update\s+live-phishing\b", listed), listed
    assert "telegram" not in listed and " post " not in listed  # only what this run did
    kept = actions.artifacts["unsaved-state"]
    assert (kept / "state" / "state.db").is_file() and (kept / "state-base.db").is_file()
    assert social["steps"]["Keep the state that could not be saved"]["outcome"] == "success"


def test_row3_a_rerun_of_an_old_scheduled_run_publishes_the_tip(actions, project):
    first = actions.run("2026-03-03T00:07:00Z")
    ok(first, "build", "deploy", "social")
    old = first.github["sha"]
    edit_alert(project, "live-phishing", updated_at="2026-03-03T09:00:00+08:00", update_note='"New domain."')
    tip = actions.push("update")
    update = "cap/live-phishing.20260303T010000Z.xml"
    assert update not in first["build"]["site"]
    rerun = actions.run("2026-03-03T02:07:00Z", rerun_of=first)
    ok(rerun, "build", "deploy", "social")
    assert rerun.github["sha"] == old and rerun["build"]["outputs"]["sha"] == tip
    assert update in rerun["build"]["site"]


def output_always_set(flow: dict, job: str, output: str) -> bool:
    """A job output that is never empty when the job succeeded: a step's output written from a
    variable assigned from a command on a line of its own (bash -e fails the step if it fails)."""
    found = re.fullmatch(r"\$\{\{\s*steps\.(\w+)\.outputs\.(\w+)\s*\}\}", str(flow["jobs"][job]["outputs"].get(output, "")))
    if not found:
        return False
    step = next((s for s in steps(flow["jobs"][job]) if s.get("id") == found[1]), {})
    script = step.get("run", "")
    var = re.search(rf'^\s*echo "{found[2]}=\$(\w+)"', script, re.M)
    return bool(var) and bool(re.search(rf"^\s*{var[1]}=\$\(", script, re.M))


def publishing_workflows() -> list[str]:
    """The workflows with a job in a GitHub environment (deploying, or holding the secrets): they
    must act on the default branch as it is now. Those that test a pull request's own commit
    (content-check.yml, ci.yml) rightly check out the commit of their run."""
    names = sorted(p.name for p in WORKFLOWS.iterdir() if p.suffix in (".yml", ".yaml"))
    return [n for n in names if any("environment" in job for job in workflow(n)["jobs"].values())]


def test_no_checkout_in_a_publishing_workflow_can_fall_back_to_the_commit_of_the_run():
    """actions/checkout with an empty `ref` checks out github.sha, which a re-run keeps from the
    original run: every checkout names its ref, non-empty for every event the workflow runs on."""
    assert publishing_workflows() == ["publish.yml"]
    for file in publishing_workflows():
        flow = workflow(file)
        checkouts = [(name, s) for name, job in flow["jobs"].items() for s in steps(job)
                     if s.get("uses", "").startswith("actions/checkout@")]
        assert checkouts, file
        needs = {job: {"result": "success", "outputs": {
            out: ("set" if output_always_set(flow, job, out) else "") for out in flow["jobs"][job].get("outputs", {})}}
            for job in flow["jobs"]}
        for name, step in checkouts:
            expression = str(step.get("with", {}).get("ref", ""))
            assert expression, f"{file}: {name}: checkout without a ref"
            for event in flow["on"]:
                github = github_context(event, "0" * 40)
                value = substitute(expression, {"github": github, "needs": needs})
                assert value not in ("", "None"), (file, name, event, expression)
    # the rule catches the old mistake: a schedule event has no repository in its payload
    assert substitute("${{ github.event.repository.default_branch }}", {"github": github_context("schedule", "0" * 40)}) == ""


def test_row4_a_broken_main_still_publishes_from_the_last_good_commit_and_fails_loudly(actions, project):
    good = actions.git(project, "rev-parse", "HEAD")
    path = project / "content" / "alerts" / "live-phishing.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("severity: warning", "severity: severe"), encoding="utf-8")
    broken = actions.push("a broken alert, merged past the check")
    # the maintenance notice goes live at 01:00 UTC on 1 April: time goes on
    run = actions.run("2026-04-01T01:07:00Z")
    ok(run, "build", "deploy", "social")
    assert run["build"]["outputs"]["sha"] == good and run["build"]["outputs"]["broken"] == broken
    banner = json.loads(run["build"]["site"]["api/v1/banners/en.json"])
    assert "scheduled-maintenance" in json.dumps(banner)
    assert f"::error::{broken}" in run["build"]["log"][0] and "severity" in run["build"]["log"][0]
    assert run["broken-main"]["result"] == "failure"
    assert f"::error::{broken}, the tip of the default branch, fails alertcast check" in run["broken-main"]["log"][0]
    assert good in run["broken-main"]["log"][0]
    # once fixed, the tip is published and nothing is red
    path.write_text(path.read_text(encoding="utf-8").replace("severity: severe", "severity: warning"), encoding="utf-8")
    fixed = actions.push("fix")
    after = actions.run("2026-04-01T01:22:00Z")
    ok(after, "build", "deploy", "social")
    assert after["build"]["outputs"]["sha"] == fixed and after["broken-main"]["result"] == "skipped"
