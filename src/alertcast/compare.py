"""The effects behind `alertcast report`: read both sides of a change from git, load them.

Kept apart from report.py so the report itself stays a pure function of two content sets.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from .config import CONFIG_FILE, Config, load_config
from .content.loader import Loaded
from .checks.load import load_all
from .content.models import Content
from .effects import Sent
from .gitrefs import GitError, changed_files, current_commit, default_base, export, find_repo, resolve
from .problems import ContentError
from .report import Report, build_report
from .schedule import publish_path

__all__ = ["GitError", "from_git"]


def _parts(config: Config) -> tuple[str, ...]:
    """What a change can touch that affects what is published (relative to the project)."""
    return (CONFIG_FILE, config.settings.content_dir, "templates")


def _load_base(root: Path | None, head: Config) -> Content | None:
    """The base side's alerts, read as leniently as possible: only its models are needed."""
    if root is None or not (root / CONFIG_FILE).is_file():
        return None
    try:
        config = load_config(root)
    except ContentError:  # the base's own settings were broken: read its content with today's
        config = Config(root.resolve(), head.site_name, head.site_url, head.settings, head.raw)
    return load_all(config).content


def sent_posts(config: Config, project: Path) -> Sent | None:
    """How many distinct posts the outbox has sent per (alert, channel); None when there is no
    outbox to ask (a fresh clone, a pull request's runner) or it cannot be read. A SQLite path
    is taken relative to `project`, the folder the editor works in, and never created."""
    from sqlalchemy import and_, func, select
    from sqlalchemy.exc import SQLAlchemyError

    url = config.settings.state_url
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path = path if path.is_absolute() else project / path
        if not path.is_file():
            return None
        url = f"sqlite:///{path.resolve()}"
    from sqlalchemy import create_engine

    from .broadcast.outbox import outbox

    try:  # a server that does not answer must not hold the report up
        engine = create_engine(url, connect_args={} if url.startswith("sqlite") else {"connect_timeout": 5})
        with engine.connect() as conn:
            found = conn.execute(select(outbox.c.alert_id, outbox.c.channel, func.count(func.distinct(outbox.c.remote_id)))
                                 .where(and_(outbox.c.status == "sent", outbox.c.remote_id != "",
                                             outbox.c.action.in_(("post", "update"))))
                                 .group_by(outbox.c.alert_id, outbox.c.channel))
            counts: dict[tuple[str, str], int] = {}
            for alert_id, channel, n in found:  # email:zh and email:en are both the email channel's
                key = (alert_id, channel.partition(":")[0])
                counts[key] = counts.get(key, 0) + n
        engine.dispose()
    except (SQLAlchemyError, OSError):
        return None
    return counts


def from_git(project: Path, base_ref: str | None, head_ref: str | None, now: datetime,
             env: dict[str, str] | None = None) -> Report:
    """Compare `project` at `base_ref` (default: the branch the pull request targets, else
    main) with `head_ref` (or the working tree); raise GitError or ContentError."""
    if not project.is_dir():
        raise GitError(f"{project} is not a folder; pass the project folder that holds {CONFIG_FILE}")
    repo = find_repo(project)
    if base_ref is None:
        import os

        base_ref = default_base(repo, dict(os.environ if env is None else env))
    base_commit = resolve(repo, base_ref)
    head_commit = resolve(repo, head_ref) if head_ref else None
    with tempfile.TemporaryDirectory(prefix="alertcast-report-") as tmp:
        base_root = export(repo, base_commit, Path(tmp) / "base")
        if head_commit is None:
            head_root = project
        else:
            head_root = export(repo, head_commit, Path(tmp) / "head")
            if head_root is None:
                raise GitError(f"{repo.prefix or 'the project'} does not exist at {head_ref}; "
                               "pass the ref of a commit that has the project")
        config = load_config(head_root)
        head: Loaded = load_all(config)
        base = _load_base(base_root, config)
        changed = changed_files(base_root, head_root, _parts(config))
        notes = ()
        if not changed and head_commit is None and base_commit == current_commit(repo):
            notes = (f"The base {base_ref} is the commit you are on, and the working tree has no change to "
                     "compare: your changes are already committed in it. Compare with the branch the pull "
                     "request targets: alertcast report --base main (the default).",)
        return build_report(base, head, config, now, changed, _label(base_ref, base_commit),
                            _label(head_ref, head_commit) if head_ref and head_commit else "working tree",
                            sent_posts(config, project), publish_path(repo.top), notes)


def _label(ref: str, commit: str) -> str:
    """`origin/main (1a2b3c4)`, or just the abbreviated commit when that is what was given."""
    return commit[:7] if commit.startswith(ref.lower()) else f"{ref} ({commit[:7]})"
