"""Following topics, the service the /subscribe commands call: topics normalised here, each
command one unit of work on a real database (SQLite and PostgreSQL via ``database_url``)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.choices import Delivery
from bot.clock import FixedClock
from bot.errors import AlreadySubscribed, InvalidTopic, NotSubscribed, TooManySubscriptions
from bot.following import Followed, Following

GUILD, USER = 10**17 + 1, 9_007_199_254_740_993


@pytest.fixture
def following(sessionmaker: async_sessionmaker[AsyncSession], clock: FixedClock) -> Following:
    return Following(sessionmaker, clock, max_topics_per_member=3)


async def test_topics_are_normalised_before_they_are_stored(following: Following) -> None:
    followed = await following.follow(GUILD, USER, "  Zélenskyy ", Delivery.DM)
    assert followed == Followed("zelenskyy", Delivery.DM)
    with pytest.raises(AlreadySubscribed):
        await following.follow(GUILD, USER, "ZELENSKYY")
    with pytest.raises(InvalidTopic):
        await following.follow(GUILD, USER, "(a+)+$")
    await following.follow(GUILD, USER, "NATO")
    assert await following.followed(GUILD, USER) == [
        Followed("nato", Delivery.THREAD),
        Followed("zelenskyy", Delivery.DM),
    ]
    await following.unfollow(GUILD, USER, "Nato")
    with pytest.raises(NotSubscribed):
        await following.unfollow(GUILD, USER, "nato")
    assert [f.topic for f in await following.followed(GUILD, USER)] == ["zelenskyy"]


async def test_the_limit_comes_from_the_settings(following: Following) -> None:
    for topic in ("nato", "turkey", "golf"):
        await following.follow(GUILD, USER, topic)
    with pytest.raises(TooManySubscriptions) as excinfo:
        await following.follow(GUILD, USER, "tennis")
    assert "(3)" in excinfo.value.user_message
