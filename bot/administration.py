"""What a server's moderators and members ask of newslink as a whole: the server's defaults for
new channels, its allowed and blocked sites, a member's "forget me", and the data of a server the
bot was removed from (kept ``purge_after_days``, then purged). One method per command, each one
unit of work; the cogs check permissions and get plain values back.

What leaves with a departed server, once purged: its settings and site rules, its members'
subscriptions and notification records, the records of its briefs (who shared what, pins) and the
claims behind them, its model usage, and the articles with their stored text that no other
server's brief shares. The brief messages themselves are the server's, in Discord: newslink can
no longer reach them, and they stay (pins included) as the server's own history.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import Length
from bot.clock import Clock
from bot.errors import UserFacingError
from bot.fetch.domains import registrable_domain
from bot.storage import guilds as stored_guilds
from bot.storage import settings as stored_settings
from bot.storage import sites as stored_sites
from bot.storage.settings import GuildSettings

log = logging.getLogger(__name__)

# A host name as a moderator types it: letters, digits, hyphens and dots (IDN in its A-label or
# Unicode form); linear-time (one character class, no nesting).
_DOMAIN_TEXT = re.compile(r"[^\s/:@]{1,253}")
MAX_SITE_RULES = 200  # per server: a list moderators can still read in /newslink sites list


class InvalidSite(UserFacingError):
    user_message = "Give a site's domain, such as bbc.co.uk or a link to one of its pages."


class TooManySites(UserFacingError):
    user_message = f"This server already has {MAX_SITE_RULES} site rules; remove some first."


@dataclass(frozen=True)
class Forgotten:
    subscriptions: int
    notifications: int


@dataclass(frozen=True)
class Administration:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    purge_after_days: int = 30

    # --- the server's defaults -------------------------------------------------------------------

    async def defaults(
        self,
        guild_id: int,
        *,
        watch_by_default: bool | None = None,
        length: Length | None = None,
    ) -> GuildSettings:
        """Change the server's defaults for channels without settings of their own (None: keep)
        and return them; with no change, just read them."""
        async with self.sessions() as session, session.begin():
            if watch_by_default is None and length is None:
                return await stored_settings.get_guild_settings(session, guild_id)
            return await stored_settings.set_guild_settings(
                session,
                guild_id,
                watch_by_default=watch_by_default,
                default_length=length,
                now=self.clock.now(),
            )

    async def policies(
        self, guild_id: int, channel_ids: Collection[int]
    ) -> dict[int, stored_settings.ChannelSettings]:
        """Each channel's settings (its own, or the server's defaults), in one read."""
        async with self.sessions() as session:
            return {
                c: await stored_settings.get_channel_settings(session, guild_id, c)
                for c in channel_ids
            }

    # --- allowed and blocked sites ---------------------------------------------------------------

    @staticmethod
    def site(text: str) -> str:
        """The registrable domain a moderator means by ``text`` (a domain or a link);
        InvalidSite if it is none."""
        text = text.strip().lower()
        bare = text.split("//", 1)[-1]
        host = bare.split("/", 1)[0]
        if not _DOMAIN_TEXT.fullmatch(host) or "." not in host.strip("."):
            raise InvalidSite(detail=text[:100])
        domain = registrable_domain(text)
        if domain is None or "." not in domain:
            raise InvalidSite(detail=text[:100])
        return domain

    async def set_site(self, guild_id: int, text: str, rule: str) -> str:
        """Allow or block a site (``rule``: ``allow``/``block``); the domain it applies to."""
        domain = self.site(text)
        async with self.sessions() as session, session.begin():
            rules = await stored_sites.rules(session, guild_id)
            if domain not in rules and len(rules) >= MAX_SITE_RULES:
                raise TooManySites()
            await stored_sites.set_rule(session, guild_id, domain, rule, now=self.clock.now())
        return domain

    async def remove_site(self, guild_id: int, text: str) -> tuple[str, bool]:
        """Drop a site's rule; the domain and whether it had one."""
        domain = self.site(text)
        async with self.sessions() as session, session.begin():
            return domain, await stored_sites.remove_rule(session, guild_id, domain)

    async def sites(self, guild_id: int) -> dict[str, str]:
        """The server's site rules, domain -> ``allow``/``block``."""
        async with self.sessions() as session:
            return await stored_sites.rules(session, guild_id)

    # --- data that leaves with its owner ---------------------------------------------------------

    async def forget_member(self, guild_id: int, user_id: int) -> Forgotten:
        """Delete a member's subscriptions and notification records in the server, at once."""
        async with self.sessions() as session, session.begin():
            subscriptions, notifications = await stored_guilds.forget_member(
                session, guild_id, user_id
            )
        log.info(
            "member %s in server %s forgotten: %d subscriptions, %d notifications",
            user_id,
            guild_id,
            subscriptions,
            notifications,
        )
        return Forgotten(subscriptions, notifications)

    async def left(self, guild_id: int) -> None:
        """The bot was removed from the server (or the server deleted): its data is purged
        ``purge_after_days`` from now unless the bot comes back first."""
        async with self.sessions() as session, session.begin():
            await stored_guilds.record_departure(session, guild_id, now=self.clock.now())
        log.info("left server %s: its data is purged in %d days", guild_id, self.purge_after_days)

    async def present(
        self,
        guild_ids: Collection[int],
        *,
        complete: bool = False,
        owns: Callable[[int], bool] = lambda guild_id: True,
    ) -> None:
        """The bot is in these servers: none of their data is to be purged. ``complete``: the
        bot is in no other server of those ``owns`` says are this process's (its shards', at
        start): such a server it has data of but is no longer in was left while it was
        offline, and is recorded as left now. Other processes' servers are theirs to judge."""
        async with self.sessions() as session, session.begin():
            for guild_id in guild_ids:
                if await stored_guilds.cancel_departure(session, guild_id):
                    log.info("back in server %s: its data is kept", guild_id)
            if not complete:
                return
            now = self.clock.now()
            for guild_id in await stored_guilds.known_guilds(session) - set(guild_ids):
                if not owns(guild_id):
                    continue
                await stored_guilds.record_departure(session, guild_id, now=now)
                log.info("server %s was left while offline: its data will be purged", guild_id)

    async def purge_departed(
        self, *, owns: Callable[[int], bool] = lambda guild_id: True
    ) -> list[int]:
        """Purge every server left more than ``purge_after_days`` ago whose shard ``owns``
        says is this process's (each process of a sharded bot purges its share, once); the
        servers purged."""
        cutoff = self.clock.now() - dt.timedelta(days=self.purge_after_days)
        async with self.sessions() as session:
            due = [g for g in await stored_guilds.departed_before(session, cutoff) if owns(g)]
        for guild_id in due:
            # One transaction per server: a large one does not hold back the others.
            async with self.sessions() as session, session.begin():
                await stored_guilds.purge_guild(session, guild_id)
            log.info("purged the data of server %s (left before %s)", guild_id, cutoff)
        return due
