"""Commentary benchmark: the brief's lead and bridges today, and a language model's, checked.

Usage: ``python bench/commentary.py ../shared/data/extraction [--model-url URL] [--json OUT]``
(on demand, not in tests).

Every page of the extraction set is briefed at the standard channel length. Without a model it
measures the commentary the brief writes today: the share of leads that repeat the first quoted
paragraph (mostly its word pairs: :func:`bot.model.checks.repeats`, the lead's framing such as
"X reports:" left out) and the bridges by kind: ``speaker`` ("Margaret Okafor:", "More from
Okafor:"), ``subject`` ("On the dock workers' union:"), ``further_on`` ("Further on:") and
``none`` (a later run with no bridge).

With ``--model-url`` (an OpenAI-compatible base URL, e.g. ``http://127.0.0.1:8765/v1``) it also
asks the model for each brief's lead and for each bridge, one request per piece, the pieces of a
brief at once (as the bot would send them), each carrying the headline, the outlet, the selected
runs and the sharer's words (none here); every reply goes through :mod:`bot.model.checks`, and
pieces are counted accepted or refused by check (a failed request counts under its reason:
``timeout``, ``length``, ``http``, ...). ``ms_p50``/``ms_p95`` are per brief: building it, plus
its model requests when a model is used.

``--json`` keys: ``lead_repeats`` (share), ``bridges`` (kind → count), ``accepted``,
``refused_by_check``, ``ms_p50``, ``ms_p95``, and details (``pages``, ``briefs``, samples).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gzip
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.briefing.commentary import source_host  # noqa: E402
from bot.briefing.commentator import material  # noqa: E402
from bot.briefing.compose import build_brief  # noqa: E402
from bot.briefing.types import Brief  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.model.checks import Accepted, check_bridge, check_lead, repeats  # noqa: E402
from bot.model.client import ModelClient, ModelError, create_model_session  # noqa: E402
from bot.model.prompts import PieceContext, bridge_prompt, lead_prompt  # noqa: E402
from bot.settings import Settings  # noqa: E402

TODAY = SystemClock().today()  # as the bot would run now: the pages are dated long before
LENGTH = "standard"
SAMPLES = 12


def bridge_kind(bridge: str | None) -> str:
    if bridge is None:
        return "none"
    if bridge == "Further on:":  # gone since issue 13; still counted, should it come back
        return "further_on"
    if bridge.startswith("On "):
        return "subject"
    return "speaker"  # "Name:", "The council leader, Name:", "More from Name:"


def lead_summary(lead: str) -> str:
    """The lead without its framing ("Reuters reports: …"): what could repeat a quote."""
    head, sep, rest = lead.partition(": ")
    return rest if sep and len(head) <= 80 else lead


def outlet_of(brief: Brief) -> str:
    return (brief.article.site_name or "").strip() or source_host(brief.url)


def load_pages(data_dir: Path, limit: int | None) -> list[tuple[str, str, bytes]]:
    truth = json.loads((data_dir / "ground-truth.json").read_text())
    pages = []
    for page_id in sorted(truth):
        path = data_dir / "html" / f"{page_id}.html.gz"
        if path.exists():
            pages.append(
                (page_id, truth[page_id].get("url") or "", gzip.decompress(path.read_bytes()))
            )
    return pages[:limit] if limit else pages


async def model_pieces(client: ModelClient, brief: Brief) -> list[tuple[str, str | None, str]]:
    """(piece, the model's text or None, "accepted" or the check or reason that refused it)
    for the lead and each bridge."""
    a = brief.article
    context = PieceContext(
        headline=a.title or "",
        outlet=outlet_of(brief),
        runs=[run.paragraphs for run in brief.runs],
        take=None,
        language=a.language,
        authors=tuple(a.authors),
    )
    prompts = [("lead", lead_prompt(context))]
    prompts += [("bridge", bridge_prompt(context, i)) for i in range(1, len(brief.runs))]
    replies = await asyncio.gather(
        *(client.complete(messages, guild_id=0) for _, messages in prompts),
        return_exceptions=True,
    )
    source = material(brief)
    out: list[tuple[str, str | None, str]] = []
    for (piece, _), reply in zip(prompts, replies, strict=True):
        if isinstance(reply, ModelError):
            out.append((piece, None, reply.reason))
            continue
        if isinstance(reply, BaseException):
            raise reply
        if piece == "lead":
            verdict = check_lead(reply.text, article=source, quoted=brief.quoted)
        else:
            verdict = check_bridge(reply.text, article=source)
        if isinstance(verdict, Accepted):
            out.append((piece, verdict.text, "accepted"))
        else:
            out.append((piece, reply.text, verdict.check))
    return out


async def run(data_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    pages = load_pages(data_dir, args.limit)
    bridges: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    leads = repeated = 0
    ms: list[float] = []
    samples: list[dict[str, Any]] = []
    client = session = None
    if args.model_url:
        # The bot's own settings, as LLM_* would set them.
        settings = dataclasses.replace(
            Settings(),
            llm_base_url=args.model_url.rstrip("/"),
            llm_model=args.model,
            llm_timeout=args.timeout,
            llm_max_tokens=args.max_tokens,
            llm_concurrency=args.concurrency,
        )
        session = create_model_session(settings)
        client = ModelClient.from_settings(session, settings)
    briefs = 0
    try:
        for page_id, url, html in pages:
            started = time.perf_counter()
            brief = build_brief(
                html, url or f"https://bench.example/{page_id}", today=TODAY, length=LENGTH
            )
            if brief.kind != "article" or not brief.runs:
                continue
            briefs += 1
            if not brief.lead_is_take:
                leads += 1
                repeated += repeats(lead_summary(brief.lead), brief.runs[0].paragraphs[0])
            for run_ in brief.runs[1:]:
                bridges[bridge_kind(run_.bridge)] += 1
            if client is not None:
                pieces = await model_pieces(client, brief)
                for piece, text, outcome in pieces:
                    if outcome == "accepted":
                        accepted[piece] += 1
                    else:
                        refused[outcome] += 1
                    if len(samples) < SAMPLES or (
                        outcome == "accepted" and len(samples) < 3 * SAMPLES
                    ):
                        samples.append(
                            {"page": page_id, "piece": piece, "outcome": outcome, "text": text}
                        )
            ms.append(1000 * (time.perf_counter() - started))
    finally:
        if session is not None:
            await session.close()
    quantiles = statistics.quantiles(ms, n=20) if len(ms) > 1 else ms * 19
    return {
        "pages": len(pages),
        "briefs": briefs,
        "length": LENGTH,
        "model_url": args.model_url,
        "lead_repeats": repeated / leads if leads else 0.0,
        "lead_repeats_count": repeated,
        "leads": leads,
        "bridges": dict(sorted(bridges.items())),
        "accepted": sum(accepted.values()),
        "accepted_by_piece": dict(sorted(accepted.items())),
        "refused_by_check": dict(refused.most_common()),
        "ms_p50": statistics.median(ms) if ms else 0.0,
        "ms_p95": quantiles[18],
        "samples": samples,
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"pages {result['pages']}, briefs with quotes {result['briefs']} (length {LENGTH}), "
        f"model: {result['model_url'] or 'none'}",
        "",
        "| figure | value |",
        "|---|---|",
        f"| leads repeating the first quote | {result['lead_repeats']:.1%} "
        f"({result['lead_repeats_count']} of {result['leads']}) |",
    ]
    total = sum(result["bridges"].values())
    for kind in ("speaker", "subject", "further_on", "none"):
        lines.append(f"| bridges: {kind} | {result['bridges'].get(kind, 0)} of {total} |")
    if result["model_url"]:
        pieces = result["accepted"] + sum(result["refused_by_check"].values())
        by_piece = result["accepted_by_piece"]
        lines.append(f"| model pieces accepted | {result['accepted']} of {pieces} {by_piece} |")
        for check, count in result["refused_by_check"].items():
            lines.append(f"| refused: {check} | {count} |")
    lines.append(f"| ms per brief p50 / p95 | {result['ms_p50']:.1f} / {result['ms_p95']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument(
        "--model-url", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8765/v1"
    )
    parser.add_argument("--model", default="", help="model name sent with each request")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request (LLM_TIMEOUT)"
    )
    parser.add_argument("--max-tokens", type=int, default=120, help="per piece (LLM_MAX_TOKENS)")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="requests at once (LLM_CONCURRENCY)"
    )
    parser.add_argument("--limit", type=int, help="only the first N pages (sorted by id)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    result = asyncio.run(run(args.data_dir, args))
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
