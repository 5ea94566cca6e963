"""The bot object itself, without a gateway."""

from unittest.mock import create_autospec

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.client import NewslinkBot
from bot.clock import FixedClock
from bot.pipeline import Briefer
from bot.services import Services
from bot.settings import Settings
from tests._dates import NOW


async def test_one_sharing_per_process_so_recovery_knows_its_own_claims() -> None:
    services = Services(
        settings=Settings(),
        briefer=create_autospec(Briefer, instance=True, spec_set=True),
        sessions=async_sessionmaker(),
        clock=FixedClock(NOW),
    )
    bot = NewslinkBot(services)
    try:
        first = bot.sharing
        assert bot.sharing is first
        assert bot.sharing.owner == first.owner
    finally:
        await bot.close()
