"""The bound on shares in flight (issue 14): more links than the bound arrive at once, on a real
database; each is briefed once, and never more than the bound are briefed at a time (counted in
the fake briefer, the edge, not timed). The gate's order (per server, round robin) and its
shutdown (queued shares are not started; their links are released for the next start)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.article.types import Article
from bot.clock import FixedClock
from bot.sharing.gate import Draining, ShareGate
from bot.sharing.service import Sharing
from bot.sharing.types import Failed, Outcome, Posted, Share
from bot.storage.models import LinkClaim
from tests.sharing._fakes import ARTICLE, CHANNEL, SHARER, FakeBriefer, a_publisher

BOUND = 3
LINKS = 12
GUILDS = (10, 11)
WAIT_S = 30.0  # every wait is bounded: a failure must not turn into a hang


def _url(n: int) -> str:
    return f"https://news.example/2026/11/story-{n}"


def _articles(count: int) -> dict[str, Article]:
    return {_url(n): dataclasses.replace(ARTICLE, url=_url(n)) for n in range(count)}


def _share(n: int) -> Share:
    return Share(GUILDS[n % len(GUILDS)], CHANNEL, 1000 + n, SHARER)


async def _claims(sessions: async_sessionmaker[AsyncSession]) -> dict[int, str]:
    async with sessions() as session:
        rows = await session.execute(select(LinkClaim.source_message_id, LinkClaim.state))
        return {message_id: state for message_id, state in rows}


async def test_more_links_than_the_bound_are_each_briefed_once_never_more_than_the_bound_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    briefer = FakeBriefer(_articles(LINKS))
    sharing = Sharing(sessions=sessionmaker, briefer=briefer, clock=clock, gate=ShareGate(BOUND))
    inside = peak = 0
    released = 0  # waves let through: each brief waits for every other share to be seen
    tasks: list[asyncio.Task[list[Outcome]]] = []

    def all_seen() -> bool:
        # Every share is briefing, queued or done: no share can reach the briefer any more
        # until one of these goes on (without a bound, all of them are briefing here).
        done = sum(task.done() for task in tasks)
        return inside + sharing.gate.queued + done == LINKS

    async def briefing(url: str) -> None:
        nonlocal inside, peak, released
        inside += 1
        peak = max(peak, inside)
        wave = released
        try:
            while released == wave:
                if all_seen():
                    released += 1
                    break
                await asyncio.sleep(0.001)
        finally:
            inside -= 1

    briefer.before = briefing
    publisher = a_publisher()
    tasks.extend(
        asyncio.create_task(sharing.share_message(_share(n), f"see {_url(n)}", publisher))
        for n in range(LINKS)
    )
    results = await asyncio.wait_for(asyncio.gather(*tasks), WAIT_S)

    assert 1 < peak <= BOUND
    assert all(isinstance(outcome, Posted) for [outcome] in results)
    assert sorted(brief.url for brief in publisher.posted) == sorted(map(_url, range(LINKS)))
    assert set((await _claims(sessionmaker)).values()) == {"posted"}
    assert (sharing.gate.in_flight, sharing.gate.queued) == (0, 0)


async def _granted(gate: ShareGate, order: list[str], name: str, guild_id: int) -> None:
    async with gate.slot(guild_id):
        order.append(name)
        await asyncio.sleep(0)


async def test_the_queue_keeps_arrival_order_per_server_and_takes_turns_across_servers() -> None:
    gate = ShareGate(1)
    order: list[str] = []
    await gate.acquire(1)  # the slot is taken: everything below queues
    names = [("a1", 1), ("a2", 1), ("a3", 1), ("a4", 1), ("b1", 2), ("a5", 1), ("b2", 2)]
    tasks = [asyncio.create_task(_granted(gate, order, name, g)) for name, g in names]
    await asyncio.sleep(0)
    assert gate.queued == len(names)
    gate.release()
    await asyncio.wait_for(asyncio.gather(*tasks), WAIT_S)

    # Server 2's links wait behind one of server 1's at a time, not behind its whole flood.
    assert order == ["a1", "b1", "a2", "b2", "a3", "a4", "a5"]
    assert gate.peak == 1 and gate.queued == 0


async def test_a_share_arriving_while_others_wait_queues_behind_them() -> None:
    gate = ShareGate(1)
    order: list[str] = []
    await gate.acquire(1)
    first = asyncio.create_task(_granted(gate, order, "first", 1))
    await asyncio.sleep(0)
    gate.release()  # the slot is promised to "first", which has not run yet
    late = asyncio.create_task(_granted(gate, order, "late", 1))
    await asyncio.wait_for(asyncio.gather(first, late), WAIT_S)
    assert order == ["first", "late"]


async def test_a_waiter_cancelled_in_the_queue_or_after_its_turn_gives_its_place_on() -> None:
    gate = ShareGate(1)
    order: list[str] = []
    await gate.acquire(1)
    gone = asyncio.create_task(_granted(gate, order, "gone", 1))
    turned = asyncio.create_task(_granted(gate, order, "turned", 1))
    kept = asyncio.create_task(_granted(gate, order, "kept", 1))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    assert gate.queued == 2
    gate.release()  # "turned" is given the slot, then cancelled before it runs
    turned.cancel()
    await asyncio.wait_for(kept, WAIT_S)
    assert order == ["kept"] and gate.in_flight == 0 and gate.queued == 0


async def test_a_deep_queue_is_logged_once_per_threshold(caplog: pytest.LogCaptureFixture) -> None:
    gate = ShareGate(1)
    await gate.acquire(1)
    with caplog.at_level(logging.WARNING, logger="bot.sharing.gate"):
        tasks = [asyncio.create_task(gate.acquire(1)) for _ in range(150)]
        await asyncio.sleep(0)
    assert [r.getMessage().split()[0] for r in caplog.records] == ["100"]
    gate.drain()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT_S)
    assert all(isinstance(r, Draining) for r in results)


def _held(briefer: FakeBriefer) -> tuple[asyncio.Event, asyncio.Event]:
    """Every brief waits for ``hold`` once it has set ``started``: one share holds the slot."""
    hold, started = asyncio.Event(), asyncio.Event()

    async def held(url: str) -> None:
        started.set()
        await hold.wait()

    briefer.before = held
    return hold, started


async def test_at_shutdown_queued_shares_do_not_start_and_their_links_wait_for_the_next_start(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    briefer = FakeBriefer(_articles(5))
    sharing = Sharing(sessions=sessionmaker, briefer=briefer, clock=clock, gate=ShareGate(1))
    hold, started = _held(briefer)
    publisher = a_publisher()
    first = asyncio.create_task(sharing.share_message(_share(0), f"see {_url(0)}", publisher))
    await asyncio.wait_for(started.wait(), WAIT_S)
    queued = [
        asyncio.create_task(sharing.share_message(_share(n), f"see {_url(n)}", publisher))
        for n in (1, 2)
    ]
    cancelled = asyncio.create_task(sharing.share_message(_share(3), f"see {_url(3)}", publisher))
    command = asyncio.create_task(sharing.share_link(_share(4), _url(4), publisher))
    await asyncio.sleep(0)
    assert sharing.gate.queued == 4
    cancelled.cancel()  # a close without the grace: released all the same
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(cancelled, WAIT_S)

    assert sharing.gate.drain() == 3
    assert await asyncio.wait_for(asyncio.gather(*queued), WAIT_S) == [[], []]
    [refused] = [await asyncio.wait_for(command, WAIT_S)]
    assert isinstance(refused, Failed) and isinstance(refused.error, Draining)
    hold.set()  # the share in flight finishes
    [posted] = await asyncio.wait_for(first, WAIT_S)

    assert isinstance(posted, Posted) and [b.url for b in publisher.posted] == [_url(0)]
    # Released, not lost: the next start's recovery briefs the failed claims; the command's
    # member was told to try again, so it holds no claim.
    assert await _claims(sessionmaker) == {
        1000: "posted",
        1001: "failed",
        1002: "failed",
        1003: "failed",
    }
    # A share arriving after the drain is released the same way.
    assert await sharing.share_message(_share(5), f"see {_url(4)}", publisher) == []
    assert (await _claims(sessionmaker))[1005] == "failed"


async def test_previews_wait_for_a_slot_like_shares_and_not_at_shutdown(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """``/brief preview`` fetches and parses as a share does: it takes a slot of the same bound
    (it used to call the briefer beside it), claims nothing, and is refused once draining."""
    briefer = FakeBriefer(_articles(LINKS))
    sharing = Sharing(sessions=sessionmaker, briefer=briefer, clock=clock, gate=ShareGate(1))
    hold, started = _held(briefer)
    share = asyncio.create_task(sharing.share_message(_share(0), f"see {_url(0)}", a_publisher()))
    await asyncio.wait_for(started.wait(), WAIT_S)
    previews = [
        asyncio.create_task(sharing.preview(GUILDS[0], CHANNEL, _url(n), take="mine"))
        for n in (1, 2)
    ]
    await asyncio.sleep(0)
    assert sharing.gate.queued == 2 and [url for url, _, _ in briefer.calls] == []

    hold.set()
    briefs = await asyncio.wait_for(asyncio.gather(*previews), WAIT_S)
    await asyncio.wait_for(share, WAIT_S)
    assert [brief.url for brief in briefs] == [_url(1), _url(2)]
    assert [call[:2] for call in briefer.calls[1:]] == [(_url(1), "mine"), (_url(2), "mine")]
    assert set(await _claims(sessionmaker)) == {1000}  # the previews claimed nothing

    sharing.gate.drain()
    with pytest.raises(Draining):
        await asyncio.wait_for(sharing.preview(GUILDS[0], CHANNEL, _url(3)), WAIT_S)
