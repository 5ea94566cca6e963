"""Guards on the extensions: each one loads, and the commands they register never collide."""

from __future__ import annotations

import importlib
import inspect
import warnings

import pytest

# discord.py 2.7 imports the deprecated stdlib audioop for voice; warnings are errors here.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from bot.app.client import NewslinkBot, walk_extensions

EXTENSIONS = list(walk_extensions())


def test_extensions_are_found() -> None:
    # A walk that found nothing would make every test below pass vacuously.
    assert {"cogs.links", "cogs.subscriptions", "cogs.moderation", "cogs.errors"} <= set(EXTENSIONS)
    assert not any(name.rpartition(".")[2].startswith("_") for name in EXTENSIONS)


@pytest.mark.parametrize("name", EXTENSIONS)
def test_extension_has_async_setup(name: str) -> None:
    module = importlib.import_module(name)
    assert inspect.iscoroutinefunction(getattr(module, "setup", None)), (
        f"{name} has no async setup(bot)"
    )


async def test_every_extension_loads_without_name_clashes() -> None:
    # Entered as serve() enters it: an AutoShardedBot's close needs what entering sets up.
    bot = await NewslinkBot(None).__aenter__()
    try:
        # Two extensions registering one name make add_command raise CommandAlreadyRegistered
        # here (the tree is keyed by name and type, so a clash cannot show up any later).
        for name in EXTENSIONS:
            await bot.load_extension(name)
        names = {c.name for c in bot.tree.get_commands()}
        assert {
            "brief",
            "subscribe",
            "unsubscribe",
            "subscriptions",
            "pin",
            "unpin",
            "pinned",
            "brief-remove",
            "newslink",
            "Brief this link",
            "Pin brief",
            "Remove brief",
        } <= names
        for command in bot.tree.walk_commands():
            # What users see in Discord's command picker: never the library's placeholder.
            assert command.description and command.description != "…", command.qualified_name
    finally:
        await bot.close()
