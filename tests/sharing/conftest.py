"""Fixtures of the sharing tests: the fake briefer's articles and a Sharing on the test database."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.sharing.service import Sharing
from tests.sharing._fakes import ARTICLE, URL, FakeBriefer


@pytest.fixture
def briefer() -> FakeBriefer:
    return FakeBriefer({URL: ARTICLE})


@pytest.fixture
def sharing(
    sessionmaker: async_sessionmaker[AsyncSession], briefer: FakeBriefer, clock: FixedClock
) -> Sharing:
    return Sharing(
        sessions=sessionmaker,
        briefer=briefer,
        rebrief_window_days=7,
        max_links_per_message=3,
        clock=clock,
    )
