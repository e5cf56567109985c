"""X API v2: POST /2/tweets, signed with OAuth 1.0a user context (keys that do not expire). X
rejects duplicate text (403) and allows edits for 30 minutes.

No idempotency key; after an unknown outcome the dispatcher looks for the post in the
account's recent posts (first line and the alert's link) before it would ever post again.
A 403 "duplicate content" means X already has this text, most likely from our own earlier
attempt: it is reported as `duplicate`, looked up, and never posted blindly again. An edit
creates a new post id each time, so an edit is not repeated blindly either: it is looked up.
"""

from __future__ import annotations

import html

from requests_oauthlib import OAuth1

from .base import Adapter, ConfigProblem, Message, SendError, retry_from_reset

#: setting -> its default environment variable
CREDENTIALS = {"api_key_env": "X_API_KEY", "api_secret_env": "X_API_SECRET", "access_token_env": "X_ACCESS_TOKEN",
               "access_secret_env": "X_ACCESS_TOKEN_SECRET"}
DUPLICATE = "duplicate content"  # X: "You are not allowed to create a Tweet with duplicate content."


class X(Adapter):
    name = "x"
    edit_window = 30 * 60.0
    delete_window = float("inf")
    safe_repeat = frozenset({"delete"})  # deleting twice deletes one post
    can_lookup = True

    def setup(self) -> None:
        self.base_url = str(self.settings.get("base_url", "https://api.x.com")).rstrip("/")
        # OAuth 1.0a user context: these keys do not expire, so nothing needs refreshing or storing.
        keys = {key: self.secret(key, env) for key, env in CREDENTIALS.items()}
        missing = [str(self.settings.get(k) or CREDENTIALS[k]) for k, v in keys.items() if not v]
        if 0 < len(missing) < len(keys):
            raise ConfigProblem(f"x: OAuth 1.0a needs four keys; {', '.join(missing)} not set in the environment "
                                "(the app's API key and secret, the account's access token and secret)")
        self.auth = None if missing else OAuth1(keys["api_key_env"], keys["api_secret_env"],
                                                keys["access_token_env"], keys["access_secret_env"])
        if not self.settings.get("edit", False):
            self.edit_window = None  # editing through the API is opt-in: a correction post is the default

    @property
    def configured(self) -> bool:
        return self.auth is not None

    def request(self, method: str, url: str, **kwargs):  # type: ignore[no-untyped-def]
        return super().request(method, url, auth=self.auth, **kwargs)  # signed per request (RFC 5849)

    def retry_hint(self, response):  # type: ignore[no-untyped-def]
        return retry_from_reset(response, "x-rate-limit-reset")

    def _create(self, body: dict) -> str:
        try:
            response = self.request("POST", f"{self.base_url}/2/tweets", json=body)
        except SendError as exc:
            if exc.status == 403 and DUPLICATE in exc.detail.lower():
                raise SendError("duplicate", f"x: X already has this text (403 duplicate content): {exc.detail}",
                                status=403, detail=exc.detail) from None
            raise
        return str(self.json(response)["data"]["id"])

    def post(self, msg: Message) -> str:
        return self._create({"text": msg.text})

    def edit(self, remote_id: str, msg: Message) -> str:
        return self._create({"text": msg.text, "edit_options": {"previous_post_id": remote_id}})

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        self.request("DELETE", f"{self.base_url}/2/tweets/{remote_id}")

    def find(self, msg: Message) -> str | None:
        me = self.json(self.request("GET", f"{self.base_url}/2/users/me"))["data"]["id"]
        response = self.request("GET", f"{self.base_url}/2/users/{me}/tweets",
                                params={"max_results": 100, "tweet.fields": "entities"})
        first = msg.text.split("\n", 1)[0]
        for tweet in self.json(response).get("data", []):
            text = html.unescape(tweet.get("text", ""))  # X returns &, < and > as entities
            urls = [u.get("expanded_url") for u in tweet.get("entities", {}).get("urls", [])]
            if text.split("\n", 1)[0] == first and (msg.link in urls or msg.link in text):
                return str(tweet["id"])
        return None


__all__ = ["X", "SendError"]
