"""What a change to the content will publish: the reviewer's view of a pull request.

Pure: (base content, head content with its problems, configuration, now) -> `Report` ->
Markdown (for a GitHub job summary) or plain text. Alerts are compared by id; each changed
alert shows when it goes live, the banner apps will receive, each channel's post exactly as
the post renderer makes it with its length as that network counts it, and the problems
`alertcast check` finds in its files. Reading git is the caller's job (see gitrefs.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime

from . import effects
from .config import Config
from .content.loader import Loaded
from .content.models import Alert, Content
from .plan import Plan, State, state_of
from .problems import Problem, display_path
from .render import mail
from .render import posts as render_posts
from .render import push as render_push
from .render import wechat as render_wechat
from .render.banner import banner_item
from .schedule import PublishPath
from .i18n import ENGLISH, N_, Translator
from .timefmt import editor_time

KINDS = ("added", "modified", "withdrawn", "removed", "unreadable")
_STATUS = {State.live: "live now", State.scheduled: "scheduled", State.expired: "expired", State.withdrawn: "withdrawn"}
#: The report's own words, written alone (a severity, a post's action, a status): each translated where it is
#: written, never inside a sentence (there it could be an alert's id).
WORDS = (N_("info"), N_("advisory"), N_("warning"), N_("critical"), N_("post"), N_("update"), N_("withdraw"),
         N_("not sent"))
# Alert fields compared one by one; texts are compared per language below.
_FIELDS = tuple(f.name for f in fields(Alert) if f.name not in ("id", "texts"))


@dataclass(frozen=True)
class BannerPreview:
    """One locale's banner as apps will receive it, or why there is none."""

    lang: str
    item: dict | None
    note: str = ""

    @property
    def json(self) -> str:
        return json.dumps(self.item, ensure_ascii=False, indent=2, sort_keys=True) if self.item else ""


@dataclass(frozen=True)
class Change:
    """One alert that the change adds, modifies, withdraws or removes."""

    alert_id: str
    kind: str  # one of KINDS
    fields: tuple[str, ...]  # what changed, e.g. ("summary (en)", "publish_at")
    title: str
    severity: str
    status: str  # live now | scheduled | expired | withdrawn | removed
    publish_at: datetime | None
    expires_at: datetime | None
    banners: tuple[BannerPreview, ...]
    posts: tuple[render_posts.Post, ...]  # exactly as the dispatcher would send them
    post_note: str
    problems: tuple[Problem, ...]
    post_action: str = ""  # post | update | withdraw, or NOT_SENT
    effects: tuple[str, ...] = ()  # what an update or withdrawal does to what is out, per channel
    public_at: datetime | None = None  # when the publishing path makes it public (None: already is, or never)
    push_notes: tuple[tuple[str, str], ...] = ()  # (lang, what its quiet hours do to the push), when anything


@dataclass(frozen=True)
class Report:
    base: str
    head: str
    now: datetime
    tz: str
    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]  # problems not tied to a changed alert: errors anywhere, warnings in changed files
    complete: bool  # False when some head file could not be read at all
    other_files: tuple[str, ...] = ()  # changed files that are not alerts: guides, pages, settings, templates
    path: PublishPath | None = None  # how the change is published (None: not known)
    notes: tuple[str, ...] = ()  # what the reader should know about the comparison itself

    @property
    def errors(self) -> int:
        """Counted as `alertcast check` counts them (a post it would cut is one of its errors)."""
        return sum(p.is_error for c in self.changes for p in c.problems) + sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(not p.is_error for c in self.changes for p in c.problems) + sum(not p.is_error for p in self.problems)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.complete


def _texts_changed(old: Alert, new: Alert) -> list[str]:
    out = []
    for lang in sorted(old.texts.keys() | new.texts.keys()):
        a, b = old.texts.get(lang), new.texts.get(lang)
        if a is None or b is None:
            out.append(N_(f"translation ({lang}) added") if a is None else N_(f"translation ({lang}) removed"))
            continue
        out += [f"{name} ({lang})" for name in ("title", "summary", "body") if getattr(a, name) != getattr(b, name)]
    return out


def changed_fields(old: Alert, new: Alert) -> tuple[str, ...]:
    """Names of what differs between two versions of an alert, front matter first."""
    return tuple([f for f in _FIELDS if getattr(old, f) != getattr(new, f)] + _texts_changed(old, new))


def _files_of(alert: Alert, config: Config) -> set[str]:
    return {display_path(t.source, config.root) for t in alert.texts.values()}


def _banners(alert: Alert, config: Config, state: State, plan: Plan) -> tuple[BannerPreview, ...]:
    if alert.banner is None:
        return ()
    if alert.is_withdrawn:
        return tuple(BannerPreview(lang, None, N_("withdrawn: in no banner")) for lang in config.languages)
    note = {State.withdrawn: N_("withdrawn: in no banner"), State.expired: N_("expired: in no banner")}.get(state, "")
    if note:
        return tuple(BannerPreview(lang, None, note) for lang in config.languages)
    when = "" if state is State.live else N_("from publish_at")
    return tuple(BannerPreview(lang, banner_item(plan, config, alert, lang), when) for lang in config.languages)


NOT_SENT = "not sent"


def _action(kind: str, old: Alert | None, new: Alert, base_now: State | None) -> tuple[str, str]:
    """Which post action the outbox will take for this change, and a sentence about when.

    `NOT_SENT` means the posts are shown for their length only: the outbox keys posts on the
    revision, so an edit without a new `updated_at` posts nothing.
    """
    if new.is_withdrawn:
        return "withdraw", ("withdraw: on each channel where a post went out, it is deleted or corrected with this "
                            "text; unsent posts are cancelled")
    if old is not None and base_now not in (None, State.scheduled):
        if old.revision == new.revision:
            return NOT_SENT, ("no new post: the revision (updated_at) is unchanged, so only the site, feeds and banner "
                              "change; set updated_at to post an update")
        return "update", "update: a correction or edit of the earlier post goes out"
    return "post", "post: a new post goes out"


def _posts(alert: Alert, config: Config, action: str) -> tuple[render_posts.Post, ...]:
    action = "update" if action == NOT_SENT else action
    return tuple(render_posts.render(alert, config, channel, action, lang)
                 for channel in config.enabled_channels if channel in alert.channels
                 and (channel != "fcm" or render_push.wanted(alert, config, action))
                 for lang in config.languages_of(channel))


def _change(kind: str, old: Alert | None, new: Alert, config: Config, plan: Plan, base_now: State | None,
            problems: list[Problem], sent: effects.Sent | None = None, path: PublishPath | None = None) -> Change:
    state = state_of(new, plan.now)
    text = new.text(config.default_lang, config.default_lang)
    action, note = _action(kind, old, new, base_now)
    done: list[str] = []
    if action == "withdraw" and old is not None and not old.is_withdrawn and base_now not in (None, State.scheduled):
        done = effects.withdrawal_effects(config, new, plan, sent)
    elif action == "update":
        done = effects.update_effects(config, new)
    posts = _posts(new, config, action)
    if action == "post" and posts:
        note += " on " + ", ".join(p.channel for p in posts)
        if state is State.live:
            note += " at the next publish"
    if state is State.scheduled and new.is_withdrawn:
        posts, note = (), "nothing is posted: withdrawn before it went out"
    elif state is State.scheduled:
        note += " at publish_at (nothing goes out before it)"
    elif state is State.expired:
        posts, note = (), "nothing is posted: the alert has already expired"
    if not posts and not note.startswith("nothing"):
        note = "no social channel: nothing is posted"
    files = _files_of(new, config)
    status = "withdrawn" if new.is_withdrawn else _STATUS[state]
    banners = _banners(new, config, state, plan)
    if not new.is_public:  # a test or exercise alert: said in capitals, in every place the change is shown
        status = N_(f"{new.status.upper()}: never public")
        banners = tuple(BannerPreview(lang, None, N_(f"status {new.status}: in no banner")) for lang in config.languages)
        posts, note = (), N_(f"nothing is posted: an alert with status {new.status} goes only to test targets, "
                             f"when `alertcast rehearse {new.id}` sends it")
    public_at = path.live_at(new.publish_at) if path and state is State.scheduled else None
    at = render_push.goes_at(new, action, plan.now)
    at = max(at, public_at) if public_at else at
    held = tuple((p.lang, render_push.quiet_note(new, config, action, at, (p.lang,))) for p in posts if p.channel == "fcm")
    return Change(new.id, kind, changed_fields(old, new) if old else (), text.title, new.severity.value,
                  status, new.publish_at, new.expires_at, banners, posts, note,
                  tuple(p for p in problems if p.path in files), post_action=action, effects=tuple(done),
                  public_at=public_at, push_notes=tuple((lang, note) for lang, note in held if note))


def _removed(old: Alert, config: Config, now: datetime, problems: list[Problem]) -> Change:
    """An alert missing from the head: deleted, or its files no longer parse."""
    text = old.text(config.default_lang, config.default_lang)
    stems = {t.source.name.split(".")[0] for t in old.texts.values()}
    related = tuple(p for p in problems if p.path.rsplit("/", 1)[-1].split(".")[0] in stems)
    if any(p.is_error for p in related):
        return Change(old.id, "unreadable", (), text.title, old.severity.value, N_("cannot be read"), old.publish_at,
                      old.expires_at, (), (), N_("unknown until its files can be read: fix the problems"), related)
    public = state_of(old, now) is not State.scheduled
    note = (N_("the page disappears from the site and feeds, but posts already sent stay online; "
               "to correct a published alert, set `withdrawn` with a reason instead") if public else
            N_("it was not published yet: nothing was sent"))
    if public:
        name = min(t.source.name for t in old.texts.values())
        related += (deleted_published(old.id, f"{display_path(config.content_dir / 'alerts', config.root)}/{name}"),)
    return Change(old.id, "removed", (), text.title, old.severity.value, "removed", old.publish_at, old.expires_at,
                  (), (), note, related)


def deleted_published(alert_id: str, path: str) -> Problem:
    """A published alert is withdrawn, never deleted: readers, feed readers, CAP aggregators
    and followers saw it, and only a withdrawal tells them it was wrong. `path` is where its
    file was, as shown to the user."""
    return Problem(path, 1, 1, "error", f"the alert {alert_id!r} was published and its files are deleted",
                   "restore its files and set `withdrawn:` with the reason (and `updated_at:`) instead: "
                   "a published alert is withdrawn, never deleted")


def build_report(base: Content | None, head: Loaded, config: Config, now: datetime, changed: frozenset[str],
                 base_label: str, head_label: str, sent: effects.Sent | None = None,
                 path: PublishPath | None = None, notes: tuple[str, ...] = ()) -> Report:
    """Compare two content sets by alert id and say what the head would publish at `now`.

    `changed` holds the project-relative paths of files that differ; warnings are shown only
    for them, errors everywhere (an error anywhere blocks a publish). `sent` is what the outbox
    has sent (None: not known), to count the posts a withdrawal deletes.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    old = {a.id: a for a in (base.alerts if base else ())}
    new_content = head.content
    new = {a.id: a for a in (new_content.alerts if new_content else ())}
    plan = Plan.at(new_content, now) if new_content else None
    problems = [p for p in head.problems if p.is_error or p.path in changed]
    used: set[Problem] = set()
    changes: list[Change] = []
    for alert_id in sorted(old.keys() | new.keys()):
        before, after = old.get(alert_id), new.get(alert_id)
        if after is None:
            assert before is not None
            change = _removed(before, config, now, problems)
        else:
            assert plan is not None
            files = _files_of(after, config)
            if before is None:
                kind = "added"
            elif after.is_withdrawn and not before.is_withdrawn:
                kind = "withdrawn"
            elif changed_fields(before, after) or files & changed:
                kind = "modified"
            else:
                continue
            if kind == "modified" and not changed_fields(before, after) and not any(p.path in files for p in problems):
                continue  # a file changed without changing the alert (e.g. a comment in front matter)
            base_now = state_of(before, now) if before else None
            change = _change(kind, before, after, config, plan, base_now, problems, sent, path)
        used.update(change.problems)
        changes.append(change)
    alert_dir = display_path(config.content_dir / "alerts", config.root) + "/"
    changes += _unreadable(changed, alert_dir, problems, used, {c.alert_id for c in changes}, config)
    rest = tuple(p for p in problems if p not in used)
    others = tuple(sorted(f for f in changed if not f.startswith(alert_dir)))
    return Report(base_label, head_label, now, config.settings.timezone, tuple(changes), rest, head.complete, others,
                  path, notes)


def _unreadable(changed: frozenset[str], alert_dir: str, problems: list[Problem], used: set[Problem],
                named: set[str], config: Config) -> list[Change]:
    """Changed alert files with errors that left no alert to compare (a new file whose front
    matter does not parse): listed as unreadable, so the report never says that nothing changed."""
    stems: dict[str, list[Problem]] = {}
    for path in sorted(changed):
        if not path.startswith(alert_dir) or not path.endswith(".md"):
            continue
        stem = path[len(alert_dir):].split(".")[0]
        mine = [p for p in problems if p.path == path and p not in used]
        if stem not in named and any(p.is_error for p in mine):
            stems.setdefault(stem, []).extend(mine)
    out = []
    for stem, found in stems.items():
        used.update(found)
        out.append(Change(stem, "unreadable", (), stem, "?", N_("cannot be read"), None, None, (), (),
                          N_("unknown until its files can be read: fix the problems"), tuple(found)))
    return out


# ---------------------------------------------------------------- rendering


def when(t: datetime | None, tz: str) -> str:
    """A time in the editors' zone with its offset and label, e.g. `2026-04-01 09:00 Beijing time (UTC+8)`."""
    return "never" if t is None else editor_time(t, tz)


_EFFECTS = {"withdraw": "what the withdrawal does:", "update": "what the update does to the earlier posts:"}


def _verdict(report: Report, tr: Translator = ENGLISH) -> str:
    if not report.complete:
        return tr(f"❌ {report.errors} error(s), {report.warnings} warning(s); some files could not be read: fix the "
                "problems below; until then the comparison is incomplete")
    if report.errors:
        return tr(f"❌ {report.errors} error(s), {report.warnings} warning(s): this cannot be published until the errors "
                  "are fixed")
    if report.warnings:
        return tr(f"⚠️ {report.warnings} warning(s), no errors")
    return tr("✅ no problems")


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def _fit(post: render_posts.Post, tr: Translator = ENGLISH) -> str:
    """✅ only for a post that goes out whole: a cut one is an error of check's, never a ✅."""
    if post.truncated:
        return tr("❌ would be cut to fit (an error: shorten the text)")
    return _mark(post.fits)


def _public(c: Change, report: Report, tr: Translator = ENGLISH) -> str:
    if c.public_at is None or c.publish_at is None or c.public_at == c.publish_at:
        return ""
    return tr(f"; public at about {when(c.public_at, report.tz)}, at the first publish run after it")


def _nothing(report: Report, tr: Translator = ENGLISH) -> str:
    if report.errors:
        return tr("No alert can be compared: fix the errors below, then run the report again.")
    return tr("No alert is added, changed, withdrawn or removed.")


def _problem_line(p: Problem, tr: Translator = ENGLISH) -> str:
    return f"{'❌' if p.is_error else '⚠️'} {tr.problem(p)}"


def to_markdown(report: Report, tr: Translator = ENGLISH) -> str:
    """GitHub-flavoured Markdown for a job summary or a pull-request comment, in the editor's
    language (`tr`); posts stay as they go out."""
    out = ["## alertcast report", "",
           tr(f"Compares `{report.base}` with `{report.head}` at {when(report.now, report.tz)}."), "",
           _verdict(report, tr), ""]
    out += [f"> {_md(tr(n))}" for n in report.notes] + ([""] if report.notes else [])
    if report.path is not None:
        out += [tr(f"Publishing: {tr(report.path.describe())}."), ""]
    if not report.changes:
        out += [_nothing(report, tr), ""]
    else:
        out += [tr("| alert | change | severity | goes live | status |"), "| --- | --- | --- | --- | --- |"]
        for c in report.changes:
            out.append(f"| `{c.alert_id}` | {tr(c.kind)} | {tr(c.severity)} | {tr(when(c.publish_at, report.tz))} | "
                       f"{tr(c.status)} |")
        out.append("")
    for c in report.changes:
        out += [f"### `{c.alert_id}` — {tr(c.kind)}", "", f"**{_md(c.title)}** · {tr(c.severity)} · {tr(c.status)}", ""]
        out.append(tr(f"- goes live: {tr(when(c.publish_at, report.tz))}{_public(c, report, tr)}"))
        out.append(tr(f"- expires: {tr(when(c.expires_at, report.tz))}"))
        if c.fields:
            names = ", ".join(f"`{tr(f)}`" for f in c.fields)
            out.append(tr(f"- changed: {names}"))
        out.append(tr(f"- posts: {tr(c.post_note)}"))
        if c.effects:
            out.append(f"- {tr(_EFFECTS[c.post_action])}")
            out += [f"  - {_md(tr(e))}" for e in c.effects]
        out.append("")
        if c.problems:
            out += [tr("**Problems**"), ""] + [f"- {_md(_problem_line(p, tr))}" for p in c.problems] + [""]
        if c.kind not in ("removed", "unreadable"):
            out += _banners_md(c, report.tz, tr)
        if c.posts:
            out += [tr("**Posts**"), "", tr("| channel | language | action | length | limit | fits |"),
                    "| --- | --- | --- | --- | --- | --- |"]
            for p in c.posts:
                out.append(f"| {p.channel} | {p.lang} | {tr(c.post_action)} | {p.length} | {p.limit} {tr(p.unit)} | "
                           f"{_fit(p, tr)} |")
            out.append("")
            for p in c.posts:
                held = [line for lang, note in c.push_notes if lang == p.lang for line in (tr(note), "")]
                shown = [*render_push.lines(p.text), "", *held] if p.channel == "fcm" else []
                shown = [*render_wechat.lines(p.text), ""] if p.channel == "wechat" else shown
                out += [f"<details><summary>{tr(f'{p.channel} post ({p.length}/{p.limit})')}</summary>", "",
                        *([_md(mail.subject_note(p.text)), ""] if p.channel == "email" else []), "```text",
                        *shown, p.text, "```", "", "</details>", ""]
    if report.other_files:
        out += [tr("### Other changed files"), ""] + [f"- `{f}`" for f in report.other_files] + [""]
    if report.problems:
        out += [tr("### Other problems"), ""] + [f"- {_md(_problem_line(p, tr))}" for p in report.problems] + [""]
    return "\n".join(out).rstrip() + "\n"


def _banner_times(item: dict, tz: str, tr: Translator = ENGLISH) -> str:
    """The banner file's times are UTC for apps (`Z`); say what they are for the editor."""
    def shown(value: str | None) -> str:
        return tr("none") if value is None else tr(when(datetime.fromisoformat(value.replace("Z", "+00:00")), tz))
    return tr(f"starts_at {item['starts_at']} is {shown(item['starts_at'])}; "
              f"ends_at {item['ends_at'] or 'null'} is {shown(item['ends_at'])} (apps read UTC)")


def _banners_md(c: Change, tz: str, tr: Translator = ENGLISH) -> list[str]:
    if not c.banners:
        return [tr("**Banner**: no banner channel"), ""]
    out = [tr("**Banner**"), ""]
    for b in c.banners:
        if b.item is None:
            out += [f"- `{b.lang}`: {tr(b.note)}"]
            continue
        out += [f"`{b.lang}`" + (f" ({tr(b.note)})" if b.note else ""), "", "```json", b.json, "```", ""]
        out += [_banner_times(b.item, tz, tr), ""]
    return out + [""] if out[-1] != "" else out


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;")


def to_text(report: Report, tr: Translator = ENGLISH) -> str:
    """Plain text for a terminal, in the editor's language (`tr`); posts stay as they go out."""
    out = [tr(f"alertcast report: {report.base} -> {report.head} at {when(report.now, report.tz)}"),
           _verdict(report, tr), ""]
    out += [tr(note) for note in report.notes]
    if report.path is not None:
        out.append(tr(f"Publishing: {tr(report.path.describe())}."))
    if report.notes or report.path is not None:
        out.append("")
    if not report.changes:
        out.append(_nothing(report, tr))
    for c in report.changes:
        out.append(tr(f"== {c.alert_id}: {tr(c.kind)} ({tr(c.severity)}, {tr(c.status)}) {c.title}"))
        out.append(tr(f"   goes live: {tr(when(c.publish_at, report.tz))}{_public(c, report, tr)}"))
        out.append(tr(f"   expires:   {tr(when(c.expires_at, report.tz))}"))
        if c.fields:
            names = ", ".join(tr(f) for f in c.fields)
            out.append(tr(f"   changed:   {names}"))
        out.append(tr(f"   posts:     {tr(c.post_note)}"))
        if c.effects:
            out.append(f"   {tr(_EFFECTS[c.post_action])}")
            out += [f"     - {tr(e)}" for e in c.effects]
        for p in c.problems:
            out.append(f"   {_problem_line(p, tr)}")
        if c.kind not in ("removed", "unreadable"):
            if not c.banners:
                out.append(tr("   banner: no banner channel"))
            for b in c.banners:
                out.append(tr(f"   banner [{b.lang}]:") + " " + (tr(b.note) if b.item is None else
                                                            json.dumps(b.item, ensure_ascii=False, sort_keys=True)))
                if b.item is not None:
                    out.append(f"      {_banner_times(b.item, report.tz, tr)}")
        for p in c.posts:
            out.append(f"   -- {p.channel} [{p.lang}] {tr(c.post_action)}: {p.length}/{p.limit} {tr(p.unit)} {_fit(p, tr)}")
            if p.channel == "fcm":
                out += [f"      {line}" for line in render_push.lines(p.text)]
                out += [f"      {tr(note)}" for lang, note in c.push_notes if lang == p.lang]
            if p.channel == "wechat":
                out += [f"      {line}" for line in render_wechat.lines(p.text)]
            if p.channel == "email":
                out.append(f"      {mail.subject_note(p.text)}")
            out += [f"      | {line}" for line in p.text.split("\n")]
        out.append("")
    if report.other_files:
        out.append(tr(f"Other changed files: {', '.join(report.other_files)}"))
    if report.problems:
        out.append(tr("Other problems:"))
        out += [f"   {_problem_line(p, tr)}" for p in report.problems]
    return "\n".join(out).rstrip() + "\n"
