"""The server as a whole, under ``/newslink`` (the group lives in :mod:`cogs.moderation`):
``defaults``, ``sites``, ``check``, ``help`` and ``forget-me``; and the server's data when the bot
is removed from it (purged later, see :mod:`bot.administration`) or added back.

The ``/newslink`` group is visible to every member (``help`` and ``forget-me`` are theirs); each
moderator subcommand checks its permission itself, at run time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.choices import Length
from cogs._checks import caller, guild_text_channel
from cogs._publishing import CONTENT_LIMIT, can_post

if TYPE_CHECKING:
    from bot.app.client import NewslinkBot

log = logging.getLogger(__name__)

# Departed servers are purged at start and then this often (a day's delay at most is nothing
# against a grace period of weeks).
PURGE_EVERY_HOURS = 6.0

# What the bot needs in a watched channel, and what for (in the order it matters).
BOT_NEEDS: tuple[tuple[str, str], ...] = (
    ("view_channel", "see the channel and the links shared in it"),
    ("send_messages", "post briefs"),
    ("embed_links", "show a brief (it is an embed)"),
    ("read_message_history", "reply to the sharer and catch up on links after a restart"),
    ("add_reactions", "mark a link it cannot or may not brief"),
    ("create_public_threads", "open the discussion thread under each brief"),
    ("send_messages_in_threads", "call subscribers into a brief's thread and answer /ask"),
    ("pin_messages", "pin briefs for /pin"),
)
_THREAD_NEEDS = {"create_public_threads", "send_messages_in_threads"}

# The commands, by the permission (in this channel) they take; None: every member.
COMMANDS: tuple[tuple[str | None, str], ...] = (
    ("send_messages", "/brief url, and the message menu Brief this link: brief a link here"),
    (None, "/subscribe, /unsubscribe, /subscriptions: follow topics"),
    (None, "/ask: ask about the article in a brief's thread"),
    (None, "/pinned: the server's pinned briefs"),
    (None, "/newslink help, /newslink forget-me: this help; delete your subscriptions"),
    ("pin_messages", "/pin, /unpin, message menu Pin brief"),
    ("manage_messages", "/brief-remove, message menu Remove brief"),
    ("manage_channels", "/newslink watch, unwatch, settings, check: set up channels"),
    ("manage_guild", "/newslink defaults, /newslink sites: the whole server's rules"),
)


def _names(permissions: list[str]) -> str:
    return ", ".join(p.replace("_", " ").title() for p in permissions)


def _need_server(interaction: discord.Interaction, permission: str) -> None:
    """Server-wide settings take the server-wide permission (roles, not a channel's overwrite)."""
    member = caller(interaction)
    if not getattr(member.guild_permissions, permission):
        raise app_commands.MissingPermissions([permission])


def _bot(interaction: discord.Interaction) -> NewslinkBot:
    return interaction.client  # type: ignore[return-value]  # the one client: a NewslinkBot


def _group(bot: NewslinkBot) -> app_commands.Group:
    group = bot.tree.get_command("newslink")
    if not isinstance(group, app_commands.Group):
        raise RuntimeError("cogs.moderation (the /newslink group) must load before this cog")
    return group


class SitesGroup(app_commands.Group, name="sites", description="Sites this server briefs"):
    def __init__(self, bot: NewslinkBot, parent: app_commands.Group) -> None:
        super().__init__(parent=parent)
        self.bot = bot

    async def _set(self, interaction: discord.Interaction, site: str, rule: str) -> None:
        _need_server(interaction, "manage_guild")
        assert interaction.guild is not None
        domain = await self.bot.services.administration.set_site(interaction.guild.id, site, rule)
        if rule == "allow":
            text = (
                f"Allowed {domain} (and its subdomains). While any site is allowed, "
                "only allowed sites are briefed."
            )
        else:
            text = f"Blocked {domain} (and its subdomains): its links are never briefed here."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="allow")
    @app_commands.describe(site="A domain such as bbc.co.uk, or a link to one of its pages")
    async def allow(self, interaction: discord.Interaction, site: str) -> None:
        """Allow a site; once any is allowed, this server briefs only allowed sites."""
        await self._set(interaction, site, "allow")

    @app_commands.command(name="block")
    @app_commands.describe(site="A domain such as example.com, or a link to one of its pages")
    async def block(self, interaction: discord.Interaction, site: str) -> None:
        """Never brief links to a site in this server."""
        await self._set(interaction, site, "block")

    @app_commands.command(name="remove")
    @app_commands.describe(site="A domain allowed or blocked before")
    async def remove(self, interaction: discord.Interaction, site: str) -> None:
        """Drop a site from the allowed or blocked list."""
        _need_server(interaction, "manage_guild")
        assert interaction.guild is not None
        domain, had = await self.bot.services.administration.remove_site(interaction.guild.id, site)
        text = f"Removed {domain}." if had else f"{domain} was neither allowed nor blocked."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="list")
    async def list_sites(self, interaction: discord.Interaction) -> None:
        """Show the sites this server allows and blocks."""
        _need_server(interaction, "manage_guild")
        assert interaction.guild is not None
        rules = await self.bot.services.administration.sites(interaction.guild.id)
        await interaction.response.send_message(
            _sites_text(rules)[:CONTENT_LIMIT], ephemeral=True, suppress_embeds=True
        )


def _sites_text(rules: dict[str, str]) -> str:
    if not rules:
        return "Every site may be briefed here (none allowed or blocked)."
    allowed = [d for d, r in rules.items() if r == "allow"]
    blocked = [d for d, r in rules.items() if r == "block"]
    lines = []
    if allowed:
        lines.append("Only these sites are briefed: " + ", ".join(allowed))
    if blocked:
        lines.append("Never briefed: " + ", ".join(blocked))
    return "\n".join(lines)


# --- the subcommands: plain functions, added to the /newslink group at load ---


@app_commands.describe(
    watch_by_default="Brief links in channels that were never set up (watch or unwatch)",
    length="How much of an article a brief quotes, in channels with no length of their own",
)
@app_commands.choices(length=[app_commands.Choice(name=c.value, value=c.value) for c in Length])
async def _defaults(
    interaction: discord.Interaction,
    watch_by_default: bool | None = None,
    length: str | None = None,
) -> None:
    """Show or set the server's defaults for channels without settings of their own."""
    if watch_by_default is not None or length is not None:
        _need_server(interaction, "manage_guild")
    else:
        _need_server(interaction, "manage_channels")
    assert interaction.guild is not None
    found = await _bot(interaction).services.administration.defaults(
        interaction.guild.id,
        watch_by_default=watch_by_default,
        length=Length(length) if length else None,
    )
    watched = "watched" if found.watch_by_default else "not watched"
    await interaction.response.send_message(
        f"Server defaults: channels are {watched} and briefs are {found.default_length} "
        "unless a channel has its own settings (/newslink settings).",
        ephemeral=True,
    )


async def _check(interaction: discord.Interaction) -> None:
    """Tell moderators which of newslink's permissions are missing in which watched channel."""
    _need_server(interaction, "manage_channels")
    guild = interaction.guild
    assert guild is not None
    channels = guild.text_channels
    policies = await _bot(interaction).services.administration.policies(
        guild.id, [c.id for c in channels]
    )
    lines: list[str] = []
    for channel in channels:
        policy = policies[channel.id]
        if not policy.watched:
            continue
        granted = channel.permissions_for(guild.me)
        missing = [
            (name, why)
            for name, why in BOT_NEEDS
            if not getattr(granted, name) and (policy.threads or name not in _THREAD_NEEDS)
        ]
        if missing:
            lines.append(
                f"{channel.mention}: missing "
                + "; ".join(f"**{_names([n])}** (to {why})" for n, why in missing)
            )
    if not lines:
        text = "newslink has every permission it needs in every watched channel."
    else:
        text = (
            "newslink is missing permissions (give them to its role, or in the channel):\n"
            + "\n".join(lines)
        )
    await interaction.response.send_message(text[:CONTENT_LIMIT], ephemeral=True)


async def _help(interaction: discord.Interaction) -> None:
    """What newslink does in this channel, and the commands you may use."""
    channel = guild_text_channel(interaction)
    member = caller(interaction)
    policy = await _bot(interaction).sharing.policy(channel.guild.id, channel.id)
    rules = await _bot(interaction).services.administration.sites(channel.guild.id)
    settings = _bot(interaction).services.settings
    if not policy.watched:
        doing = "This channel is not watched: pasted links are not briefed here."
    elif not can_post(channel, channel.guild.me):
        doing = (
            "This channel is watched, but newslink cannot post here (a moderator can run "
            "/newslink check)."
        )
    else:
        doing = (
            f"Links pasted here are briefed ({policy.length} briefs"
            f"{', each with a discussion thread' if policy.threads else ''})."
        )
    limits = (
        f"At most {settings.briefs_per_member_hour} briefs an hour per member and "
        f"{settings.briefs_per_channel_hour} per channel; a link briefed in the last "
        f"{settings.rebrief_window_days} days gets a pointer to its brief."
    )
    granted = channel.permissions_for(member)
    mine = [
        f"- {text}"
        for permission, text in COMMANDS
        if permission is None
        or getattr(granted, permission)
        or (permission == "manage_guild" and member.guild_permissions.manage_guild)
    ]
    text = "\n".join(
        [
            "newslink briefs news links: headline, source, and the article's key paragraphs.",
            doing,
            _sites_text(rules),
            limits,
            "Your commands here:",
            *mine,
        ]
    )
    await interaction.response.send_message(
        text[:CONTENT_LIMIT], ephemeral=True, suppress_embeds=True
    )


async def _forget_me(interaction: discord.Interaction) -> None:
    """Delete your topic subscriptions and notification records in this server, at once."""
    member = caller(interaction)
    done = await _bot(interaction).services.administration.forget_member(member.guild.id, member.id)
    await interaction.response.send_message(
        f"Done: {done.subscriptions} subscriptions and {done.notifications} notification "
        "records of yours in this server are deleted.",
        ephemeral=True,
    )


_SUBCOMMANDS = (
    ("defaults", "Show or set the server's defaults for new channels", _defaults),
    ("check", "Which of newslink's permissions are missing, and where", _check),
    ("help", "What newslink does in this channel, and your commands", _help),
    ("forget-me", "Delete your topic subscriptions and notification records here", _forget_me),
)


class ServerAdminCog(commands.Cog):
    def __init__(self, bot: NewslinkBot) -> None:
        self.bot = bot
        self._commands: list[app_commands.Command | app_commands.Group] = []  # type: ignore[type-arg]
        self._started = False

    async def cog_load(self) -> None:
        group = _group(self.bot)
        self._commands = [
            SitesGroup(self.bot, group),  # added to the group by its parent=
            *(
                app_commands.Command(
                    name=name, description=description, callback=callback, parent=group
                )
                for name, description, callback in _SUBCOMMANDS
            ),
        ]
        for command in self._commands[1:]:
            group.add_command(command)

    async def cog_unload(self) -> None:
        self.purge_loop.cancel()
        group = self.bot.tree.get_command("newslink")
        if isinstance(group, app_commands.Group):
            for command in self._commands:
                group.remove_command(command.name)

    # --- the server's data: left, back, purged ---------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._started:
            return  # READY again after a new session: nothing changed that GUILD_* did not say
        self._started = True
        # Servers the bot was removed from while offline sent no GUILD_DELETE: recorded now.
        # Complete for this process's shards only: other processes hold the other servers.
        await self.bot.services.administration.present(
            [g.id for g in self.bot.guilds], complete=True, owns=self.bot.holds_guild
        )
        self.purge_loop.start()

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        # Tracked background work, as every write the gateway causes (a shutdown waits for it).
        self.bot.spawn(self.bot.services.administration.left(guild.id), name=f"left-{guild.id}")

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.bot.spawn(
            self.bot.services.administration.present([guild.id]), name=f"joined-{guild.id}"
        )

    @tasks.loop(hours=PURGE_EVERY_HOURS)
    async def purge_loop(self) -> None:
        try:
            await self.bot.services.administration.purge_departed(owns=self.bot.holds_guild)
        except Exception:  # noqa: BLE001 - a database outage: the next round tries again
            log.warning("could not purge departed servers now", exc_info=True)


async def setup(bot: NewslinkBot) -> None:
    await bot.add_cog(ServerAdminCog(bot))
