"""Weibo: `POST 2/statuses/share.json` with an OAuth 2.0 access token (in the `Authorization:
OAuth2` header), the text and the operator's real IP (`rip`); `2/statuses/destroy.json` deletes a
post. Weibo cannot edit a post.

Every error is a JSON body {"request", "error_code", "error"}, and its `error_code` decides what
it means, whatever the HTTP status: a token Weibo no longer takes (it expires; the operator
renews it) fails the row saying so; Weibo's per-hour limits pause the channel; a repeated text
(20019, 20017, 20111) means Weibo already has this post, most likely from our own earlier
attempt, and 20032 means it was posted but is not visible yet: both are looked up in the
account's recent posts and never posted blindly again, as X's duplicate is.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...render import weibo
from .base import Adapter, ConfigProblem, Message, SendError

#: error_code -> what the operator must do; the request did not post anything.
TOKEN_ERRORS = {
    21314: "the access token was already used", 21315: "the access token has expired",
    21316: "the access token was revoked", 21317: "the access token was refused",
    21327: "the access token has expired (expired_token)", 21332: "the access token is not valid (invalid_access_token)",
    21301: "authentication failed",
}
RATE_LIMITS = {10022: "too many requests from this IP", 10023: "too many requests from this account",
               10024: "too many requests of this interface from this account", 20016: "too many posts"}
#: Weibo already has this text (or has just posted it): probably our own earlier attempt.
REPEATED = {20017: "a similar text was just posted", 20019: "the same text was already posted",
            20111: "the same post already exists", 20032: "posted, not visible yet"}
NOT_FOUND = 20101  # 不存在的微博: the post to delete is already gone
#: Weibo counts its limits per hour and gives no hint of when one ends.
RATE_LIMIT_WAIT = 3600.0
_CODE = re.compile(r'"error_code"\s*:\s*"?(\d+)')


def _plain(text: str) -> str:
    """A post as a timeline returns it: links (made t.cn links by Weibo) left out, spaces folded."""
    return " ".join(re.sub(r"https?://\S+", " ", text).split())


class Weibo(Adapter):
    name = "weibo"
    delete_window = float("inf")
    safe_repeat = frozenset({"delete"})  # a second delete of one post finds it gone (20101)
    can_lookup = True

    def setup(self) -> None:
        self.base_url = str(self.settings.get("base_url") or "https://api.weibo.com").rstrip("/")
        self.token_env = str(self.settings.get("token_env") or "WEIBO_ACCESS_TOKEN")
        self.token = self.secret("token_env", "WEIBO_ACCESS_TOKEN")
        self.token_file = Path(str(self.settings["token_file"])).expanduser() if self.settings.get("token_file") else None
        if self.token_file is not None:
            self.token_env = str(self.token_file)  # where a renewed token goes
            self.token = self._read_token()
        self.rip = str(self.settings.get("rip") or "")
        self.safe_domain = str(self.settings.get("safe_domain") or "")

    def _read_token(self) -> str | None:
        """The token in `token_file`, read again before each send so that a renewed one is used."""
        assert self.token_file is not None
        try:
            value = self.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigProblem(f"weibo: cannot read the token file {self.token_file}: "
                                f"{getattr(exc, 'strerror', None) or type(exc).__name__}; write the access token "
                                "there, or remove token_file to read it from token_env") from None
        self.redact.add(value)
        return value or None

    @property
    def configured(self) -> bool:
        return self.token is not None

    def request(self, method: str, url: str, **kwargs):  # type: ignore[no-untyped-def]
        """Weibo takes the token as an `access_token` parameter or in this header; the header
        keeps it out of URLs and bodies, which logs and error pages quote."""
        if self.token_file is not None:
            try:
                self.token = self._read_token() or self.token
            except ConfigProblem as exc:
                raise SendError("retry", str(exc)) from None  # nothing was sent
        try:
            return super().request(method, url, headers={"Authorization": f"OAuth2 {self.token}"}, **kwargs)
        except SendError as exc:
            raise self._meaning(exc) from None

    def _meaning(self, exc: SendError) -> SendError:
        """The SendError Weibo's error_code means; the HTTP status alone does not tell."""
        found = _CODE.search(exc.detail)
        if not found:
            return exc
        code = int(found.group(1))
        said = f"weibo: error {code}: {exc.detail}"
        if code in TOKEN_ERRORS:
            return SendError("permanent", f"weibo: {TOKEN_ERRORS[code]} (error {code}): renew it (authorize the "
                                          f"app again on open.weibo.com), put the new token in {self.token_env}, "
                                          f"then `alertcast outbox retry ID` each failed row; Weibo said: {exc.detail}",
                             status=exc.status, detail=exc.detail)
        if code in RATE_LIMITS:
            return SendError("rate_limited", f"weibo: {RATE_LIMITS[code]} (error {code}); the channel waits an hour",
                             RATE_LIMIT_WAIT, status=exc.status, detail=exc.detail)
        if code in REPEATED:
            return SendError("duplicate", f"weibo: {REPEATED[code]} (error {code}): {exc.detail}",
                             status=exc.status, detail=exc.detail)
        if code == NOT_FOUND:
            return SendError("permanent", said, status=404, detail=exc.detail)  # gone: what a delete wants
        if code == 10004:
            return SendError("permanent", f"weibo: Weibo refuses requests from this IP (error 10004); check the "
                                          f"channel's rip and the app's IP settings: {exc.detail}",
                             status=exc.status, detail=exc.detail)
        if 10001 <= code <= 10003 or code in (10009, 10010, 10011):
            return SendError("unknown", said, status=exc.status, detail=exc.detail)  # a system error: it may have posted
        return SendError(exc.kind, said, exc.retry_after, status=exc.status, detail=exc.detail)

    def post(self, msg: Message) -> str:
        found = weibo.topics(msg.text)
        if found:  # refused by Weibo anyway; `alertcast check` says so first
            raise SendError("permanent", f"weibo: not sent: the text has a #topic# ({found[0]}), which the share "
                                         "API refuses; remove the # signs")
        if self.safe_domain and not any(weibo.on_domain(u, self.safe_domain) for u in weibo.urls(msg.text)):
            raise SendError("permanent", f"weibo: not sent: the text links to nothing on the safe domain "
                                         f"{self.safe_domain}, and Weibo refuses it")
        response = self.request("POST", f"{self.base_url}/2/statuses/share.json",
                                data={"status": msg.text, "rip": self.rip})
        body = self.json(response)
        remote = body.get("idstr") or body.get("id")
        if not remote:
            raise SendError("unknown", "weibo: the answer names no post id")
        return str(remote)

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        self.request("POST", f"{self.base_url}/2/statuses/destroy.json", data={"id": remote_id})

    def find(self, msg: Message) -> str | None:
        response = self.request("GET", f"{self.base_url}/2/statuses/user_timeline.json",
                                params={"count": 100, "trim_user": 1})
        wanted = _plain(msg.text)
        for status in self.json(response).get("statuses") or []:
            if isinstance(status, dict) and _plain(str(status.get("text", ""))) == wanted:
                return str(status.get("idstr") or status.get("id"))
        return None


__all__ = ["Weibo"]
