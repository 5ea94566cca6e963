"""Sites a server allows or blocks, by registrable domain (the caller computes it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.dialect import insert
from bot.storage.models import SiteRule

ALLOW, BLOCK = "allow", "block"


async def set_rule(
    session: AsyncSession, guild_id: int, domain: str, rule: str, *, now: dt.datetime
) -> None:
    """Allow or block ``domain`` in the server (replacing the domain's other rule, if any)."""
    await session.execute(
        insert(session, SiteRule)
        .values(guild_id=guild_id, domain=domain, rule=rule, created_at=now)
        .on_conflict_do_update(
            index_elements=["guild_id", "domain"], set_={"rule": rule, "created_at": now}
        )
    )


async def remove_rule(session: AsyncSession, guild_id: int, domain: str) -> bool:
    result = await session.execute(
        delete(SiteRule).where(SiteRule.guild_id == guild_id, SiteRule.domain == domain)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def rules(session: AsyncSession, guild_id: int) -> dict[str, str]:
    """The server's rules, domain -> ``allow`` or ``block``, in domain order."""
    rows = await session.execute(
        select(SiteRule.domain, SiteRule.rule)
        .where(SiteRule.guild_id == guild_id)
        .order_by(SiteRule.domain)
    )
    return {domain: rule for domain, rule in rows}
