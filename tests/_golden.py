"""Golden outputs: the brief of a page at every length, as JSON and as the text preview.

Frozen before the redesign of issue 11 (which must reproduce them exactly) and kept since: a change
that alters a brief updates its golden in the same commit and says why. ``tests/test_goldens.py``
checks the saved pages of ``tests/pages``; ``bench/golden.py`` checks the extraction benchmark's
pages (by digest: the shared data is never copied into the repository).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from bot.article.read import extract_article
from bot.briefing.compose import compose_brief
from bot.briefing.render import render_text
from bot.briefing.types import LENGTHS

# The date the goldens were made at: a page's date is judged against "today" (a date after
# tomorrow is refused), so the outputs are a function of the page, its address and this date.
TODAY = dt.date(2026, 12, 1)


def page_outputs(html: bytes, url: str) -> dict[str, Any]:
    """``{length: {"brief": Brief.to_dict(), "text": render_text(brief)}}`` for every length."""
    article = extract_article(html, url, today=TODAY)
    out: dict[str, Any] = {}
    for length in LENGTHS:
        brief = compose_brief(article, article.url, length=length)
        out[length] = {"brief": brief.to_dict(), "text": render_text(brief)}
    return out


def canonical(outputs: dict[str, Any]) -> str:
    """The one serialisation goldens are written and compared in."""
    return json.dumps(outputs, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def digest(outputs: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(outputs).encode()).hexdigest()
