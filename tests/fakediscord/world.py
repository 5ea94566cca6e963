"""The fake's model of Discord: guilds, roles, channels, members, messages, and their JSON shapes.

Payload builders follow the Discord API docs closely enough for discord.py 2.7 to parse them; ids
are snowflakes (ints here, strings on the wire). Permissions follow the documented algorithm
(base from roles, then @everyone / role / member overwrites of the channel, threads inheriting
from their parent) but nothing finer (no timeouts, no implicit "can't send without view").
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
ADD_REACTIONS = 1 << 6
MANAGE_MESSAGES = 1 << 13
MANAGE_CHANNELS = 1 << 4
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
PIN_MESSAGES = 1 << 51  # new in 2026, discord.py 2.7 Permissions.pin_messages
USE_APPLICATION_COMMANDS = 1 << 31

# A fresh guild's @everyone in this fake: ordinary member rights, no moderation, no pins.
DEFAULT_EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | USE_APPLICATION_COMMANDS
    | (1 << 15)  # attach files
)
# What the bot's managed role gets unless a test says otherwise: what newslink asks for at invite.
DEFAULT_BOT_PERMISSIONS = DEFAULT_EVERYONE_PERMISSIONS | PIN_MESSAGES

THREAD_TYPES = frozenset({10, 11, 12})
DM_TYPE = 1

_counter = itertools.count()


def snowflake() -> int:
    """A fresh id that sorts after every earlier one, like Discord's."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


@dataclass
class User:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
            "icon": None,
            "unicode_emoji": None,
        }


@dataclass
class Member:
    user: User
    roles: list[int]
    joined_at: str = field(default_factory=timestamp)

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "avatar": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class Channel:
    id: int
    type: int
    name: str
    guild_id: int | None
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    parent_id: int | None = None
    owner_id: int | None = None
    position: int = 0
    auto_archive_duration: int = 1440
    recipient: User | None = None
    created_from_message: int | None = None
    last_message_id: int | None = None
    message_count: int = 0
    archived: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "flags": 0,
        }
        if self.type == DM_TYPE:
            assert self.recipient is not None
            data["recipients"] = [self.recipient.payload()]
            return data
        data.update(
            guild_id=str(self.guild_id),
            name=self.name,
            nsfw=False,
            rate_limit_per_user=0,
            parent_id=str(self.parent_id) if self.parent_id else None,
        )
        if self.is_thread:
            data.update(
                owner_id=str(self.owner_id),
                message_count=self.message_count,
                total_message_sent=self.message_count,
                member_count=1,
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": timestamp(),
                    "locked": False,
                    "create_timestamp": timestamp(),
                },
            )
        else:
            data.update(
                position=self.position,
                topic=None,
                permission_overwrites=[dict(o) for o in self.overwrites],
                default_auto_archive_duration=1440,
            )
        return data


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    def payload(self, *, full: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "approximate_member_count": len(self.members),
        }
        if full:
            data.update(
                joined_at=timestamp(),
                large=False,
                unavailable=False,
                member_count=len(self.members),
                voice_states=[],
                members=[m.payload() for m in self.members.values()],
                channels=[c.payload() for c in self.channels.values() if not c.is_thread],
                threads=[c.payload() for c in self.channels.values() if c.is_thread],
                presences=[],
                stage_instances=[],
                guild_scheduled_events=[],
                soundboard_sounds=[],
            )
        return data

    def base_permissions(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        everyone = self.roles.get(self.id)
        perms = everyone.permissions if everyone else 0
        for role_id in member.roles if member else []:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def permissions_in(self, user_id: int, channel: Channel | None) -> int:
        """Discord's documented computation: base permissions, then the channel's overwrites."""
        perms = self.base_permissions(user_id)
        if perms & ADMINISTRATOR or channel is None:
            return perms
        if channel.is_thread and channel.parent_id is not None:
            channel = self.channels.get(channel.parent_id, channel)
        member = self.members.get(user_id)
        member_roles = {str(r) for r in member.roles} if member else set()
        by_id = {str(o["id"]): o for o in channel.overwrites}
        everyone = by_id.get(str(self.id))
        if everyone:
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for o in channel.overwrites:
            if int(o["type"]) == 0 and str(o["id"]) in member_roles:
                allow |= int(o["allow"])
                deny |= int(o["deny"])
        perms = (perms & ~deny) | allow
        own = next(
            (o for o in channel.overwrites if int(o["type"]) == 1 and str(o["id"]) == str(user_id)),
            None,
        )
        if own:
            perms = (perms & ~int(own["deny"])) | int(own["allow"])
        return perms


@dataclass
class Message:
    """A stored message: the payload as Discord would return it."""

    data: dict[str, Any]
    sent_by_client: bool = False

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def channel_id(self) -> int:
        return int(self.data["channel_id"])
