"""Long answers split into Discord-sized messages between lines (``/feed list`` of many feeds)."""

from __future__ import annotations

import pytest

from cogs._publishing import message_chunks


@pytest.mark.parametrize(
    ("lines", "limit", "expected"),
    [
        (["one"], 10, ["one"]),
        (["one", "two"], 7, ["one\ntwo"]),  # exactly the limit
        (["one", "two"], 6, ["one", "two"]),  # a line never split across messages
        (["one", "two", "six", "ten"], 8, ["one\ntwo", "six\nten"]),
        (["a much longer line", "b"], 8, ["a much …", "b"]),  # too long alone: shortened
        ([], 10, [""]),
    ],
)
def test_lines_are_packed_and_never_cut(lines: list[str], limit: int, expected: list[str]) -> None:
    assert message_chunks(lines, limit) == expected


def test_twenty_feeds_all_listed_within_discord_s_limit() -> None:
    lines = [
        f"{i}. https://example.com/{'x' * 120}/feed.xml: last poll 5 min ago" for i in range(20)
    ]
    chunks = message_chunks(lines)
    assert len(chunks) == 2 and all(len(c) <= 2000 for c in chunks)
    assert "\n".join(chunks).split("\n") == lines
