"""Members control their own briefs, and one article is one brief whatever its address (issue 17):
the real bot against the fake Discord, the scenarios in one bot start."""

from __future__ import annotations

from tests.e2e.conftest import (
    GUILD,
    MEMBER,
    NEWS,
    SHARER,
    Running,
    answered,
    briefs,
    until,
)
from tests.fakediscord.world import DEFAULT_BOT_PERMISSIONS, MANAGE_THREADS

NATO = "/world/nato-russia"
HOSTILE = "/world/hostile"


async def test_a_deleted_share_takes_its_brief_and_the_sharer_may_remove_their_own(
    newslink: Running,
) -> None:
    fake, site = newslink.fake, newslink.site
    fake.set_bot_permissions(GUILD, DEFAULT_BOT_PERMISSIONS | MANAGE_THREADS)

    # Two shares: nobody writes in the first thread, a member writes in the second.
    first = await fake.send_message(NEWS, SHARER, site.url(NATO))
    await until(fake, lambda: len(briefs(fake)) == 1 and len(fake.threads(NEWS)) == 1)
    second = await fake.send_message(NEWS, SHARER, site.url(HOSTILE))
    await until(fake, lambda: len(briefs(fake)) == 2 and len(fake.threads(NEWS)) == 2)
    brief_1, brief_2 = (int(b["id"]) for b in briefs(fake))
    thread_1, thread_2 = (int(t["id"]) for t in fake.threads(NEWS))
    await fake.send_message(thread_2, MEMBER, "Interesting, but who said it?")

    # The sharer deletes their message: its brief goes, and its empty thread with it.
    await fake.delete_by_user(NEWS, int(first["id"]))
    await until(fake, lambda: thread_1 in fake.deleted_channels)
    assert [int(b["id"]) for b in briefs(fake)] == [brief_2]

    # A moderator's purge (a bulk delete): the brief goes, the thread someone wrote in is
    # archived, not deleted.
    unrelated = await fake.send_message(NEWS, MEMBER, "no link here")
    await fake.delete_by_user(NEWS, int(second["id"]), int(unrelated["id"]))
    await until(fake, lambda: briefs(fake) == [])
    await until(
        fake,
        lambda: (
            (fake.channel_payload(thread_2) or {}).get("thread_metadata", {}).get("archived")
            is True
        ),
    )
    assert thread_2 not in fake.deleted_channels and brief_1 not in {
        int(b["id"]) for b in briefs(fake)
    }

    # One article, many addresses: shared again, then its AMP address with tracking parameters
    # gets the pointer to the brief, not a second brief.
    await fake.send_message(NEWS, SHARER, "again " + site.url(NATO))
    await until(fake, lambda: len(briefs(fake)) == 1)
    [brief_3] = (int(b["id"]) for b in briefs(fake))
    await newslink.quiet()  # recorded, not only posted: the re-share reads the record
    amp = await fake.send_message(NEWS, MEMBER, site.url(NATO + "/amp?utm_source=newsletter"))
    await until(
        fake,
        lambda: any(
            f"/{brief_3}" in (m.get("content") or "")
            and (m.get("message_reference") or {}).get("message_id") == amp["id"]
            for m in fake.messages(NEWS)
        ),
    )
    assert len(briefs(fake)) == 1

    # Anyone else needs Manage Messages; the sharer may remove the brief of their own link.
    refused = await fake.message_command(GUILD, NEWS, MEMBER, "Remove brief", brief_3)
    assert "Manage Messages" in await answered(fake, refused)
    removed = await fake.message_command(GUILD, NEWS, SHARER, "Remove brief", brief_3)
    assert "removed" in await answered(fake, removed)
    assert briefs(fake) == []
    # And /brief-remove, for a brief of their own, without Manage Messages.
    await fake.send_message(NEWS, SHARER, site.url(HOSTILE))
    await until(fake, lambda: len(briefs(fake)) == 1)
    await newslink.quiet()
    assert "removed" in await answered(fake, await fake.slash(GUILD, NEWS, SHARER, "brief-remove"))
    assert briefs(fake) == []
