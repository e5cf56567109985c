"""`/api/v1/official.json`: every official domain, download page, account and contact, for apps'
"verified" marks and look-alike warnings, and for the site's Verify page.

Made from content/official-channels.yml alone (no clock): the same list gives the same bytes.
Signed like the banner files (a detached `.sig`, the `key_id` inside), so an app can trust a
"verified" mark only from a file our key signed.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources

from ..config import Config
from ..content.official import as_data
from ..plan import Plan

OFFICIAL_PATH = "api/v1/official.json"
SCHEMA_PATH = "api/v1/official.schema.json"
SCHEMA_VERSION = 1
#: The pages of the site that list the channels and check a contact.
PAGES = ("official-channels", "verify")


def schema_bytes() -> bytes:
    return (resources.files("alertcast") / "schemas" / "official.schema.json").read_bytes()


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def render_official(plan: Plan, config: Config, key_id: str | None = None) -> dict[str, bytes]:
    """official.json and its schema; nothing when the content lists no official channels."""
    official = plan.content.official
    if not official:
        return {}
    data = as_data(official)
    pages = {name: {lang: f"{config.site_url}{'' if lang == config.default_lang else lang + '/'}{name}/"
                    for lang in config.languages} for name in PAGES}
    doc = {"schema_version": SCHEMA_VERSION, "key_id": key_id, **data, "pages": pages,
           "version": hashlib.sha256(_dumps([data, pages]).encode()).hexdigest()[:16]}
    return {OFFICIAL_PATH: (_dumps(doc) + "\n").encode(), SCHEMA_PATH: schema_bytes()}
