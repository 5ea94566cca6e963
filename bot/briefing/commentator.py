"""The model's commentary on a composed brief: the lead and each bridge asked for at once, one
request per piece, each reply checked (:mod:`bot.model.checks`) before it replaces the piece built
without a model. Runs on the event loop after the worker composed the brief; never chooses quotes.

A piece whose request fails, is refused by its check, or is not back by the deadline keeps its
fallback (the reason is logged by :func:`bot.model.pieces.write_piece`), so the brief is never held
past ``within`` seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence

from bot.briefing.types import Brief, QuoteRun
from bot.choices import ArticleKind
from bot.model.budget import Budget
from bot.model.checks import Verdict, check_bridge, check_lead
from bot.model.client import Completion, Message, ModelClient
from bot.model.pieces import Ask, Piece, write_piece
from bot.model.prompts import PieceContext, bridge_prompt, lead_prompt

log = logging.getLogger(__name__)


def material(brief: Brief) -> str:
    """Everything a piece may draw on: headline, outlet, byline, description, the text."""
    a = brief.article
    parts = [a.title or "", a.site_name or "", ", ".join(a.authors), a.description or "", a.text]
    return "\n".join(p for p in parts if p)


class Commentator:
    """Asks ``client`` for a brief's commentary, spending from ``budget`` (per server) if given."""

    def __init__(self, client: ModelClient, budget: Budget | None = None) -> None:
        self.client = client
        self._budget = budget

    @property
    def model(self) -> str:
        return self.client.model

    def _ask(self, guild_id: int | None) -> Ask:
        budget, client = self._budget, self.client

        async def ask(messages: Sequence[Message]) -> Completion:
            if budget is not None and guild_id is not None:
                return await budget.complete(client, guild_id, messages)
            return await client.complete(messages, guild_id=guild_id)

        return ask

    async def comment(
        self, brief: Brief, *, outlet: str, guild_id: int | None, within: float
    ) -> Brief:
        """``brief`` with the model's checked pieces in place of the built ones, within
        ``within`` seconds; the member's own words stay the lead."""
        if brief.kind != ArticleKind.ARTICLE or not brief.runs:
            return brief
        a = brief.article
        context = PieceContext(
            headline=a.title or "",
            outlet=outlet,
            runs=[run.paragraphs for run in brief.runs],
            take=brief.lead if brief.lead_is_take else None,
            language=a.language,
            authors=tuple(a.authors),
        )
        source = material(brief) + (f"\n{brief.lead}" if brief.lead_is_take else "")
        quoted = brief.quoted
        jobs: dict[int, tuple[list[Message], Callable[[str], Verdict], str]] = {}
        if not brief.lead_is_take:

            def lead_check(text: str) -> Verdict:
                return check_lead(text, article=source, quoted=quoted)

            jobs[0] = (lead_prompt(context), lead_check, brief.lead)

        def bridge_check(text: str) -> Verdict:
            return check_bridge(text, article=source)

        for i in range(1, len(brief.runs)):
            jobs[i] = (bridge_prompt(context, i), bridge_check, brief.runs[i].bridge or "")
        ask = self._ask(guild_id)
        tasks = {
            i: asyncio.ensure_future(
                write_piece(ask, messages, check, fallback, what="lead" if i == 0 else "bridge")
            )
            for i, (messages, check, fallback) in jobs.items()
        }
        if not tasks:
            return brief
        _, pending = await asyncio.wait(tasks.values(), timeout=max(0.0, within))
        for task in pending:
            task.cancel()
        if pending:
            log.info("model commentary: %s of %s pieces not back in time", len(pending), len(tasks))
        pieces: dict[int, Piece] = {
            i: t.result() for i, t in tasks.items() if t.done() and not t.cancelled()
        }
        models = {p.model for p in pieces.values() if p.model}
        if not models:
            return brief
        lead = brief.lead
        if 0 in pieces and pieces[0].model:
            lead = pieces[0].text
        runs: list[QuoteRun] = []
        for i, run in enumerate(brief.runs):
            piece = pieces.get(i) if i > 0 else None
            if piece is not None and piece.model:
                run = dataclasses.replace(run, bridge=piece.text)
            runs.append(run)
        return dataclasses.replace(brief, lead=lead, runs=runs, commentary_model=sorted(models)[0])
