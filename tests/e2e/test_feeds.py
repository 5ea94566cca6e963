"""Feeds end to end (issue 16): a moderator adds a feed, its new items are briefed once each with a
thread, a member's later paste of one gets the pointer, and after a restart nothing is posted
twice. Two starts of the real bot against the fake Discord and a loopback feed server."""

from __future__ import annotations

from typing import Any

import pytest

from bot.workers import ParsePool
from tests._feeds import feed_server, items
from tests.e2e.conftest import (
    GUILD,
    MEMBER,
    MODERATOR,
    NEWS,
    NewsSite,
    Running,
    answered,
    bot_settings,
    briefs,
    build_world,
    option,
    running_bot,
    until,
)
from tests.fakediscord.fixtures import pointed_at
from tests.fakediscord.server import FakeDiscord


def _feed(sub: str, *options: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": sub, "type": 1, "options": list(options)}]


async def _command(run: Running, user: int, options: list[dict[str, Any]]) -> str:
    record = await run.fake.slash(GUILD, NEWS, user, "feed", options)
    text = await answered(run.fake, record)
    assert record.ephemeral, text
    await run.quiet()  # the backlog's briefs run in the background
    return text


def _pointers(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [m for m in fake.messages(NEWS) if "Briefed here recently" in (m.get("content") or "")]


def _urls(fake: FakeDiscord) -> list[str]:
    return [m["embeds"][0]["url"] for m in briefs(fake)]


# SQLite only: two bot starts are the suite's budget for this; the storage under it runs on both
# engines in tests/storage/test_feeds.py and tests/feeds/test_service.py.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_feed_is_briefed_once_per_item_with_threads_across_a_restart(
    fake_discord: FakeDiscord, migrated_database_url: str, parse_pool: ParsePool
) -> None:
    fake = fake_discord
    build_world(fake)
    async with feed_server() as site:
        site.entries = items(3)
        news = NewsSite(site.base)
        settings = bot_settings(fake, migrated_database_url, news)
        feed_url = site.url("/rss")
        with pointed_at(fake):
            async with running_bot(fake, settings, news, parse_pool) as run:
                refused = await _command(run, MEMBER, _feed("add", option("url", feed_url)))
                assert "Manage Channels" in refused and briefs(fake) == []

                text = await _command(
                    run,
                    MODERATOR,
                    _feed("add", option("url", feed_url), option("backlog", 1, type=4)),
                )
                assert "Following **Example News**" in text, text
                await until(fake, lambda: len(briefs(fake)) == 1)
                assert _urls(fake) == [site.url("/articles/3")]  # the newest only

                site.entries = items(5)
                checked = await _command(run, MODERATOR, _feed("check"))
                assert "2 new items, 2 briefed" in checked, checked
                assert _urls(fake) == [site.url(f"/articles/{n}") for n in (3, 4, 5)]
                assert len(fake.threads(NEWS)) == 3

                # A member pastes a feed item's link: the pointer to its brief, not a brief.
                await fake.send_message(NEWS, MEMBER, f"seen this? {site.url('/articles/4')}")
                await run.quiet()
                await until(fake, lambda: len(_pointers(fake)) == 1)
                assert len(briefs(fake)) == 3

                listed = await _command(run, MODERATOR, _feed("list"))
                assert feed_url in listed and site.url("/articles/5") in listed, listed

            # Restarted: the feed is polled again, rewritten and republished; nothing twice.
            site.entries = [
                *items(5),
                *(
                    item.__class__(f"{item.guid}-again", item.path, item.title, item.published)
                    for item in items(2)
                ),
            ]
            async with running_bot(fake, settings, news, parse_pool) as run:
                choices = await fake.autocomplete(
                    GUILD,
                    NEWS,
                    MODERATOR,
                    "feed",
                    [
                        {
                            "name": "check",
                            "type": 1,
                            "options": [
                                {"name": "feed", "type": 3, "value": "example", "focused": True}
                            ],
                        }
                    ],
                )
                assert [c["name"] for c in choices] == ["Example News"]
                checked = await _command(
                    run, MODERATOR, _feed("check", option("feed", choices[0]["value"]))
                )
                assert "0 new items, 0 briefed" in checked, checked
                assert len(briefs(fake)) == 3 and len(fake.threads(NEWS)) == 3

                # A member briefs an article before the feed lists it: the feed neither briefs
                # it again nor posts a pointer (nobody asked).
                await fake.send_message(NEWS, MEMBER, f"new: {site.url('/articles/6')}")
                await run.quiet()
                await until(fake, lambda: len(briefs(fake)) == 4)
                site.entries = items(7)
                checked = await _command(run, MODERATOR, _feed("check"))
                assert "2 new items, 1 briefed" in checked, checked
                assert _urls(fake)[-2:] == [site.url("/articles/6"), site.url("/articles/7")]
                assert len(briefs(fake)) == 5 and len(_pointers(fake)) == 1

                # A feed that keeps failing: its channel is told once, at the third failure.
                site.down = True
                for _ in range(4):
                    checked = await _command(run, MODERATOR, _feed("check"))
                    assert "could not be read" in checked, checked
                notices = [
                    m for m in fake.messages(NEWS) if "could not read the feed" in m["content"]
                ]
                assert len(notices) == 1 and feed_url in notices[0]["content"]
                assert "4 in a row" in await _command(run, MODERATOR, _feed("list"))

                removed = await _command(
                    run, MODERATOR, _feed("remove", option("feed", choices[0]["value"]))
                )
                assert "No longer following" in removed
                assert "follows no feed" in await _command(run, MODERATOR, _feed("list"))
