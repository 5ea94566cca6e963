"""/search and the digest through the fake Discord (issue 16), in one test of two bot starts (the
suite's time budget): briefs shared for real, searched with paging and permissions; the digest
set up with /newslink, posted once at its hour on the bot's clock, and not again after a restart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FixedClock
from bot.digest import time_zone
from bot.storage import briefs as stored_briefs
from bot.storage.briefs import ArticleFacts
from bot.workers import ParsePool
from cogs.search import NEXT, PREVIOUS
from tests.e2e.conftest import (
    GUILD,
    MEMBER,
    MODERATOR,
    MODERATORS_ROLE,
    NEWS,
    SHARER,
    STAFF_ONLY,
    NewsSite,
    Running,
    answer_text,
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

NATO, HOSTILE = "/world/nato-russia", "/world/hostile"
ADMINS_ROLE, MANAGE_GUILD = 301, 1 << 5
ZONE = "Asia/Kolkata"  # +05:30: the digest's hour is local, not UTC


def _newslink(sub: str, *options: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": sub, "type": 1, "options": list(options)}]


def _digests(fake: FakeDiscord) -> list[dict[str, Any]]:
    return [m for m in fake.messages(NEWS) if "digest**" in (m.get("content") or "")]


async def _seed_staff_brief(run: Running, at: dt.datetime) -> None:
    """A brief in #staff (members cannot read it), recorded as the bot records one."""
    async with run.bot.services.sessions() as session, session.begin():
        await _record(session, at)


async def _record(session: AsyncSession, at: dt.datetime) -> None:
    key = "127.0.0.1/staff/secret-plan"
    article = await stored_briefs.record_article(
        session,
        ArticleFacts(url=f"http://{key}", title="Secret staff plan", site_name="Example News"),
        key,
        fetched_at=at,
    )
    await stored_briefs.record_brief(
        session,
        guild_id=GUILD,
        channel_id=STAFF_ONLY,
        brief_message_id=987_654_321,
        sharer_id=MODERATOR,
        article_id=article.id,
        created_at=at,
    )


async def _search(run: Running, user: int, words: str) -> Any:
    record = await run.fake.slash(GUILD, NEWS, user, "search", [option("words", words)])
    await answered(run.fake, record)
    assert record.ephemeral
    return record


async def test_search_then_the_digest_once_across_a_restart(
    fake_discord: FakeDiscord,
    migrated_database_url: str,
    news_site: NewsSite,
    parse_pool: ParsePool,
) -> None:
    fake = fake_discord
    build_world(fake)
    fake.add_role(GUILD, ADMINS_ROLE, permissions=MANAGE_GUILD, name="admins")
    fake.add_member(GUILD, MODERATOR, "moderator", roles=[MODERATORS_ROLE, ADMINS_ROLE])
    settings = dataclasses.replace(
        bot_settings(fake, migrated_database_url, news_site), search_page_size=1
    )
    # The bot's clock stands still until the test moves it past the digest's hour: at 23:10 in
    # Kolkata, so that hour is midnight and the digest's day is the next one (the case a real
    # clock reached only some evenings; no test may depend on the real date).
    clock = FixedClock(dt.datetime(2026, 12, 1, 17, 40, tzinfo=dt.UTC))
    local = clock.now().astimezone(time_zone(ZONE))
    next_hour = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    assert (next_hour.hour, next_hour.day) == (0, 2)
    with pointed_at(fake):
        async with running_bot(fake, settings, news_site, parse_pool, clock=clock) as run:
            for path in (NATO, HOSTILE):
                await fake.send_message(NEWS, SHARER, f"read {news_site.url(path)}")
                await run.quiet()
            await until(fake, lambda: len(briefs(fake)) == 2 and len(fake.threads(NEWS)) == 2)
            await _seed_staff_brief(run, clock.now())

            # --- search: best first, one per page here, #staff only for who can read it
            record = await _search(run, MEMBER, "example NEWS")
            first = answer_text(record)
            assert "Briefs matching" in first and "page 1" in first
            assert "Secret staff plan" not in first
            turned = await fake.click(record, NEXT)
            await until(fake, lambda: bool(turned.responses))
            second = answer_text(turned)
            assert "page 2" in second and "Secret staff plan" not in second
            shown = {t for t in ("NATO aims", "Ministers meet") if t in first + second}
            assert shown == {"NATO aims", "Ministers meet"}
            # the last page: Next is off, Previous on
            [buttons] = [row["components"] for row in turned.responses[-1]["data"]["components"]]
            state = {b["custom_id"]: b.get("disabled", False) for b in buttons}
            assert state == {PREVIOUS: False, NEXT: True}
            # each result links to its brief and its thread
            thread_ids = {int(t["id"]) for t in fake.threads(NEWS)}
            assert any(f"/{GUILD}/{t}" in first + second for t in thread_ids)
            staff = answer_text(await _search(run, MODERATOR, "secret plan"))
            assert "Secret staff plan" in staff
            nothing = answer_text(await _search(run, MEMBER, "secret plan"))
            assert "No briefs match" in nothing
            bad = await fake.slash(
                GUILD, NEWS, MEMBER, "search", [option("words", "x"), option("since", "lately")]
            )
            assert "`since` is a date" in await answered(fake, bad)

            # --- the digest: set up, discussed threads, the hour passes
            timezone = _newslink("timezone", option("zone", ZONE))
            refused = await fake.slash(GUILD, NEWS, MEMBER, "newslink", timezone)
            assert "Manage Guild" in await answered(fake, refused)
            zone = await fake.slash(GUILD, NEWS, MODERATOR, "newslink", timezone)
            assert ZONE in await answered(fake, zone)
            set_up = await fake.slash(
                GUILD,
                NEWS,
                MODERATOR,
                "newslink",
                _newslink(
                    "digest",
                    {"name": "channel", "type": 7, "value": str(NEWS)},
                    option("schedule", "daily"),
                    option("hour", next_hour.hour, 4),
                ),
            )
            assert "Daily digest of all briefs" in await answered(fake, set_up)
            by_headline = {t["name"]: int(t["id"]) for t in fake.threads(NEWS)}
            nato = next(i for name, i in by_headline.items() if name.startswith("NATO"))
            hostile = next(i for name, i in by_headline.items() if name.startswith("Ministers"))
            await fake.send_message(nato, MEMBER, "interesting")
            for text in ("three", "messages", "here"):
                await fake.send_message(hostile, MEMBER, text)
            await run.quiet()
            # (the extension's own module object: load_extension imports it afresh)
            cog: Any = run.bot.get_cog("ServerDigestCog")
            assert cog.scheduler is not None
            await cog.scheduler.tick()
            assert _digests(fake) == []  # not yet: the hour has not come

            clock.set(next_hour.astimezone(dt.UTC) + dt.timedelta(minutes=1))
            await cog.scheduler.tick()
            await cog.scheduler.tick()  # a second round at the same hour: nothing more
            [digest] = _digests(fake)
            lines = digest["content"].split("\n")
            assert "2 briefs" in lines[0] and ZONE in lines[0], digest["content"]
            # most discussed first; the #staff brief is not listed in #news, which all can read
            said = {int(t["id"]): t["message_count"] for t in fake.threads(NEWS)}
            assert said[hostile] > said[nato]  # three members' messages against one
            assert lines[1].startswith("1. [Ministers meet")
            assert (
                f"{said[hostile]} messages in https://discord.com/channels/{GUILD}/{hostile}"
                in lines[1]
            )
            assert lines[2].startswith("2. [NATO aims")
            assert f"{said[nato]} message" in lines[2] and len(lines) == 3

        # --- restart at the same time: the digest is not posted again
        async with running_bot(fake, settings, news_site, parse_pool, clock=clock) as run:
            cog = run.bot.get_cog("ServerDigestCog")
            await until(fake, lambda: cog.scheduler is not None and cog.scheduler.rounds >= 1)
            assert len(_digests(fake)) == 1
