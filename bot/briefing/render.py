"""Turning a :class:`~bot.briefing.selection.Brief` into what people read: a Discord-agnostic
embed spec, a plain-text preview, and a thread name.

Everything taken from a page is hostile until made safe: characters that show nothing (format
characters such as zero-width and bidirectional controls, Hangul fillers, stray variation
selectors: :mod:`bot.article.invisible`) are stripped from every text shown, mentions are broken
with a zero-width space so they cannot ping, and text shown where Discord renders markdown (title,
description) is escaped so it cannot change the layout. Author line and footer are plain text
in Discord, so they are not escaped (a backslash would show). The sharer's own ``take`` keeps its
markdown but not its mentions.

Lengths are counted in UTF-16 code units, which is never less than Python's ``len`` and is how
JavaScript clients count, so every limit holds however Discord counts.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.article.invisible import strip_invisible
from bot.article.types import Article
from bot.briefing.commentary import source_host
from bot.briefing.types import Brief, QuoteRun
from bot.choices import ArticleKind

log = logging.getLogger(__name__)

TITLE_LIMIT = 256
AUTHOR_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
THREAD_NAME_LIMIT = 100
# A take is the member's own text, but one essay should not crowd out every quote.
LEAD_LIMIT = 1000
WORDS_PER_MINUTE = 230
SEPARATOR = "* * *"
ELLIPSIS = "…"
# What a paywalled page's brief says it shows (issue 17): no quotes, the publisher's summary only.
PAYWALL_NOTE = "paywalled: publisher's summary only"
ZWSP = "\u200b"

_SPACE = re.compile(r"\s+")
_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()])")
_LEADING_NUMBER = re.compile(r"^(\d+)\.(?=\s)")
_MENTION_AT = re.compile(r"@(?=\S)")
_MENTION_ANGLE = re.compile(r"<(?=[@#/:a\\])")
# What may not end a cut: half an emoji sequence or a combining mark without its base.
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


@dataclass(frozen=True)
class EmbedSpec:
    title: str
    url: str
    author_name: str | None
    description: str
    footer: str | None
    image_url: str | None

    def total_length(self) -> int:
        """Characters that count towards Discord's 6000 for all embeds of a message."""
        return sum(
            _units(x) for x in (self.title, self.author_name, self.description, self.footer) if x
        )


# --- making page text safe -----------------------------------------------------------------------


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def neutralise_mentions(text: str) -> str:
    """@everyone, @here, <@123>, <@!123>, <@&123>, <#123>, </cmd:1> can no longer ping or link."""
    return _MENTION_ANGLE.sub("<" + ZWSP, _MENTION_AT.sub("@" + ZWSP, text))


def escape_markdown(text: str) -> str:
    escaped = _MARKDOWN.sub(r"\\\1", text)
    # "1. text" at the start of a line would become a numbered list.
    return _LEADING_NUMBER.sub(r"\1\\.", escaped)


def clean_line(text: str) -> str:
    """Page text as one line, without invisible characters and unable to ping."""
    return neutralise_mentions(_SPACE.sub(" ", strip_invisible(text)).strip())


def safe_markdown(text: str) -> str:
    """Page text for a place Discord renders markdown: one line, escaped, unable to ping."""
    # Escape before breaking mentions, so the inserted zero-width spaces are not escaped.
    return neutralise_mentions(escape_markdown(_SPACE.sub(" ", strip_invisible(text)).strip()))


def _continues(ch: str) -> bool:
    """Whether ``ch`` belongs to the character cluster before it."""
    return (
        ch in _JOINERS
        or unicodedata.combining(ch) > 0
        or 0x1F3FB <= ord(ch) <= 0x1F3FF
        or 0xE0020 <= ord(ch) <= 0xE007F
    )  # skin tones and emoji tag sequences


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-16 units; a cut ends in "…" and never splits a character,
    an emoji sequence, a flag, a combining sequence or a backslash escape."""
    if _units(text) <= limit:
        return text
    room = limit - _units(ELLIPSIS)
    n = used = 0
    for ch in text:
        used += _units(ch)
        if used > room:
            break
        n += 1
    # Back off while the cut would separate a cluster's continuation from what it continues.
    while n > 0 and (_continues(text[n]) or text[n - 1] == "\u200d"):
        n -= 1
    if n > 0 and _is_regional(text[n]):
        regional = 0
        while regional < n and _is_regional(text[n - 1 - regional]):
            regional += 1
        n -= regional % 2  # flags are pairs: an odd count means the cut splits one
    kept = text[:n]
    # An odd number of trailing backslashes would escape the ellipsis.
    if (len(kept) - len(kept.rstrip("\\"))) % 2:
        kept = kept[:-1]
    return kept.rstrip() + ELLIPSIS


# --- article facts -------------------------------------------------------------------------------


def reading_minutes(article: Article) -> int:
    """Minutes to read the article at about 230 words a minute, at least 1."""
    words = sum(len(p.split()) for p in article.paragraphs)
    return max(1, round(words / WORDS_PER_MINUTE))


def _headline(brief: Brief) -> str:
    title = clean_line(brief.article.title or "")
    return title or source_host(brief.url) or "News link"


def outlet_of(brief: Brief) -> str:
    return clean_line(brief.article.site_name or "") or source_host(brief.url)


def _date(article: Article) -> str | None:
    if article.published is None:
        return None
    d = article.published
    return f"{d.strftime('%b')} {d.day}, {d.year}"


def _authors(article: Article) -> str:
    return ", ".join(a for a in (clean_line(x) for x in article.authors) if a)


def _web_url(url: str | None) -> str | None:
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") and not any(c.isspace() for c in url) else None


def _link_target(url: str) -> str:
    # Characters that would end a markdown link target early, percent-encoded.
    for ch, code in (("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"), (" ", "%20")):
        url = url.replace(ch, code)
    return url


# --- the embed -----------------------------------------------------------------------------------


def _lead(brief: Brief) -> str:
    if brief.lead_is_take:
        # The member's own markdown is theirs to use; only pings and invisible characters go.
        text = neutralise_mentions(strip_invisible(brief.lead).strip())
    else:
        text = safe_markdown(brief.lead)
    return cut(text, LEAD_LIMIT)


def _run_block(run: QuoteRun, first: bool) -> str:
    parts: list[str] = []
    if not first:
        parts.append(SEPARATOR)
        if run.bridge:
            parts.append(safe_markdown(run.bridge))
    parts.append("\n\n".join("> " + safe_markdown(p) for p in run.paragraphs))
    return "\n".join(parts)


def _description(lead: str, blocks: list[str], link_line: str) -> str:
    return "\n\n".join(x for x in (lead, *blocks, link_line) if x)


def render_embed(brief: Brief) -> EmbedSpec:
    """The brief as one Discord embed, within every Discord limit. A brief too long for the
    description loses whole quoted runs from the end, never part of a quote."""
    url = brief.url
    title = cut(escape_markdown(_headline(brief)), TITLE_LIMIT)
    outlet = outlet_of(brief)
    author_name = cut(outlet, AUTHOR_LIMIT) if outlet else None
    footer_parts = [x for x in (_authors(brief.article), _date(brief.article)) if x]
    if brief.kind == "article" and brief.article.paragraphs:
        footer_parts.append(f"{reading_minutes(brief.article)} min read")
    note = paywall_note(brief)
    if note:
        footer_parts.append(note)
    if brief.commentary_model:
        # said plainly: a model wrote some of the commentary
        footer_parts.append(f"Commentary: {brief.commentary_model}")
    footer = cut(" · ".join(footer_parts), FOOTER_LIMIT) if footer_parts else None

    web = _web_url(url)
    link_line = f"[Read the full article]({_link_target(web)})" if web else ""
    if not link_line or _units(link_line) > 600:
        # The way to the source is always there; an odd URL stays in the title link only.
        link_line = "Read the full article: follow the headline's link."
    lead = _lead(brief)
    blocks = [_run_block(run, i == 0) for i, run in enumerate(brief.runs)]
    fixed = sum(_units(x) for x in (title, author_name, footer) if x)
    room = min(DESCRIPTION_LIMIT, TOTAL_LIMIT - fixed)
    description = _description(lead, blocks, link_line)
    while blocks and _units(description) > room:
        blocks.pop()
        description = _description(lead, blocks, link_line)
    if len(blocks) < len(brief.runs):
        log.info(
            "dropped %s of %s quoted runs to fit Discord's limits for %s",
            len(brief.runs) - len(blocks),
            len(brief.runs),
            url,
        )
    if _units(description) > room:
        # Only a lead (at most LEAD_LIMIT) and a link line are left: cannot happen with today's
        # limits, but never send Discord something it refuses.
        description = cut(description, room)
    return EmbedSpec(
        title=title,
        url=url,
        author_name=author_name,
        description=description,
        footer=footer,
        image_url=_web_url(brief.article.image_url),
    )


def paywall_note(brief: Brief) -> str | None:
    """The card's word that the brief shows only what the publisher gives away, or None.

    A paywalled page's brief never quotes (the text behind the wall is not the article's), so it
    shows the publisher's summary or the sharer's own words only; the card says so even when the
    sharer's words replace the lead that would have said it."""
    return PAYWALL_NOTE if brief.kind == ArticleKind.PAYWALL else None


def render_text(brief: Brief) -> str:
    """A plain-text preview laid out like a hand-written news post (see example-brief.txt)."""
    headline = _headline(brief)
    attribution = [
        headline,
        outlet_of(brief),
        _authors(brief.article),
        _date(brief.article),
        strip_invisible(brief.url),
    ]
    lines = [f"NEWSLINK: {headline}", "", "[" + " – ".join(x for x in attribution if x) + "]", ""]
    lead = strip_invisible(brief.lead).strip()
    if lead:
        lines += [lead, ""]
    for i, run in enumerate(brief.runs):
        if i:
            lines.append(SEPARATOR)
            if run.bridge:
                lines += [clean_line(run.bridge), ""]
        for paragraph in run.paragraphs:
            lines += [_SPACE.sub(" ", strip_invisible(paragraph)).strip(), ""]
    note = paywall_note(brief)
    if note and brief.lead_is_take:
        # the generated lead already says it; the sharer's own words do not
        lines += [f"({note})", ""]
    lines.append(f"Read the full article: {strip_invisible(brief.url)}")
    if brief.commentary_model:
        lines += ["", f"Commentary: {clean_line(brief.commentary_model)}"]
    return "\n".join(lines)


def thread_name(brief: Brief) -> str:
    """A name for the brief's discussion thread: the headline, 1–100 characters."""
    name = cut(_headline(brief), THREAD_NAME_LIMIT)
    return (
        name
        if name.strip(ELLIPSIS + " ")
        else (source_host(brief.url) or "News link")[:THREAD_NAME_LIMIT]
    )
