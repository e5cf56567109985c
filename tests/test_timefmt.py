"""One way of writing a time for editors, and the value to paste for a time written another way."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from alertcast.timefmt import editor_time, suggest, to_paste

ZONE = "Asia/Shanghai"
UTC_MOMENT = datetime(2026, 12, 8, 1, 0, tzinfo=timezone.utc)


def test_a_moment_is_written_in_the_editors_zone_with_offset_and_label():
    assert editor_time(UTC_MOMENT, ZONE, "zh") == "2026-12-08 09:00 北京时间（UTC+8）"
    assert editor_time(UTC_MOMENT, ZONE, "en") == "2026-12-08 09:00 Beijing time (UTC+8)"
    assert editor_time(UTC_MOMENT, "Asia/Kolkata") == "2026-12-08 06:30 Asia/Kolkata (UTC+5:30)"
    assert to_paste(UTC_MOMENT, ZONE) == "2026-12-08T09:00:00+08:00"


@pytest.mark.parametrize("written", ["2026-12-08 09:00", "2026-12-08T09:00", "2026/12/08 09:00 北京时间",
                                     "2026-12-08T09:00 CST", "2026-12-08 09:00 UTC+8", "2026-12-08T01:00:00Z",
                                     "2026-12-08T09:00:00 Asia/Shanghai", "２０２６-１２-０８ ０９：００",
                                     datetime(2026, 12, 8, 9, 0)])
def test_the_five_ways_of_writing_one_zone_give_one_value_to_paste(written):
    assert suggest(written, ZONE) == "2026-12-08T09:00:00+08:00"


def test_what_cannot_be_read_gets_no_guess():
    assert suggest("next monday", ZONE) is None
    assert suggest("2026-12-08T09:00:00-05:00", ZONE) == to_paste(datetime(2026, 12, 8, 14, 0, tzinfo=timezone.utc), ZONE)
    assert suggest("2026-12-08T09:00:00-05:00", ZONE) == (datetime(2026, 12, 8, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
                                                          .astimezone(timezone(timedelta(hours=8))).isoformat())
