"""The server's own rules on a share (issue 17, items 5 and 6): hourly limits per member and per
channel, and allowed and blocked sites; against a real database and an in-memory publisher."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.article.types import Article
from bot.choices import FailureMode
from bot.clock import FixedClock
from bot.errors import SiteNotAllowed, TooManyBriefs
from bot.sharing.admission import site_refusal
from bot.sharing.service import Sharing
from bot.sharing.types import Failed, Pointed, Posted, Share
from bot.storage import settings as stored_settings
from bot.storage import sites as stored_sites
from tests.sharing._fakes import ARTICLE, FakeBriefer, RecordingPublisher

GUILD, CHANNEL, SHARER, OTHER = 10, 20, 30, 31
BBC = "https://www.bbc.co.uk/news/world-1"
CNN = "https://edition.cnn.com/2026/11/30/world/story"
SHORT = "https://bit.ly/3abc"


def _urls(*urls: str) -> dict[str, Article]:
    return {u: dataclasses.replace(ARTICLE, url=u) for u in urls}


@pytest.fixture
def briefer() -> FakeBriefer:
    # a shortener: the brief is of the page the short link led to
    return FakeBriefer(
        _urls(BBC, CNN, SHORT, *(f"{BBC}?n={n}" for n in range(6))), redirects={SHORT: CNN}
    )


def _sharing(
    sessionmaker: async_sessionmaker[AsyncSession],
    briefer: FakeBriefer,
    clock: FixedClock,
    **limits: int,
) -> Sharing:
    return Sharing(sessions=sessionmaker, briefer=briefer, clock=clock, **limits)  # type: ignore[arg-type]


async def _ignore_failures(sessions: async_sessionmaker[AsyncSession], clock: FixedClock) -> None:
    async with sessions() as session, session.begin():
        await stored_settings.set_channel_settings(
            session, GUILD, CHANNEL, on_failure=FailureMode.IGNORE, now=clock.now()
        )


async def test_a_member_past_the_hourly_limit_gets_a_reaction_not_a_brief(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, clock: FixedClock
) -> None:
    sharing = _sharing(sessionmaker, briefer, clock, briefs_per_member_hour=2)
    await _ignore_failures(sessionmaker, clock)  # "ignore" in the channel: still never silence
    publisher = RecordingPublisher()
    share = lambda m, who=SHARER: Share(GUILD, CHANNEL, m, who)  # noqa: E731
    # A failure (404) and a re-share's pointer are no briefs: neither counts.
    [failed] = await sharing.share_message(share(1), "https://www.bbc.co.uk/missing", publisher)
    assert isinstance(failed, Failed) and not isinstance(failed.error, TooManyBriefs)
    assert [type(o) for o in await sharing.share_message(share(2), BBC, publisher)] == [Posted]
    assert [type(o) for o in await sharing.share_message(share(3), BBC, publisher)] == [Pointed]
    # Two links in one message: the second is the member's third brief this hour.
    two = await sharing.share_message(share(4), f"{BBC}?n=1 and {BBC}?n=2", publisher)
    assert isinstance(two[0], Posted) and isinstance(two[1], Failed)
    assert isinstance(two[1].error, TooManyBriefs) and "2" in two[1].error.user_message
    assert publisher.failures[-1][2] is FailureMode.REACT  # despite "ignore"
    assert len(briefer.calls) == 3  # the refused link was never fetched
    # Another member is not held back; an hour later this one is not either.
    assert isinstance(
        (await sharing.share_message(share(5, OTHER), f"{BBC}?n=3", publisher))[0], Posted
    )
    clock.advance(dt.timedelta(hours=1, seconds=1))
    assert isinstance((await sharing.share_message(share(6), f"{BBC}?n=4", publisher))[0], Posted)


async def test_a_channel_past_the_hourly_limit_refuses_everyone_and_counts_across_processes(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, clock: FixedClock
) -> None:
    first = _sharing(sessionmaker, briefer, clock, briefs_per_channel_hour=2)
    publisher = RecordingPublisher()
    for n, who in enumerate((SHARER, OTHER)):
        posted = await first.share_link(Share(GUILD, CHANNEL, n, who), f"{BBC}?n={n}", publisher)
        assert isinstance(posted, Posted)
    # A second process (or the next start) counts the same briefs: the table, not memory.
    second = _sharing(sessionmaker, briefer, clock, briefs_per_channel_hour=2)
    refused = await second.share_link(Share(GUILD, CHANNEL, 9, 99), f"{BBC}?n=5", publisher)
    assert isinstance(refused, Failed) and isinstance(refused.error, TooManyBriefs)
    assert "channel" in refused.error.user_message
    elsewhere = await second.share_link(Share(GUILD, CHANNEL + 1, 10, 99), f"{BBC}?n=5", publisher)
    assert isinstance(elsewhere, Posted)


async def test_blocked_and_unlisted_sites_are_refused_by_registrable_domain(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, clock: FixedClock
) -> None:
    sharing = _sharing(sessionmaker, briefer, clock)
    publisher = RecordingPublisher()
    async with sessionmaker() as session, session.begin():
        await stored_sites.set_rule(session, GUILD, "cnn.com", stored_sites.BLOCK, now=clock.now())
    refused = await sharing.share_link(Share(GUILD, CHANNEL, 1, SHARER), CNN, publisher)
    assert isinstance(refused, Failed) and isinstance(refused.error, SiteNotAllowed)
    assert publisher.failures[-1][1].reaction == "\N{NO ENTRY SIGN}"  # type: ignore[attr-defined]
    # A short link to the blocked site is refused once its page is known, before posting.
    short = await sharing.share_link(Share(GUILD, CHANNEL, 2, SHARER), SHORT, publisher)
    assert isinstance(short, Failed) and isinstance(short.error, SiteNotAllowed)
    assert publisher.posted == []
    assert isinstance(
        await sharing.share_link(Share(GUILD, CHANNEL, 3, SHARER), BBC, publisher), Posted
    )
    # Any allowed site: only allowed sites are briefed.
    async with sessionmaker() as session, session.begin():
        await stored_sites.set_rule(
            session, GUILD, "reuters.com", stored_sites.ALLOW, now=clock.now()
        )
    unlisted = await sharing.share_link(Share(GUILD, CHANNEL, 4, SHARER), f"{BBC}?n=1", publisher)
    assert isinstance(unlisted, Failed) and "only the sites" in unlisted.error.user_message
    # Other servers are untouched.
    assert isinstance(
        await sharing.share_link(Share(GUILD + 1, CHANNEL, 5, SHARER), CNN, publisher), Posted
    )


def test_site_rules_match_the_registrable_domain_and_any_subdomain() -> None:
    rules = {"bbc.co.uk": "allow", "example.com": "block"}
    assert site_refusal(rules, "https://www.bbc.co.uk/news") is None
    assert site_refusal(rules, "https://news.bbc.co.uk/a") is None
    assert site_refusal(rules, "https://co.uk.evil.com/") is not None  # not on the list
    assert site_refusal(rules, "https://bbc.co.uk.evil.com/") is not None
    assert site_refusal({"example.com": "block"}, "https://a.b.EXAMPLE.com/x") is not None
    assert site_refusal({"example.com": "block"}, "https://notexample.com/x") is None
    assert site_refusal({}, "https://anything.org/") is None
