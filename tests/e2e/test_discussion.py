"""Questions in a brief's discussion, end to end (issue 12): the real bot against the fake Discord.

One test, two bot starts on one database: the scenarios share the first start where they do not
interfere (each asker is a different member, so the per-member cooldown only bites where meant).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from bot.discussion.answer import NOT_SAID, PURGED
from bot.storage.database import create_engine
from bot.storage.models import ArticleText
from bot.workers import ParsePool
from cogs.discussion import LIMITED_REACTION
from tests._article_page import PARAGRAPHS
from tests.e2e.conftest import (
    DISCORD_CLOCK,
    DM_FAN,
    GUILD,
    MEMBER,
    MODERATOR,
    NEWS,
    OUTSIDER,
    SHARER,
    STAFF_ONLY,
    SUBSCRIBER,
    NewsSite,
    answered,
    answers_to,
    ask,
    bot_settings,
    briefs,
    build_world,
    option,
    running_bot,
    until,
)
from tests.fakediscord.fixtures import pointed_at
from tests.fakediscord.server import FakeDiscord

NATO = "/world/nato-russia"
OTHER_BOT = 206
# Paragraph 7 of the page answers this; nothing on it answers the off-topic one.
SHIELD = "When is the missile shield due to be completed?"
SHIELD_ANSWER = "four phases by roughly 2020"
OFF_TOPIC = "Who won the football world cup final last summer?"


def _never_pings(message: dict[str, Any]) -> None:
    allowed = message.get("allowed_mentions")
    assert allowed is not None and allowed.get("parse") == [], allowed
    assert not allowed.get("users") and not allowed.get("roles")
    assert not allowed.get("replied_user")


async def test_members_ask_in_a_brief_thread_and_get_the_article_s_words(
    fake_discord: FakeDiscord,
    database_url: str,
    news_site: NewsSite,
    parse_pool: ParsePool,
) -> None:
    fake = fake_discord
    build_world(fake)
    fake.add_member(GUILD, OTHER_BOT, "otherbot", bot=True)
    settings = bot_settings(fake, database_url, news_site)
    with pointed_at(fake):
        async with running_bot(fake, settings, news_site, parse_pool) as run:
            await fake.send_message(NEWS, SHARER, f"worth a read {news_site.url(NATO)}")
            staff = f"{news_site.url(NATO)}?edition=staff"
            await fake.send_message(STAFF_ONLY, MODERATOR, staff)
            await until(fake, lambda: len(fake.threads(NEWS)) == 1 and briefs(fake, STAFF_ONLY))
            await run.quiet()
            thread = int(fake.threads(NEWS)[0]["id"])
            brief_id = int(briefs(fake)[0]["id"])

            # A mention in the brief's thread: the answering paragraph, quoted, placed, linked.
            asked = await ask(fake, thread, SHARER, SHIELD)
            await until(fake, lambda: bool(answers_to(fake, thread, asked)))
            (answer,) = answers_to(fake, thread, asked)
            text = answer["content"]
            assert SHIELD_ANSWER in text and text.startswith("From the article")
            assert f"paragraph 7 of {len(PARAGRAPHS)}" in text
            assert f"(<{news_site.url(NATO)}#:~:text=Meanwhile%2C" in text
            _never_pings(answer)

            # Off-topic: says so, quotes nothing.
            off = await ask(fake, thread, SUBSCRIBER, OFF_TOPIC)
            await until(fake, lambda: bool(answers_to(fake, thread, off)))
            (said,) = answers_to(fake, thread, off)
            assert said["content"].startswith(NOT_SAID) and ">" not in said["content"]
            _never_pings(said)

            # Ignored: a cooled-down member (told by a reaction), a bot, a webhook, a reply with
            # the ping off, and a mention in a thread newslink did not open.
            again = await ask(fake, thread, SHARER, SHIELD)
            await ask(fake, thread, OTHER_BOT, SHIELD)
            await ask(fake, thread, MEMBER, SHIELD, webhook_id=999)
            quiet_reply = await fake.send_message(
                thread, MEMBER, SHIELD, reply_to=int(answer["id"]), mentions=[]
            )
            other = await fake.open_member_thread(NEWS, MEMBER, "chat")
            elsewhere = await ask(fake, other, MEMBER, SHIELD)
            # A pinging reply to the bot's answer is a question (and a barrier for the above).
            reply = await fake.send_message(
                thread,
                DM_FAN,
                "and when is the missile shield completed?",
                reply_to=int(answer["id"]),
                mentions=[fake.bot_user_id],
            )
            await until(fake, lambda: bool(answers_to(fake, thread, int(reply["id"]))))
            await run.quiet()
            assert SHIELD_ANSWER in answers_to(fake, thread, int(reply["id"]))[0]["content"]
            assert fake.reactions(thread, again) == [LIMITED_REACTION]
            assert answers_to(fake, thread, again) == []
            bot_answers = [m for m in fake.messages(thread) if m.get("message_reference")]
            assert len(bot_answers) == 3  # the shield, the off-topic one and the reply
            assert answers_to(fake, thread, int(quiet_reply["id"])) == []
            assert fake.messages(other) == [] and fake.all_messages(other)[-1]["id"] == str(
                elsewhere
            )

            # /ask with a brief's link, from the channel: answered to the member only.
            link = f"https://discord.com/channels/{GUILD}/{NEWS}/{brief_id}"
            record = await fake.slash(
                GUILD, NEWS, MEMBER, "ask", [option("question", SHIELD), option("brief", link)]
            )
            text = await answered(fake, record)
            assert SHIELD_ANSWER in text and record.ephemeral
            # …but not for a brief in a channel the member cannot read.
            staff_brief = int(briefs(fake, STAFF_ONLY)[0]["id"])
            hidden = f"https://discord.com/channels/{GUILD}/{STAFF_ONLY}/{staff_brief}"
            record = await fake.slash(
                GUILD, NEWS, OUTSIDER, "ask", [option("question", SHIELD), option("brief", hidden)]
            )
            text = await answered(fake, record)
            assert "not a brief" in text and SHIELD_ANSWER not in text

        # After a restart, from the stored text; /ask in the thread answers in the thread.
        async with running_bot(fake, settings, news_site, parse_pool) as run:
            record = await fake.slash(GUILD, thread, SHARER, "ask", [option("question", SHIELD)])
            text = await answered(fake, record)
            assert SHIELD_ANSWER in text and not record.ephemeral
            assert "**Asked:** When is the missile shield" in text

            # Past ARTICLE_TEXT_DAYS the text is gone: a clear answer, nothing quoted.
            engine = create_engine(database_url)
            try:
                async with engine.begin() as connection:
                    old = DISCORD_CLOCK.now() - dt.timedelta(days=31)
                    await connection.execute(update(ArticleText).values(stored_at=old))
            finally:
                await engine.dispose()
            late = await ask(fake, thread, SUBSCRIBER, SHIELD)
            await until(fake, lambda: bool(answers_to(fake, thread, late)))
            assert answers_to(fake, thread, late)[0]["content"] == PURGED
