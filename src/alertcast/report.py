"""What a change to the content will send out, for the people who review it.

A pull request that adds or edits an alert is reviewed as text in git; the reviewer needs to
see what readers will get: when it goes live, the banner apps will show, each network's post
with its length as that network counts it, and anything `alertcast check` has to say. The
report compares the content at a base git ref with the content at a head ref (or the working
tree) and renders that as Markdown (a GitHub job summary) or plain text (a terminal).

The comparison and the rendering are pure; only `snapshot` touches git.
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .config import Config, load_config
from .content.loader import load_content
from .content.models import SOCIAL_CHANNELS, Alert, Content
from .plan import Plan, State
from .problems import ContentError, Problem, display_path
from .render import posts as render_posts
from .render.banner import banner_item

KINDS = ("added", "modified", "withdrawn", "removed")


class ReportError(Exception):
    """A usage mistake (not a git repository, unknown ref): one line saying what and how to fix."""


@dataclass(frozen=True)
class PostPreview:
    channel: str
    lang: str
    text: str
    length: int
    limit: int
    unit: str
    shortened: bool  # the summary was cut to make the post fit
    configured: bool  # the channel is set up in mkdocs.yml (else nothing is posted there)


@dataclass(frozen=True)
class AlertChange:
    alert_id: str
    kind: str  # one of KINDS
    alert: Alert  # as it is at head (at base for a removed alert)
    changed: tuple[str, ...]  # what differs from base, for a modified alert
    state: State  # at `now`, at head
    banners: dict[str, dict]  # lang -> the entry apps get while it is live (empty: no banner)
    posts: tuple[PostPreview, ...]
    problems: tuple[Problem, ...]  # what `alertcast check` says about this alert's files


@dataclass(frozen=True)
class Report:
    base: str
    head: str
    now: datetime
    config: Config
    changes: tuple[AlertChange, ...]
    other: tuple[str, ...]  # guides and pages that changed, as "guides/<id>" or "<page id>"
    problems: tuple[Problem, ...]  # every problem in the head content

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)


# --- git ---------------------------------------------------------------------------------------

def _git(repo: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=not binary, check=False)


def snapshot(project: Path, ref: str, dest: Path) -> Path:
    """Extract the project folder as it is at `ref` into `dest`; returns the project's copy."""
    top = _git(project, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise ReportError(f"{project} is not inside a git repository; run the report in a clone of your content repository")
    if _git(project, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise ReportError(f"git ref '{ref}' does not exist here; fetch it first (e.g. `git fetch origin main`) "
                          "or name a branch, tag or commit that exists")
    prefix = _git(project, "rev-parse", "--show-prefix").stdout.strip()
    archive = _git(project, "archive", "--format=tar", ref, "--", prefix or ".", binary=True)
    if archive.returncode != 0:
        raise ReportError(f"cannot read {prefix or 'the project'} at '{ref}': "
                          f"{archive.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: refuse links and paths out of dest
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - git archive of our own repository writes plain files
            tar.extractall(dest)
    return dest / prefix


# --- comparison --------------------------------------------------------------------------------

def _load(project: Path) -> tuple[Config | None, Content | None, list[Problem]]:
    try:
        config = load_config(project)
    except ContentError as exc:
        return None, None, list(exc.problems)
    content, problems = load_content(config, strict=False)
    return config, content, problems


def _differences(old: Alert, new: Alert) -> tuple[str, ...]:
    changed = [f.name for f in dataclasses.fields(Alert)
               if f.name not in ("id", "texts") and getattr(old, f.name) != getattr(new, f.name)]
    for lang in sorted(set(old.texts) | set(new.texts)):
        a, b = old.texts.get(lang), new.texts.get(lang)
        for part in ("title", "summary", "body"):
            if getattr(a, part, None) != getattr(b, part, None):
                changed.append(f"{part} ({lang})")
    return tuple(changed)


def _previews(alert: Alert, config: Config) -> tuple[PostPreview, ...]:
    out = []
    for channel in (c for c in SOCIAL_CHANNELS if c in alert.channels):
        post = render_posts.render(alert, config, channel, "withdraw" if alert.is_withdrawn else "post")
        out.append(PostPreview(channel, post.lang, post.text, post.length, post.limit, post.unit, post.truncated,
                               channel in config.enabled_channels))
    return tuple(out)


def _texts_differ(a: object, b: object) -> bool:
    return {k: (v.title, v.summary, v.body) for k, v in a.texts.items()} != \
        {k: (v.title, v.summary, v.body) for k, v in b.texts.items()}  # type: ignore[attr-defined]


def compare(base: Content | None, head: Content, config: Config, now: datetime,
            problems: list[Problem]) -> tuple[tuple[AlertChange, ...], tuple[str, ...]]:
    """The alerts that differ between base and head, and the guides and pages that do."""
    old = {a.id: a for a in base.alerts} if base else {}
    new = {a.id: a for a in head.alerts}
    plan = Plan.at(head, now)
    changes = []
    for alert_id in sorted(set(old) | set(new)):
        before, after = old.get(alert_id), new.get(alert_id)
        if after is None:
            assert before is not None
            changes.append(AlertChange(alert_id, "removed", before, (), State.scheduled, {}, (), ()))
            continue
        if before is None:
            kind, changed = "added", ()
        else:
            changed = _differences(before, after)
            if not changed:
                continue
            kind = "withdrawn" if after.is_withdrawn and not before.is_withdrawn else "modified"
        files = {display_path(t.source, config.root) for t in after.texts.values()}
        mine = tuple(p for p in problems if p.path in files)
        shown = after.banner is not None and plan.states[alert_id] in (State.live, State.scheduled)
        banners = {lang: banner_item(plan, config, after, lang) for lang in config.languages} if shown else {}
        changes.append(AlertChange(alert_id, kind, after, changed, plan.states[alert_id], banners,
                                   _previews(after, config), mine))
    other = []
    for section, prefix in (("guides", "guides/"), ("pages", "")):
        before_items = {g.id: g for g in getattr(base, section)} if base else {}
        for item in getattr(head, section):
            previous = before_items.get(item.id)
            if previous is None or _texts_differ(previous, item) or previous != item:
                other.append(f"{prefix}{item.id}")
        for gone in sorted(set(before_items) - {i.id for i in getattr(head, section)}):
            other.append(f"{prefix}{gone} (removed)")
    return tuple(changes), tuple(other)


def build(project: Path, base_ref: str, head_ref: str | None, now: datetime, workdir: Path) -> Report:
    """Load both sides and compare them. `head_ref` None means the working tree."""
    base_dir = snapshot(project, base_ref, workdir / "base")
    head_dir = snapshot(project, head_ref, workdir / "head") if head_ref else project
    _bc, base_content, _bp = _load(base_dir)
    config, head_content, problems = _load(head_dir)
    if config is None or head_content is None:
        return Report(base_ref, head_ref or "working tree", now, config, (), (), tuple(problems))  # type: ignore[arg-type]
    changes, other = compare(base_content, head_content, config, now, problems)
    return Report(base_ref, head_ref or "working tree", now, config, changes, other, tuple(problems))


# --- rendering ---------------------------------------------------------------------------------

STATE_WORDS = {State.live: "live now", State.scheduled: "scheduled", State.expired: "expired",
               State.withdrawn: "withdrawn"}


def _when(t: datetime | None, config: Config) -> str:
    if t is None:
        return "never"
    local = t.astimezone(config.tz)
    offset = local.strftime("%z")
    utc = t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]}) = {utc}"


def notes_of(change: AlertChange) -> list[tuple[str, str]]:
    """(level, message) for what a reviewer should look at: check's problems first."""
    out = [(p.level, str(p)) for p in change.problems]
    for post in change.posts:
        if post.shortened:
            out.append(("warning", f"{post.channel}: the summary was shortened to fit {post.limit} {post.unit}; "
                                   "write a shorter one so readers get the whole sentence"))
        if not post.configured:
            out.append(("warning", f"{post.channel} is in channels but not configured in mkdocs.yml: "
                                   "nothing is posted there"))
    if change.kind == "added" and change.state is State.live:
        out.append(("warning", "goes live as soon as this is published (publish_at is already past)"))
    return out


def _title(change: AlertChange, config: Config) -> str:
    return change.alert.text(config.default_lang, config.default_lang).title


def markdown(report: Report) -> str:
    lines = ["## What this change publishes", ""]
    if report.config is None:
        lines += ["The configuration does not load:", ""] + [f"- ❌ `{p}`" for p in report.problems]
        return "\n".join(lines) + "\n"
    config = report.config
    lines += [f"Compared `{report.base}` with the {report.head}, as of {_when(report.now, config)}.", ""]
    if report.errors:
        lines += [f"### ❌ {report.errors} error(s) to fix before merging", ""]
        lines += [f"- `{p}`" for p in report.problems if p.is_error] + [""]
    if not report.changes:
        lines += ["No alert changes."]
    else:
        lines += ["| alert | change | severity | goes live | at that time |", "| --- | --- | --- | --- | --- |"]
        for c in report.changes:
            lines.append(f"| `{c.alert_id}` {_title(c, config)} | {c.kind} | {c.alert.severity.value} | "
                         f"{_when(c.alert.publish_at, config)} | {STATE_WORDS[c.state] if c.kind != 'removed' else '—'} |")
    if report.other:
        lines += ["", "Guides and pages changed: " + ", ".join(f"`{o}`" for o in report.other)]
    for c in report.changes:
        lines += ["", f"### `{c.alert_id}` — {c.kind}", ""]
        if c.kind == "removed":
            lines += ["The files were deleted. Deleting hides the alert from the site, feeds and banners but "
                      "leaves posts on social networks; to correct a published alert, withdraw it instead."]
            continue
        a = c.alert
        lines += [f"**{_title(c, config)}** · {a.severity.value} · {a.category}", "",
                  f"- goes live: {_when(a.publish_at, config)} ({STATE_WORDS[c.state]} at report time)",
                  f"- expires: {_when(a.expires_at, config)}"]
        if c.changed:
            lines.append("- changed: " + ", ".join(c.changed))
        notes = notes_of(c)
        if notes:
            lines += ["", "**To check**", ""] + [f"- {'❌' if level == 'error' else '⚠️'} {m}" for level, m in notes]
        lines += ["", "**In-app banner**", ""]
        if not c.banners:
            lines.append("No banner: " + ("`banner` is not in channels." if c.alert.banner is None
                                          else f"the alert is {c.state.value}, so apps drop it."))
        for lang, item in c.banners.items():
            lines += [f"<details><summary>{lang}</summary>", "", "```json",
                      json.dumps(item, ensure_ascii=False, indent=2, sort_keys=True), "```", "", "</details>"]
        if c.posts:
            lines += ["", "**Posts**", "", "| channel | language | length | limit | |", "| --- | --- | --- | --- | --- |"]
            for p in c.posts:
                mark = "✅" if p.length <= p.limit and not p.shortened else ("✂️ shortened" if p.shortened else "❌")
                lines.append(f"| {p.channel}{'' if p.configured else ' (not configured)'} | {p.lang} | "
                             f"{p.length} {p.unit} | {p.limit} | {mark} |")
            for p in c.posts:
                lines += ["", f"<details><summary>{p.channel} post</summary>", "", "```text", p.text, "```", "",
                          "</details>"]
        else:
            lines += ["", "No social channels."]
    return "\n".join(lines) + "\n"


def text(report: Report) -> str:
    if report.config is None:
        return "\n".join(str(p) for p in report.problems) + "\n"
    config = report.config
    lines = [f"compared {report.base} with the {report.head}, as of {_when(report.now, config)}"]
    lines += [str(p) for p in report.problems if p.is_error]
    if not report.changes:
        lines.append("no alert changes")
    for c in report.changes:
        lines += ["", f"{c.alert_id}: {c.kind} — {_title(c, config)} [{c.alert.severity.value}]"]
        if c.kind == "removed":
            continue
        lines.append(f"  goes live {_when(c.alert.publish_at, config)} ({STATE_WORDS[c.state]})")
        if c.changed:
            lines.append("  changed: " + ", ".join(c.changed))
        lines += [f"  {level}: {m}" for level, m in notes_of(c)]
        lines.append("  banner: " + (", ".join(c.banners) if c.banners else "none"))
        for p in c.posts:
            status = "ok" if p.length <= p.limit and not p.shortened else ("shortened" if p.shortened else "too long")
            lines.append(f"  {p.channel} ({p.lang}): {p.length}/{p.limit} {p.unit} — {status}")
    if report.other:
        lines += ["", "guides and pages changed: " + ", ".join(report.other)]
    return "\n".join(lines) + "\n"
