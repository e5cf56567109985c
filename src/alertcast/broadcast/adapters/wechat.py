"""A WeChat Official Account (公众号): each alert is a draft (`cgi-bin/draft/add`), then either
published (`freepublish/submit`: no one is notified) or broadcast to every follower
(`message/mass/sendall`).

WeChat answers HTTP 200 with an `errcode` for most errors, so this adapter reads the body. The
access token (`cgi-bin/stable_token`, two hours) is held by the adapter object, which the
dispatcher keeps for as long as it runs: one token for every row, fetched again five minutes
before it expires, and once more, forced, when WeChat calls it invalid or expired (40001,
42001). It is never written to the state store, which is copied to the state branch.

A broadcast carries `clientmsgid` = the row's idempotency key: WeChat refuses a second
broadcast with the same one (45065), so a broadcast whose answer was lost is simply sent again.
A publish has no such key: one whose answer was lost is looked for among the account's latest
published articles (`freepublish/batchget`); not found there (publishing can take minutes), it
is held for a person, never published again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ...render import wechat as render_wechat
from .. import broadcasts, channel_memory
from .base import Adapter, Message, SendError

DEFAULT_SECRET_ENV = "WECHAT_APP_SECRET"
#: Fetch a new token this long before WeChat's expiry.
TOKEN_MARGIN = 300.0
#: errcodes that say the access token is not (or no longer) good: fetch another, once.
TOKEN_REFUSED = {40001, 40014, 42001}
#: errcodes that need a person, with how to fix them.
HINTS = {
    40013: "the app_id in mkdocs.yml is not this account's AppID",
    40125: "the AppSecret in {env} is wrong or was reset; copy the current one from the Official Accounts Platform",
    40164: "this machine's IP address is not on the account's IP allow-list (IP白名单); add it in the Official "
           "Accounts Platform (Settings and Development > Basic Configuration)",
    61004: "this machine's IP address is not on the account's IP allow-list (IP白名单); add it in the Official "
           "Accounts Platform",
    48001: "the account may not call this API: broadcasts and publishing need a verified (认证) account",
    40007: "WeChat does not know the media id (the cover image was deleted from the account's materials?)",
    45028: "the account has no broadcast left this month",
}
COVER_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
COVER_MAX_BYTES = 10 * 1024 * 1024
#: Pages of 20 latest published articles a lost publish is looked for in.
LOOKUP_PAGES = 3


class WechatError(SendError):
    """A refusal WeChat gave as `errcode`; `code` lets the adapter tell them apart."""

    def __init__(self, kind: str, message: str, code: int, retry_after: float | None = None, body: dict | None = None):
        super().__init__(kind, message, retry_after, detail=str(code))
        self.code = code
        self.body = body or {}


class Wechat(Adapter):
    name = "wechat"
    edit_window = None  # an article cannot be edited through the API: an update is a new article
    delete_window = float("inf")  # freepublish/delete and message/mass/delete have no time limit here
    safe_repeat = frozenset({"broadcast"})  # clientmsgid: WeChat keeps one broadcast per key
    can_lookup = True  # a publish, among the account's latest published articles

    def setup(self) -> None:
        self.app_id = str(self.require("app_id"))
        self.cover = str(self.require("cover"))
        self.base_url = str(self.settings.get("base_url") or "https://api.weixin.qq.com").rstrip("/")
        self.secret_env = str(self.settings.get("secret_env") or DEFAULT_SECRET_ENV)
        self.app_secret = self.secret("secret_env", DEFAULT_SECRET_ENV)
        self.redact.add_param("access_token")  # in every call's URL, whichever token it is
        self.correction = bool(self.settings.get("correction", True))
        self.clock: Callable[[], float] = time.monotonic
        self._token: str | None = None
        self._token_until = 0.0
        self.engine: Any = None
        self.config: Any = None
        self._remarks: dict[str, tuple[str, str]] = {}
        self._corrected: set[str] = set()

    def attach(self, engine: Any, config: Any) -> None:
        self.engine, self.config = engine, config

    @property
    def configured(self) -> bool:
        return self.app_secret is not None

    # -- HTTP and errcodes -----------------------------------------------------------------
    def _post_json(self, path: str, body: dict, params: dict | None = None) -> dict:
        """One call; WeChat wants UTF-8 JSON as written (no \\u escapes in titles)."""
        response = self.request("POST", f"{self.base_url}/cgi-bin/{path}", params=params,
                                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                headers={"Content-Type": "application/json; charset=utf-8"})
        return self._checked(path, self.json(response))

    def _checked(self, path: str, data: dict) -> dict:
        code = data.get("errcode", 0)
        try:
            code = int(code)
        except (TypeError, ValueError):
            raise SendError("unknown", f"wechat: {path}: an errcode that is not a number") from None
        if code == 0:
            return data
        said = self.redact(str(data.get("errmsg", "")))[:200]
        message = f"wechat: {path}: errcode {code} {said}"
        if code in TOKEN_REFUSED:
            raise WechatError("permanent", message, code, body=data)
        if code == -1:  # 系统繁忙: WeChat did not do it; try again later
            raise WechatError("retry", message, code, 60.0, data)
        if code in (45009, 45011, 45047, 45066):  # daily or minute call quota, clientmsgid retried too fast
            wait = 60.0 if code in (45011, 45066) else 3600.0
            raise WechatError("rate_limited", message, code, wait, data)
        hint = HINTS.get(code)
        if hint:
            message += "; " + hint.format(env=self.secret_env)
        raise WechatError("permanent", message, code, body=data)

    def _fetch_token(self, force: bool) -> str:
        if not self.app_secret:
            raise SendError("permanent", f"wechat: no AppSecret in {self.secret_env}")
        data = self._post_json("stable_token", {"grant_type": "client_credential", "appid": self.app_id,
                                                "secret": self.app_secret, "force_refresh": force})
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise SendError("retry", "wechat: stable_token answered without an access_token")
        self.redact.add(token)
        self._token = token
        self._token_until = self.clock() + float(data.get("expires_in") or 7200) - TOKEN_MARGIN
        return token

    def token(self) -> str:
        """The held token, or a new one when none is held or it is about to expire."""
        if self._token is None or self.clock() >= self._token_until:
            return self._fetch_token(force=False)
        return self._token

    def call(self, path: str, body: dict | None = None, *, files: dict | None = None, params: dict | None = None) -> dict:
        """An API call with the access token; a token WeChat refuses is replaced once (the call
        was refused, so sending it again is safe)."""
        for attempt in (1, 2):
            query = {"access_token": self.token(), **(params or {})}
            try:
                if files is not None:
                    response = self.request("POST", f"{self.base_url}/cgi-bin/{path}", params=query, files=files)
                    return self._checked(path, self.json(response))
                return self._post_json(path, body or {}, query)
            except WechatError as exc:
                if exc.code not in TOKEN_REFUSED or attempt == 2:
                    raise
                self._token = None
                self._fetch_token(force=True)
        raise AssertionError("unreachable")

    # -- the cover image -------------------------------------------------------------------
    def _cover_file(self) -> Path:
        root = Path(self.config.root) if self.config is not None else Path.cwd()
        path = (root / self.cover).resolve()
        if not path.is_relative_to(root.resolve()):
            raise SendError("permanent", f"wechat: cover {self.cover!r} is outside the project folder; "
                                         "put the image in the project and name it relative to mkdocs.yml")
        if path.suffix.lower() not in COVER_TYPES or not path.is_file():
            raise SendError("permanent", f"wechat: cover {self.cover!r} is not a JPG or PNG file in the project; "
                                         "set extra.alertcast.channels.wechat.cover in mkdocs.yml")
        if path.stat().st_size > COVER_MAX_BYTES:
            raise SendError("permanent", f"wechat: cover {self.cover!r} is larger than WeChat's 10 MB")
        return path

    def _seal(self, key: str, media_id: str) -> str:
        """The stored form of a media id: with an HMAC keyed by the AppSecret, because the state
        store travels through the state branch, where anyone with push access could point the
        cover at another image of the account. A seal that does not match costs one upload."""
        mac = hmac.new((self.app_secret or "").encode(), f"{key}\n{media_id}".encode(), hashlib.sha256).hexdigest()
        return f"{media_id}#{mac}"

    def _unseal(self, key: str, value: str | None) -> str | None:
        media_id, _, _ = str(value or "").rpartition("#")
        if media_id and self.app_secret and hmac.compare_digest(self._seal(key, media_id), str(value)):
            return media_id
        return None

    def cover_media_id(self, now: datetime) -> str:
        """The cover's permanent media id: uploaded once per account and image, then recalled."""
        path = self._cover_file()
        data = path.read_bytes()
        key = f"cover:{self.app_id}:{hashlib.sha256(data).hexdigest()}"
        if self.engine is not None:
            known = self._unseal(key, channel_memory.recall(self.engine, self.name, key))
            if known:
                return known
        answer = self.call("material/add_material", params={"type": "image"},
                           files={"media": (path.name, data, COVER_TYPES[path.suffix.lower()])})
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise SendError("unknown", "wechat: material/add_material answered without a media_id")
        if self.engine is not None:
            channel_memory.remember(self.engine, self.name, key, self._seal(key, media_id), now)
        return media_id

    def _forget_cover(self) -> None:
        if self.engine is not None:
            data = self._cover_file().read_bytes()
            channel_memory.forget(self.engine, self.name, f"cover:{self.app_id}:{hashlib.sha256(data).hexdigest()}")

    # -- what a row becomes ----------------------------------------------------------------
    def choose(self, row: dict, operation: str, now: datetime) -> tuple[str, str | None]:
        """A post is broadcast when the row asks for it, the month's quota allows and no broadcast
        was made for the row before; otherwise published, with a note saying why."""
        if operation != "post":
            return operation, None
        earlier = broadcasts.made(row)
        if earlier:
            return "publish", (f"broadcast {earlier} was made for this row already and is never made again; "
                               "published without notifying followers")
        try:
            wanted = bool(render_wechat.parse(row["text"]).get("broadcast"))
        except ValueError:
            return "publish", None  # post() says what is wrong with the row
        if not wanted:
            return "publish", None
        keys = render_wechat.settings(self.config)
        used = broadcasts.spent(self.engine, row["channel"], now, self.config.tz, besides=row["id"])
        severity = str(render_wechat.parse(row["text"]).get("severity"))
        why = broadcasts.refusal(used, keys.broadcasts_per_month, severity, keys.keep_last_for)
        if why:
            return "publish", f"broadcast held: {why}; published without notifying followers"
        return "broadcast", None

    def remark(self, remote_id: str) -> tuple[str | None, str | None]:
        return self._remarks.pop(remote_id, (None, None))

    # -- operations ------------------------------------------------------------------------
    def _draft(self, text: str, now: datetime) -> str:
        try:
            article = dict(render_wechat.parse(text)["article"])
        except ValueError as exc:
            raise SendError("permanent", f"wechat: row is not a WeChat article: {exc}") from None
        for attempt in (1, 2):
            article["thumb_media_id"] = self.cover_media_id(now)
            try:
                answer = self.call("draft/add", {"articles": [article]})
            except WechatError as exc:
                if exc.code != 40007 or attempt == 2:  # the remembered cover is gone: upload it again, once
                    raise
                self._forget_cover()
                continue
            media_id = answer.get("media_id")
            if not isinstance(media_id, str) or not media_id:
                raise SendError("unknown", "wechat: draft/add answered without a media_id")
            return media_id
        raise AssertionError("unreachable")

    def post(self, msg: Message) -> str:
        now = msg.created_at or datetime.now().astimezone()
        try:
            media_id = self._draft(msg.text, now)
        except SendError as exc:
            if exc.kind != "unknown":
                raise
            # Only a draft or the cover's material may have been made: no follower sees either,
            # so the whole post is safe to try again.
            raise SendError("retry", f"{exc} (before publishing: nothing public was made)", status=exc.status,
                            detail=exc.detail) from None
        if msg.operation == "broadcast":
            return self._broadcast(media_id, msg)
        return self._publish(media_id)

    def _publish(self, media_id: str) -> str:
        answer = self.call("freepublish/submit", {"media_id": media_id})
        return f"publish:{answer.get('publish_id')}"

    def _broadcast(self, media_id: str, msg: Message) -> str:
        body = {"filter": {"is_to_all": True}, "mpnews": {"media_id": media_id}, "msgtype": "mpnews",
                "send_ignore_reprint": 0, "clientmsgid": msg.idem_key}
        try:
            answer = self.call("message/mass/sendall", body)
        except WechatError as exc:
            if exc.code == 45065:  # this clientmsgid was broadcast already: an earlier attempt got through
                found = exc.body.get("msg_id")
                if found:
                    return self._after_broadcast(str(found))
                raise SendError("duplicate", str(exc)) from None
            if exc.code == 45028:  # no broadcast left: publish it, so the article is out at least
                remote = self._publish(media_id)
                self._remarks[remote] = ("posted", "broadcast refused by WeChat: no broadcast left this month "
                                                   "(45028); published without notifying followers")
                return remote
            raise
        return self._after_broadcast(str(answer.get("msg_id")))

    def _after_broadcast(self, msg_id: str) -> str:
        """With API broadcast protection on, a broadcast waits up to 30 minutes for an
        administrator to confirm it in WeChat (its status reads SENDING until then)."""
        remote = f"broadcast:{msg_id}"
        try:
            status = self.call("message/mass/get", {"msg_id": msg_id}).get("msg_status")
        except SendError:
            status = None  # it was accepted; the status is a courtesy
        if status == "SENDING":
            self._remarks[remote] = (broadcasts.PENDING, "broadcast waiting for an administrator's confirmation "
                                     "(API broadcast protection): confirm it in WeChat within 30 minutes, or "
                                     "WeChat cancels it and alertcast publishes the article without notifying "
                                     "followers")
        elif status in ("SEND_FAIL", "DELETE"):  # refused at once: the next drain publishes it instead
            self._remarks[remote] = (broadcasts.PENDING, "WeChat reports the broadcast failed; the article is "
                                     "published without notifying followers at the next drain")
        return remote

    def follow_up(self, row: dict, now: datetime) -> tuple[str, str | None] | None:
        """A broadcast that was waiting for an administrator: confirmed (sent to followers),
        refused or left unconfirmed for 30 minutes (WeChat fails it: then the article is
        published instead, so the warning is at least readable), or still waiting."""
        kind, _, msg_id = str(row["remote_id"] or "").partition(":")
        if kind != "broadcast":
            return None
        status = self.call("message/mass/get", {"msg_id": msg_id}).get("msg_status")
        if status == "SEND_SUCCESS":
            return "posted", None
        if status in ("SEND_FAIL", "DELETE"):
            return broadcasts.INSTEAD, (f"broadcast {msg_id} not sent by WeChat (an administrator refused it, or did "
                                        "not confirm it within 30 minutes): followers were not notified. alertcast "
                                        "never broadcasts it again; a person may, from the Official Accounts Platform")
        return None

    def settle(self, row: dict, now: datetime) -> str:
        """Publish the article of a broadcast WeChat did not send: a new draft, then freepublish."""
        return self._publish(self._draft(row["text"], now))

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        kind, _, ident = remote_id.partition(":")
        if kind == "broadcast":
            self.call("message/mass/delete", {"msg_id": ident, "article_idx": 0})
        elif kind == "publish":
            found = self.call("freepublish/get", {"publish_id": ident})
            status = found.get("publish_status")
            if status == 1:
                raise SendError("retry", "wechat: the article is still being published; it is deleted later", 60.0)
            if status == 0 and found.get("article_id"):
                self.call("freepublish/delete", {"article_id": found["article_id"], "index": 0})
        elif kind == "article":  # found by `find`: WeChat gave no publish id
            self.call("freepublish/delete", {"article_id": ident, "index": 0})
        else:
            raise SendError("permanent", f"wechat: {remote_id!r} is not an id alertcast gave a WeChat post")
        if msg is not None and self.correction and msg.idem_key not in self._corrected:
            self._corrected.add(msg.idem_key)
            self._publish(self._draft(msg.text, msg.created_at or datetime.now().astimezone()))

    def find(self, msg: Message) -> str | None:
        """The article of a publish whose answer was lost, among the latest published since the row
        was queued, matched by title, digest and 阅读原文 link. Not found is not "not published"
        (a publish can take minutes to be listed), so it raises: the row is held for a person."""
        try:
            article = render_wechat.parse(msg.text)["article"]
        except ValueError as exc:
            raise SendError("permanent", f"wechat: row is not a WeChat article: {exc}") from None
        since = (msg.created_at.timestamp() - 60) if msg.created_at else 0  # WeChat's clock may differ a little
        for page in range(LOOKUP_PAGES):
            items = self.call("freepublish/batchget", {"offset": 20 * page, "count": 20, "no_content": 1}).get("item")
            items = items if isinstance(items, list) else []
            for item in items:
                news = ((item.get("content") or {}).get("news_item") or [{}]) if isinstance(item, dict) else [{}]
                if (isinstance(news[0], dict) and item.get("article_id") and float(item.get("update_time") or 0) >= since
                        and all(news[0].get(k) == article.get(k) for k in ("title", "digest", "content_source_url"))):
                    return f"article:{item['article_id']}"
            if len(items) < 20:
                break
        raise SendError("unknown", f"wechat: not among the account's {20 * LOOKUP_PAGES} latest published articles "
                                   "(publishing can take minutes: check the account's published articles)")

