"""Whether a server's own rules let a link be briefed: its allowed and blocked sites, and the
hourly limits on briefs per member and per channel.

Counted from the briefs table (what was posted, by whom, where, when, from the injected clock),
so the limits hold across restarts and across processes without a counter of their own. Only
briefs count: a re-share's pointer is one short line that points at a brief already made, and a
failure posts nothing; counting them would punish a member for the site's faults. Two processes
briefing at the same instant may pass a limit by one each: a courtesy against floods, not a lock.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Refused, SiteNotAllowed, TooManyBriefs
from bot.fetch.domains import registrable_domain
from bot.sharing.types import Share
from bot.storage import guilds as stored_guilds
from bot.storage import sites as stored_sites

log = logging.getLogger(__name__)

HOUR = dt.timedelta(hours=1)


def site_refusal(rules: dict[str, str], url: str) -> SiteNotAllowed | None:
    """Why ``url``'s site may not be briefed under ``rules`` (domain -> allow/block), or None.
    With any allow rule the server briefs only allowed sites."""
    if not rules:
        return None
    domain = registrable_domain(url)
    rule = rules.get(domain) if domain is not None else None
    if rule == stored_sites.BLOCK:
        return SiteNotAllowed(detail=f"{domain} is blocked")
    if rule != stored_sites.ALLOW and stored_sites.ALLOW in rules.values():
        return SiteNotAllowed(
            "This server briefs only the sites its moderators allow; that one is not among them.",
            detail=f"{domain} is not allowed",
        )
    return None


def limit_refusal(
    share: Share,
    *,
    by_sharer: int,
    in_channel: int,
    per_member: int | None,
    per_channel: int | None,
) -> TooManyBriefs | None:
    """Why the sharer or the channel may have no more briefs this hour (the counts given are of
    the last hour's briefs), or None."""
    if per_member is not None and by_sharer >= per_member:
        return TooManyBriefs(
            f"You have had {by_sharer} links briefed in the last hour, the most allowed "
            f"({per_member}); try again later.",
            detail=f"member {share.author_id} over the hourly limit",
        )
    if per_channel is not None and in_channel >= per_channel:
        return TooManyBriefs(
            f"This channel had {in_channel} briefs in the last hour, the most allowed "
            f"({per_channel}); try again later.",
            detail=f"channel {share.channel_id} over the hourly limit",
        )
    return None


def admit(
    share: Share,
    url: str,
    rules: dict[str, str],
    *,
    counts: tuple[int, int] | None,
    per_member: int | None,
    per_channel: int | None,
) -> None:
    """Raise :class:`~bot.errors.Refused` when the server's site ``rules`` or (``counts``: the
    last hour's briefs by the sharer and in the channel, None: not checked) hourly limits say no."""
    refusal: Refused | None = site_refusal(rules, url)
    if refusal is None and counts is not None:
        refusal = limit_refusal(
            share,
            by_sharer=counts[0],
            in_channel=counts[1],
            per_member=per_member,
            per_channel=per_channel,
        )
    if refusal is not None:
        raise refusal


async def read_counts(session: AsyncSession, share: Share, *, now: dt.datetime) -> tuple[int, int]:
    """The last hour's briefs by the sharer in the server, and in the share's channel."""
    since = now - HOUR
    by_sharer = await stored_guilds.briefs_since(
        session, share.guild_id, since, sharer_id=share.author_id
    )
    in_channel = await stored_guilds.briefs_since(
        session, share.guild_id, since, channel_id=share.channel_id
    )
    return by_sharer, in_channel
