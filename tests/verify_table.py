"""The inputs the Verify page (tests/test_verify_page.py) and `alertcast verify`
(tests/test_verify.py) must answer alike, against the bundled content at PINNED.

Each row: (what a reader pastes, verdict, the official channel it is or imitates as
"kind:value" (or the alert that names it, for a scam; or the kind of input, for unknown),
the look-alike's reasons)."""

from __future__ import annotations

from datetime import datetime

PINNED = datetime.fromisoformat("2026-11-22T12:00:00+08:00")  # the README's moment

TABLE = [
    # official: handles with and without @, links, mixed case, full-width, trailing dots
    ("@alertcast_example", "official", "telegram:@alertcast_example", ()),
    ("alertcast_example", "official", "telegram:@alertcast_example", ()),
    ("t.me/alertcast_example", "official", "telegram:@alertcast_example", ()),
    ("https://t.me/alertcast_example", "official", "telegram:@alertcast_example", ()),
    ("T.ME/ALERTCAST_EXAMPLE", "official", "telegram:@alertcast_example", ()),
    ("x.com/AlertCast", "official", "x:@alertcast", ()),
    ("https://twitter.com/alertcast?s=20", "official", "x:@alertcast", ()),
    ("＠ａｌｅｒｔｃａｓｔ＿ｅｘａｍｐｌｅ", "official", "telegram:@alertcast_example", ()),
    ("help.alertcast.example", "official", "domain:help.alertcast.example", ()),
    ("help.alertcast.example.", "official", "domain:help.alertcast.example", ()),
    ("HTTPS://WWW.ALERTCAST.EXAMPLE/", "official", "domain:www.alertcast.example", ()),
    ("https://www.alertcast.example/download/", "official", "download:https://www.alertcast.example/download/", ()),
    ("www.alertcast.example/download/android.apk", "official", "download:https://www.alertcast.example/download/", ()),
    ("https://help.alertcast.example/support/new", "official", "ticket:https://help.alertcast.example/support/", ()),
    ("support@alertcast.example", "official", "email:support@alertcast.example", ()),
    ("mailto:Support@Alertcast.Example", "official", "email:support@alertcast.example", ()),
    ("@alertcast@mastodon.example", "official", "mastodon:@alertcast@mastodon.example", ()),
    ("docs.alertcast.example", "official", "domain:alertcast.example", ()),
    ("ｈｅｌｐ．ａｌｅｒｔｃａｓｔ．ｅｘａｍｐｌｅ", "official", "domain:help.alertcast.example", ()),
    ("alertcast.example。", "official", "domain:alertcast.example", ()),
    # known scams: the alert that names them
    ("@example_support", "scam", "fake-support-telegram", ()),
    ("t.me/ExampleTicketBot", "scam", "fake-support-telegram", ()),
    ("x.com/example_help24", "scam", "fake-support-x-wechat", ()),
    ("example-kefu-2026", "scam", "fake-support-x-wechat", ()),
    ("support-verify.example", "scam", "fake-support-telegram", ()),
    ("https://login.support-verify.example/reset", "scam", "fake-support-telegram", ()),
    ("alertcast-help.example", "scam", "lookalike-phishing-domains", ()),
    ("xn--alertcst-66g.example", "scam", "lookalike-phishing-domains", ()),
    ("alertcаst.example", "scam", "lookalike-phishing-domains", ()),
    ("0x7a3feeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee91c4", "scam", "address-poisoning", ()),
    ("0x7A3FEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE91C4", "scam", "address-poisoning", ()),
    ("TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi5B", "scam", "address-poisoning", ()),
    # look-alikes: which official channel, and why
    ("@alertcast_exampIe", "lookalike", "telegram:@alertcast_example", ("confusable",)),
    ("t.me/alertcast_examp1e", "lookalike", "telegram:@alertcast_example", ("confusable",)),
    ("@alertcast_exarnple", "lookalike", "telegram:@alertcast_example", ("confusable",)),
    ("@аlertcast_example", "lookalike", "telegram:@alertcast_example", ("confusable",)),
    ("@alertcast_exampl", "lookalike", "telegram:@alertcast_example", ("missing_char",)),
    ("alertcast_examplee", "lookalike", "telegram:@alertcast_example", ("extra_char",)),
    ("@alertcast_exmaple", "lookalike", "telegram:@alertcast_example", ("swapped_chars",)),
    ("x.com/alertcost", "lookalike", "x:@alertcast", ("changed_char",)),
    ("@alertcast_support", "lookalike", "telegram:@alertcast_example", ("added_words",)),
    ("t.me/alertcast_example_cs", "lookalike", "telegram:@alertcast_example", ("added_words",)),
    ("@AlertcastOfficialHelp", "lookalike", "telegram:@alertcast_example", ("added_words",)),
    ("alertcast.com", "lookalike", "domain:alertcast.example", ("tld",)),
    ("https://alertcast.example.evil.example/login", "lookalike", "domain:alertcast.example", ("subdomain",)),
    ("alertcast.example-wallet.example", "lookalike", "domain:alertcast.example", ("subdomain",)),
    ("https://alertcastt.example/login", "lookalike", "domain:alertcast.example", ("extra_char",)),
    ("a1ertcast.example", "lookalike", "domain:alertcast.example", ("confusable",)),
    ("аlertcast.example", "lookalike", "domain:alertcast.example", ("punycode", "confusable")),
    ("https://xn--lertcast-06g.example/", "lookalike", "domain:alertcast.example", ("punycode", "confusable")),
    ("help-alertcast.example", "lookalike", "domain:alertcast.example", ("added_words",)),
    ("support@alertcast-wallet.example", "lookalike", "domain:alertcast.example", ("added_words",)),
    # unknown: not ours, not known; the advice is shown
    ("@random_person", "unknown", "handle", ()),
    ("+86 138 0013 8000", "unknown", "phone", ()),
    ("tel:+1-202-555-0143", "unknown", "phone", ()),
    ("0x1111111111111111111111111111111111111111", "unknown", "address", ()),
    ("wikipedia.org", "unknown", "domain", ()),
    ("hello, is this support?", "unknown", "text", ()),
    ("a" * 62 + "." + "b" * 62 + "." + "c" * 62 + "." + "d" * 62 + ".example", "unknown", "text", ()),  # > 253: no domain
]


def target(result: dict) -> str:
    """What a row's third column says of a result."""
    if result["verdict"] == "scam":
        return " ".join(result["alerts"])
    if result["verdict"] == "unknown":
        return result["kind"]
    first = result["channels"][0]
    return f"{first['kind']}:{first['value']}"



#: Pastes shaped to make a backtracking matcher take time quadratic in their length (an email or
#: a Mastodon handle whose host never ends, a long run of quotes or dots, a long host): a reader's
#: paste of any size must be answered in time linear in it, in the page and in `alertcast verify`.
FLOOD_SIZE = 10_000
FLOODS = {
    "email_without_end": "a@" + "a." * FLOOD_SIZE + "@",
    "mastodon_without_end": "@a@" + "a." * FLOOD_SIZE + "@",
    "handle_then_space": "@" + "a." * FLOOD_SIZE + " x",
    "quotes": '"' * (2 * FLOOD_SIZE) + "a",
    "dots": "." * (2 * FLOOD_SIZE) + "@",
    "link": "https://" + "a." * FLOOD_SIZE + "example/",
}
#: How much longer than reading a flood once (its skeleton) the whole answer may take: a few
#: passes over it, never one per character (that takes thousands of times longer).
FLOOD_RATIO = 100
