"""The WeChat Official Account API (api.weixin.qq.com/cgi-bin), as its documentation describes it.

Like WeChat, it answers HTTP 200 with `{"errcode": N, "errmsg": "..."}` for a refusal: 40001
(invalid credential), 42001 (access_token expired), 40125 (invalid appsecret), 40164 (IP not
on the allow-list), 40007 (invalid media_id), 45009 (daily API quota), 45011 (minute quota),
45028 (no broadcast quota), 45065 (a clientmsgid already broadcast within 24 hours: the answer
carries that broadcast's msg_id), 48001 (API unauthorized). With API broadcast protection on, a broadcast's
status is SENDING until an administrator confirms it (`confirm`), as message/mass/get reports;
one refused (`refuse_broadcast`) or not confirmed within 30 minutes of `clock` fails (SEND_FAIL).
"""

from __future__ import annotations

import secrets
import time

from . import FakeNetwork, Reply

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40007: "invalid media_id",
    40013: "invalid appid",
    40125: "invalid appsecret",
    40164: "invalid ip 203.0.113.7, not in whitelist",
    42001: "access_token expired",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    45028: "has no masssend quota",
    45065: "clientmsgid exist",
    48001: "api unauthorized",
}


def refusal(code: int, **extra) -> Reply:
    return Reply(200, {"errcode": code, "errmsg": f"{ERRMSG.get(code, 'error')} rid: 6571a1b2-0c0d0e0f", **extra})


class FakeWechat(FakeNetwork):
    def __init__(self, app_id: str = "wx0123456789abcdef", *a, **k):
        super().__init__(*a, **k)
        self.app_id = app_id
        self.app_secret = "wechat-SECRET-0a1b2c3d4e5f6a7b8c9d"
        self.tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.grants = 0
        self.forced = 0
        self.ip_allowed = True
        self.protection = False  # API broadcast protection: broadcasts wait for `confirm`
        self.publishing = False  # new publishes stay "publishing" (publish_status 1), not yet listed
        self.clock = time.time  # WeChat's clock, for the 30 minutes a broadcast waits (tests inject one)
        self.uploads: dict[str, bytes] = {}  # permanent material: media_id -> image
        self.drafts: dict[str, dict] = {}
        self.published: dict[str, dict] = {}  # publish_id -> {article_id, article, deleted}
        self.broadcasts: dict[str, dict] = {}  # msg_id -> {article, clientmsgid, status}
        self.refuse: dict[str, list[int]] = {}  # path -> errcodes to answer its next calls with
        self.lose: dict[str, int] = {}  # path -> HTTP status to answer once after the call took effect
        self.drop: dict[str, int] = {}  # path -> HTTP status to answer once instead of doing the call
        self.escaped: list[str] = []
        self.repeat_without_id = False  # 45065 answered without the earlier broadcast's msg_id  # paths whose JSON held \u escapes (WeChat shows them as written)

    # -- helpers for tests -----------------------------------------------------------------
    def expire_tokens(self) -> None:
        self.tokens = {t: 0.0 for t in self.tokens}

    def confirm(self, msg_id: str) -> None:
        self.broadcasts[msg_id]["status"] = "SEND_SUCCESS"

    def refuse_broadcast(self, msg_id: str) -> None:
        self.broadcasts[msg_id]["status"] = "SEND_FAIL"

    def live_broadcasts(self) -> list[dict]:
        return [b for b in self.broadcasts.values() if b["status"] != "DELETE"]

    def live_articles(self) -> list[dict]:
        return [p for p in self.published.values() if not p["deleted"]]

    # -- WeChat's shapes -------------------------------------------------------------------
    def error(self, status, message, req):
        return Reply(status, f"<html><body>{status} {message}</body></html>".encode())

    def route(self, req):
        path = req["path"].removeprefix("/cgi-bin/")
        if req["method"] != "POST":
            return 404, b"not found", {}
        if b"\\u" in req["raw"]:
            self.escaped.append(path)
        codes = self.refuse.get(path)
        if codes:
            raise refusal(codes.pop(0))
        if path == "stable_token":
            return self.stable_token(req["body"])
        token = (req["query"].get("access_token") or [""])[0]
        if token not in self.tokens:
            raise refusal(40001)
        if self.tokens[token] < time.time():
            raise refusal(42001)
        handler = getattr(self, path.replace("/", "_"), None)
        if handler is None:
            raise refusal(48001)
        if path in self.drop:
            raise self.server_error(self.drop.pop(path), req)  # it never took effect; the caller cannot know
        result = handler(req)
        if path in self.lose:
            raise self.server_error(self.lose.pop(path), req)  # it took effect; the answer is lost
        return 200, result, {}

    def stable_token(self, body: dict):
        if body.get("grant_type") != "client_credential" or body.get("appid") != self.app_id:
            raise refusal(40013)
        if body.get("secret") != self.app_secret:
            raise refusal(40125)
        if not self.ip_allowed:
            raise refusal(40164)
        live = [t for t, until in self.tokens.items() if until > time.time()]
        if live and not body.get("force_refresh"):
            token = live[0]  # the stable token: the same one until it expires or a refresh is forced
        else:
            self.forced += bool(body.get("force_refresh"))
            token = secrets.token_urlsafe(48)
            self.tokens = {token: time.time() + 7200}  # a new token ends the old ones
        self.grants += 1
        return 200, {"access_token": token, "expires_in": int(self.tokens[token] - time.time())}, {}

    def material_add_material(self, req):
        if req["query"].get("type") != ["image"] or b"name=\"media\"" not in req["raw"]:
            raise refusal(40007)
        media_id = "MEDIA_" + secrets.token_hex(8)
        self.uploads[media_id] = req["raw"]
        return {"media_id": media_id, "url": f"http://mmbiz.qpic.cn/{media_id}/0"}

    def draft_add(self, req):
        articles = req["body"].get("articles")
        if not isinstance(articles, list) or not articles:
            raise refusal(40007)
        for a in articles:
            if a.get("thumb_media_id") not in self.uploads:
                raise refusal(40007)
            if len(a.get("title", "")) > 32 or len(a.get("digest", "")) > 128 or len(a.get("author", "")) > 16:
                raise Reply(200, {"errcode": 45003, "errmsg": "title size out of limit"})
        media_id = "DRAFT_" + secrets.token_hex(8)
        self.drafts[media_id] = articles[0]
        return {"media_id": media_id}

    def freepublish_submit(self, req):
        article = self.drafts.pop(req["body"].get("media_id"), None)
        if article is None:
            raise refusal(40007)
        publish_id = self.new_id()
        self.published[publish_id] = {"article_id": "ART_" + secrets.token_hex(6), "article": article,
                                      "deleted": False, "at": int(self.clock()), "done": not self.publishing}
        self.posts[publish_id] = {"text": article["title"]}
        return {"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": int(publish_id)}

    def freepublish_get(self, req):
        found = self.published.get(str(req["body"].get("publish_id")))
        if found is None:
            raise Reply(200, {"errcode": 48006, "errmsg": "publish_id not found"})
        return {"publish_id": req["body"]["publish_id"],
                "publish_status": 5 if found["deleted"] else 0 if found["done"] else 1,
                "article_id": found["article_id"],
                "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": "https://mp.weixin.qq.com/s/x"}]},
                "fail_idx": []}

    def freepublish_batchget(self, req):
        body = req["body"]
        offset, count = int(body.get("offset", 0)), int(body.get("count", 0))
        if not 1 <= count <= 20:
            raise Reply(200, {"errcode": 40097, "errmsg": "invalid args"})
        done = [p for p in reversed(self.published.values()) if p["done"] and not p["deleted"]]  # newest first
        items = [{"article_id": p["article_id"], "update_time": p["at"], "content": {"news_item": [
            {**({k: v for k, v in p["article"].items() if k != "content"} if body.get("no_content") else p["article"]),
             "url": f"https://mp.weixin.qq.com/s/{p['article_id']}", "is_deleted": False}]}}
                 for p in done[offset:offset + count]]
        return {"total_count": len(done), "item_count": len(items), "item": items}

    def freepublish_delete(self, req):
        for found in self.published.values():
            if found["article_id"] == req["body"].get("article_id"):
                found["deleted"] = True
                self.deleted.append(found["article_id"])
                return {"errcode": 0, "errmsg": "ok"}
        raise Reply(200, {"errcode": 48006, "errmsg": "article_id not found"})

    def message_mass_sendall(self, req):
        body = req["body"]
        if body.get("msgtype") != "mpnews" or body.get("filter", {}).get("is_to_all") is not True:
            raise refusal(40007)
        cid = body.get("clientmsgid")
        for msg_id, b in self.broadcasts.items():  # WeChat checks the broadcasts of the last 24 hours
            if cid and b["clientmsgid"] == cid and self.clock() - b["at"] < 24 * 3600:
                raise refusal(45065, **({} if self.repeat_without_id else {"msg_id": int(msg_id)}))
        article = self.drafts.pop(body.get("mpnews", {}).get("media_id"), None)
        if article is None:
            raise refusal(40007)
        msg_id = self.new_id()
        self.broadcasts[msg_id] = {"article": article, "clientmsgid": cid, "at": self.clock(),
                                   "status": "SENDING" if self.protection else "SEND_SUCCESS"}
        self.posts[msg_id] = {"text": article["title"]}
        return {"errcode": 0, "errmsg": "send job submission success", "msg_id": int(msg_id),
                "msg_data_id": int(msg_id) + 1}

    def message_mass_get(self, req):
        found = self.broadcasts.get(str(req["body"].get("msg_id")))
        if found is None:
            raise Reply(200, {"errcode": 40059, "errmsg": "invalid msg id"})
        if found["status"] == "SENDING" and self.protection and self.clock() - found["at"] > 30 * 60:
            found["status"] = "SEND_FAIL"  # no administrator confirmed it within 30 minutes
        return {"msg_id": int(req["body"]["msg_id"]), "msg_status": found["status"]}

    def message_mass_delete(self, req):
        found = self.broadcasts.get(str(req["body"].get("msg_id")))
        if found is None:
            raise Reply(200, {"errcode": 40059, "errmsg": "invalid msg id"})
        found["status"] = "DELETE"
        self.deleted.append(str(req["body"]["msg_id"]))
        return {"errcode": 0, "errmsg": "ok"}
