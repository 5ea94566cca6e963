"""Link claims on real databases: one winner under concurrency, stale claims retried once."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import claims as repo
from bot.storage.models import LinkClaim

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


async def _committed_claim(session: AsyncSession, *args: Any, **kwargs: Any) -> bool:
    """A claim committed at once, as a share's opening commits it (bot.sharing.ledger)."""
    won = await repo.take_claim(session, *args, **kwargs)
    await session.commit()
    return won


async def _claim(
    sessionmaker: async_sessionmaker[AsyncSession], owner: str, now: dt.datetime = T0
) -> bool:
    async with sessionmaker() as session:
        return await _committed_claim(session, 111, "example.org/a", owner=owner, now=now)


async def test_concurrent_claims_have_exactly_one_winner(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Each task has its own session, hence its own connection: a real race on the unique key.
    for attempt in range(3):
        key = f"example.org/{attempt}"

        async def claim(owner: str, key: str = key) -> bool:
            async with sessionmaker() as session:
                return await _committed_claim(session, 42, key, owner=owner, now=T0)

        results = await asyncio.gather(*(claim(f"proc-{i}") for i in range(4)))
        assert sorted(results) == [False, False, False, True]
    async with sessionmaker() as session:
        rows = list(await session.scalars(select(LinkClaim).where(LinkClaim.state == "claimed")))
        assert sorted(r.url_key for r in rows) == [
            "example.org/0",
            "example.org/1",
            "example.org/2",
        ]


async def test_same_url_in_another_message_is_a_new_claim(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        assert await _committed_claim(session, 1, "k", owner="a", now=T0)
        assert await _committed_claim(session, 2, "k", owner="a", now=T0)
        assert await _committed_claim(session, 1, "k2", owner="a", now=T0)
        assert not await _committed_claim(session, 1, "k", owner="b", now=T0)


async def test_complete_and_fail_only_by_owner(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        assert await _claim(sessionmaker, "a")
        assert not await repo.complete_claim(session, 111, "example.org/a", owner="b", now=T0)
        assert await repo.complete_claim(session, 111, "example.org/a", owner="a", now=T0)
        # finished: cannot be finished again
        assert not await repo.fail_claim(session, 111, "example.org/a", owner="a", now=T0)
        await session.commit()
        claim = (await session.scalars(select(LinkClaim))).one()
        assert (claim.state, claim.owner) == ("posted", "a")
        assert claim.finished_at is not None and claim.finished_at.tzinfo == dt.UTC


async def test_stale_claims_are_found_and_reclaimed_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    assert await _claim(sessionmaker, "crashed", now=T0)
    async with sessionmaker() as session:
        assert await _committed_claim(
            session, 222, "fresh", owner="alive", now=T0 + dt.timedelta(minutes=9)
        )
        assert await _committed_claim(session, 333, "done", owner="alive", now=T0)
        assert await repo.complete_claim(session, 333, "done", owner="alive", now=T0)
        await session.commit()

        now = T0 + dt.timedelta(minutes=10)
        stale = await repo.stale_claims(session, dt.timedelta(minutes=5), now=now)
        assert [(c.source_message_id, c.owner) for c in stale] == [(111, "crashed")]
        assert stale[0].claimed_at == T0  # aware UTC on both engines
        await session.commit()

    async def reclaim(owner: str) -> bool:
        async with sessionmaker() as session:
            return await repo.reclaim_stale(
                session,
                111,
                "example.org/a",
                owner=owner,
                older_than=dt.timedelta(minutes=5),
                now=now,
            )

    assert sorted(await asyncio.gather(reclaim("r1"), reclaim("r2"))) == [False, True]
    async with sessionmaker() as session:
        assert await repo.stale_claims(session, dt.timedelta(minutes=5), now=now) == []
        claim = (
            await session.scalars(select(LinkClaim).where(LinkClaim.source_message_id == 111))
        ).one()
        assert claim.attempts == 2
        # the crashed process, should it come back, can no longer finish the claim
        assert not await repo.complete_claim(session, 111, "example.org/a", owner="crashed", now=T0)


async def test_failed_claim_can_be_retried_given_up_cannot(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        assert await _committed_claim(session, 1, "f", owner="a", now=T0)
        assert await _committed_claim(session, 2, "g", owner="a", now=T0)
        assert await repo.fail_claim(session, 1, "f", owner="a", now=T0)
        assert await repo.fail_claim(session, 2, "g", owner="a", give_up=True, now=T0)
        await session.commit()
        stale = await repo.stale_claims(session, dt.timedelta(hours=1), now=T0)
        assert [c.source_message_id for c in stale] == [1]
        kw = {"older_than": dt.timedelta(hours=1), "now": T0}
        assert await repo.reclaim_stale(session, 1, "f", owner="b", **kw)  # type: ignore[arg-type]
        assert not await repo.reclaim_stale(session, 2, "g", owner="b", **kw)  # type: ignore[arg-type]
