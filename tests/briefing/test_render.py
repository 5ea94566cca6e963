"""Rendering briefs: Discord's limits hold and page text can neither ping nor change the layout."""

from __future__ import annotations

import datetime as dt
import functools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article.types import Article
from bot.briefing.compose import compose_brief
from bot.briefing.render import (
    DESCRIPTION_LIMIT,
    EmbedSpec,
    cut,
    escape_markdown,
    reading_minutes,
    render_embed,
    render_text,
    thread_name,
)
from bot.briefing.types import LENGTHS, Brief, QuoteRun
from tests.briefing._pages import page_brief, page_brief_names

URL = "https://www.example.com/news/story"
SPECIAL = set("\\*_~`|>#-[]()")
PING = re.compile(r"@everyone|@here|<@!?&?\d+>|<#\d+>|</[\w-]+:\d+>")
HIDDEN = re.compile("[\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u2060]")

HOSTILE = (
    "@everyone look <@&123> and <@456> <@!789> in <#42>, run </ban:1>, **bold** `code` "
    "||spoiler|| __under__ ~~strike~~ [link](https://evil.example) # heading "
    "\u202eevil\u202c hidden\u200bzero\u200dwidth @here"
)
SENTENCE = "The council approved the budget on Monday after a long debate about schools and roads."


def _article(paragraphs: list[str], **kw: object) -> Article:
    fields: dict[str, object] = {
        "url": URL,
        "title": "Council approves budget",
        "site_name": "Gazette",
    }
    fields.update(kw)
    return Article(paragraphs=list(paragraphs), **fields)  # type: ignore[arg-type]


def _within_limits(spec: EmbedSpec) -> None:
    assert 1 <= len(spec.title) <= 256
    assert len(spec.description) <= DESCRIPTION_LIMIT
    assert spec.author_name is None or len(spec.author_name) <= 256
    assert spec.footer is None or len(spec.footer) <= 2048
    assert spec.total_length() <= 6000
    assert (
        len(spec.title)
        + len(spec.description)
        + len(spec.author_name or "")
        + len(spec.footer or "")
        <= 6000
    )


def _unescaped_specials(text: str) -> list[str]:
    found: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in SPECIAL:
            found.append(ch)
    return found


def _visible(text: str) -> str:
    # A joiner between letters shows nothing and goes; one inside an emoji stays: compare without.
    return HIDDEN.sub("", text).replace("\u200b", "").replace("\u200d", "")


def _quote_lines(description: str) -> list[str]:
    return [line[2:] for line in description.split("\n") if line.startswith("> ")]


PATHOLOGICAL = {
    "huge-paragraph": _article(["word " * 2000 + "end."] + [SENTENCE] * 1),
    "tiny-paragraphs": _article([f"Item {i} is here now." for i in range(3000)]),
    "long-headline": _article(
        [SENTENCE, SENTENCE + " Again."],
        title="Headline " * 40,
        site_name="Outlet " * 60,
        authors=["Author Name"] * 300,
    ),
    "emoji-at-cut": _article(
        [SENTENCE], title="x" * 254 + "👨‍👩‍👧‍👦" * 3, site_name="y" * 255 + "e\u0301"
    ),
    "combining-at-cut": _article([SENTENCE], title="e\u0301" * 200, site_name="🇫🇷" * 100),
    "hostile": _article(
        [HOSTILE, SENTENCE, HOSTILE + " again", "1. numbered start of line, a sentence."],
        title="**Bold** @everyone <@&1> headline",
        site_name="@here Gazette",
        authors=["<@123>"],
        description="The description says @everyone should see **x** now.",
    ),
    "empty": _article([], title=None, site_name=None),
    "big-budget": _article([SENTENCE + f" Part {i}." for i in range(200)]),
}


# Names at collection, briefs when a test asks (tests/briefing/_pages.py says why).
CASE_NAMES = [
    f"{name}/{variant}" for name in PATHOLOGICAL for variant in (*LENGTHS, "budget", "take")
] + page_brief_names(LENGTHS)


@functools.cache
def _case(name: str) -> Brief:
    source, variant = name.rsplit("/", 1)
    if source in PATHOLOGICAL:
        article = PATHOLOGICAL[source]
        if variant == "budget":
            return compose_brief(article, URL, budget=50_000)
        if variant == "take":
            return compose_brief(article, URL, take="x" * 5000)
        return compose_brief(article, URL, length=variant)
    return page_brief(source, variant)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_embed_is_within_discord_limits(name: str) -> None:
    brief = _case(name)
    spec = render_embed(brief)
    _within_limits(spec)
    assert spec.description.endswith(f"[Read the full article]({brief.url})")
    assert 1 <= len(thread_name(brief)) <= 100


@pytest.mark.parametrize("name", CASE_NAMES)
def test_quotes_are_dropped_whole_never_cut(name: str) -> None:
    brief = _case(name)
    spec = render_embed(brief)
    shown = _quote_lines(spec.description)
    quoted = [_visible(escape_markdown(re.sub(r"\s+", " ", p).strip())) for p in brief.quoted]
    # What is shown is a prefix of the brief's runs: whole paragraphs from the start.
    assert [_visible(q) for q in shown] == quoted[: len(shown)]
    run_ends = {0}
    for run in brief.runs:
        run_ends.add(max(run_ends) + len(run.paragraphs))
    assert len(shown) in run_ends


def test_a_long_brief_drops_runs_from_the_end() -> None:
    paragraphs = [f"{SENTENCE} Section {i} adds (more) detail *here*." for i in range(60)]
    article = _article(paragraphs)
    runs = [
        QuoteRun(paragraphs=[p], bridge="Later in the article:", start=i)
        for i, p in enumerate(paragraphs)
        if i % 2 == 0
    ]
    brief = Brief(article=article, url=URL, lead="Lead.", runs=runs)
    spec = render_embed(brief)
    shown = _quote_lines(spec.description)
    assert 0 < len(shown) < len(runs)
    assert shown == [escape_markdown(r.paragraphs[0]) for r in runs[: len(shown)]]


def test_hostile_page_text_cannot_ping_or_change_markdown() -> None:
    brief = compose_brief(PATHOLOGICAL["hostile"], URL, length="long")
    assert HOSTILE in brief.quoted  # the brief itself keeps the page's words verbatim
    spec = render_embed(brief)
    for text in (spec.title, spec.description, spec.author_name or "", spec.footer or ""):
        assert not PING.search(text), text
        assert not HIDDEN.search(text), text
        assert not re.search("\u200b(?<![@<]\u200b)", text), "zero-width spaces only break mentions"
    for line in _quote_lines(spec.description):
        assert _unescaped_specials(line) == [], line
    assert _unescaped_specials(spec.title) == []
    assert "\\*\\*bold\\*\\*" in spec.description
    assert "\\|\\|spoiler\\|\\|" in spec.description
    assert "1\\. numbered" in spec.description
    assert "hiddenzerowidth" in spec.description  # a joiner between letters shows nothing
    text = render_text(brief)
    assert not HIDDEN.search(text)


def test_the_sharers_take_keeps_its_markdown_but_not_its_pings() -> None:
    brief = compose_brief(PATHOLOGICAL["hostile"], URL, take="**Read this**, @everyone <@&99>")
    spec = render_embed(brief)
    first_line = spec.description.split("\n")[0]
    assert first_line.startswith("**Read this**, @\u200beveryone <\u200b@\u200b&99>")
    assert not PING.search(spec.description)


def test_generated_lead_from_page_text_is_escaped() -> None:
    brief = compose_brief(PATHOLOGICAL["hostile"], URL, length="compact")
    assert not brief.lead_is_take
    first_line = render_embed(brief).description.split("\n")[0]
    assert "\\*\\*x\\*\\*" in first_line and "@\u200beveryone" in first_line


def test_embed_fields_and_footer() -> None:
    article = _article(
        [SENTENCE] * 0 + [f"{SENTENCE} Number {i}." for i in range(40)],
        authors=["Ada Lovelace", "Alan Turing"],
        published=dt.date(2012, 12, 2),
        image_url="https://img.example/a.jpg",
    )
    spec = render_embed(compose_brief(article, URL, length="standard"))
    assert spec.title == "Council approves budget"
    assert spec.url == URL
    assert spec.author_name == "Gazette"
    assert (
        spec.footer
        == f"Ada Lovelace, Alan Turing · Dec 2, 2012 · {reading_minutes(article)} min read"
    )
    assert spec.image_url == "https://img.example/a.jpg"


def test_footer_leaves_out_unknown_fields_and_images_must_be_web_urls() -> None:
    article = _article(
        [SENTENCE * 3] * 0 + [f"{SENTENCE} {i}." for i in range(20)],
        image_url="javascript:alert(1)",
    )
    spec = render_embed(compose_brief(article, URL))
    assert spec.footer == "1 min read"
    assert spec.image_url is None


def test_links_with_parentheses_stay_one_link() -> None:
    url = "https://en.example.org/wiki/Thing_(band)"
    spec = render_embed(compose_brief(_article([SENTENCE]), url))
    assert spec.description.endswith(
        "[Read the full article](https://en.example.org/wiki/Thing_%28band%29)"
    )


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://a.example/x y", "https://a.example/" + "x" * 700]
)
def test_a_url_unfit_for_a_markdown_link_still_gets_a_pointer(url: str) -> None:
    spec = render_embed(compose_brief(_article([SENTENCE]), url))
    assert spec.description.endswith("Read the full article: follow the headline's link.")


def test_render_text_is_laid_out_like_the_example() -> None:
    paragraphs = [f"Paragraph {i}: {SENTENCE}" for i in range(30)]
    article = _article(paragraphs, authors=["Adrian Croft"], published=dt.date(2012, 12, 2))
    brief = Brief(
        article=article,
        url=URL,
        lead="Gazette reports: the budget passed. From the article:",
        runs=[
            QuoteRun([paragraphs[0], paragraphs[1]]),
            QuoteRun([paragraphs[5]], bridge="Later in the article:", start=5),
        ],
    )
    assert render_text(brief) == "\n".join(
        [
            "NEWSLINK: Council approves budget",
            "",
            f"[Council approves budget – Gazette – Adrian Croft – Dec 2, 2012 – {URL}]",
            "",
            "Gazette reports: the budget passed. From the article:",
            "",
            paragraphs[0],
            "",
            paragraphs[1],
            "",
            "* * *",
            "Later in the article:",
            "",
            paragraphs[5],
            "",
            f"Read the full article: {URL}",
        ]
    )


def test_render_text_leaves_out_unknown_attribution() -> None:
    brief = compose_brief(
        _article([SENTENCE], title="Plain", site_name=None), "https://www.news.example/a"
    )
    assert "[Plain – news.example – https://www.news.example/a]" in render_text(brief)


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("Council approves budget", URL, "Council approves budget"),
        ("  Spaced\n\tout  ", URL, "Spaced out"),
        (None, "https://www.news.example/a", "news.example"),
        ("\u202e\u200b", "https://news.example/a", "news.example"),
        ("A" * 150, URL, "A" * 99 + "…"),
    ],
)
def test_thread_name(title: str | None, url: str, expected: str) -> None:
    assert thread_name(compose_brief(_article([SENTENCE], title=title), url)) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("abcdefghij", 5, "abcd…"),
        ("ab👍🏽cd", 5, "ab…"),  # never leaves the skin tone without its hand
        ("e\u0301e\u0301e\u0301", 4, "e\u0301…"),  # nor a combining accent without its letter
        ("🇫🇷🇩🇪🇬🇧", 7, "🇫🇷…"),  # nor half a flag
        ("👨\u200d👩\u200d👧 hi", 5, "…"),  # nor part of a family
        ("abc\\*def", 5, "abc…"),  # nor half a backslash escape
    ],
)
def test_cut(text: str, limit: int, expected: str) -> None:
    assert cut(text, limit) == expected


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (100, 1), (460, 2), (2300, 10)])
def test_reading_minutes(words: int, minutes: int) -> None:
    assert reading_minutes(_article(["word " * words])) == minutes


text_st = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(text_st, max_size=30),
    title=st.none() | st.text(max_size=400),
    site=st.none() | st.text(max_size=400),
    authors=st.lists(st.text(max_size=100), max_size=5),
    take=st.none() | st.text(max_size=1500),
    length=st.sampled_from(sorted(LENGTHS)),
    description=st.none() | text_st,
)
def test_random_articles_render_within_limits_with_verbatim_quotes(
    paragraphs: list[str],
    title: str | None,
    site: str | None,
    authors: list[str],
    take: str | None,
    length: str,
    description: str | None,
) -> None:
    article = _article(
        paragraphs, title=title, site_name=site, authors=authors, description=description
    )
    brief = compose_brief(article, URL, take=take, length=length)
    for p in brief.quoted:
        assert p in article.paragraphs
    spec = render_embed(brief)
    _within_limits(spec)
    assert not PING.search(spec.description) and not PING.search(spec.title)
    render_text(brief)
    assert 1 <= len(thread_name(brief)) <= 100


def test_a_mixed_script_host_is_shown_in_punycode() -> None:
    # "pаypal.com" with a Cyrillic "а": a homograph must not pass for the real site.
    url = "https://p\u0430ypal.com/news/story"
    article = Article(url=url, title="Account notice", paragraphs=[], kind="not_article")
    embed = render_embed(compose_brief(article, url))
    assert embed.author_name == "xn--pypal-4ve.com"


# --- invisible characters (issue 10) -------------------------------------------------------------


def _tags(text: str) -> str:
    return "".join(chr(0xE0000 + ord(c)) for c in text)


INVISIBLE_ONLY = [
    "\u3164",  # HANGUL FILLER
    "\uffa0\u115f\u1160",  # the other Hangul fillers
    "\u2800\u2800",  # braille blank
    _tags("hidden"),  # tag characters
    "\U000e0000\U000e007f",
    "\u206a\u206b\u206c\u206d\u206e\u206f",
    "\u034f",  # combining grapheme joiner
    "\ufe0f\ufe0e\U000e0100",  # variation selectors with nothing to select
    "\u200d\u200c\u200b",
    " \u3164 \u2800 \u200b ",
]


@pytest.mark.parametrize("blank", INVISIBLE_ONLY)
def test_names_made_only_of_invisible_characters_fall_back_to_the_host(blank: str) -> None:
    article = _article([SENTENCE], title=blank, site_name=blank, authors=[blank, "Jane Doe"])
    brief = compose_brief(article, URL)
    spec = render_embed(brief)
    assert thread_name(brief) == "example.com"
    assert spec.title == "example.com"
    assert spec.author_name == "example.com"
    assert spec.footer is not None and spec.footer.startswith("Jane Doe ·")
    assert render_text(brief).startswith("NEWSLINK: example.com\n")
    assert brief.lead == "example.com reports:"  # the outlet named by its host, not by "ㅤ"


def test_invisible_characters_go_from_every_text_shown_but_emoji_stay() -> None:
    hidden = "\u3164\u2800" + _tags("psst") + "\u206a\u034f" + "\ufe0f" * 8
    family = "👨\u200d👩\u200d👧"
    quote = f"{SENTENCE[:-1]}{hidden} and the mayor posted {family} with it."
    article = _article(
        [quote],
        title=f"Budget{hidden} passes {family}",
        site_name=f"Gazette{hidden}",
        authors=[f"Jane{hidden} Doe"],
        description=f"The budget{hidden} passed.",
    )
    brief = compose_brief(article, URL, length="long")
    assert quote in brief.quoted  # the brief keeps the page's words verbatim
    spec = render_embed(brief)
    shown = [spec.title, spec.description, spec.author_name or "", spec.footer or ""]
    shown += [thread_name(brief), render_text(brief)]
    for text in shown:
        assert not {"\u3164", "\u2800", "\u206a", "\u034f", "\U000e0070"} & set(text), text
        assert "\ufe0f\ufe0f" not in text
    assert spec.title.startswith("Budget passes " + family)
    assert thread_name(brief).startswith("Budget passes " + family)
    assert spec.author_name == "Gazette"
    assert spec.footer is not None and spec.footer.startswith("Jane Doe ·")
    # The quote reads as the article does: only what shows nothing is gone, the family stays.
    assert f"and the mayor posted {family} with it." in spec.description


@pytest.mark.parametrize("take", [None, "Worth a read if you can get past the wall"])
def test_a_paywalled_brief_says_it_shows_the_publishers_summary_only(take: str | None) -> None:
    article = _article(
        [SENTENCE], kind="paywall", authors=["Ada Lovelace"], description="Ministers meet."
    )
    brief = compose_brief(article, URL, take=take)
    spec = render_embed(brief)
    # On the card, even when the sharer's words replace the lead that would have said it.
    assert spec.footer == "Ada Lovelace · paywalled: publisher's summary only"
    text = render_text(brief)
    # In the preview, said once: by the generated lead, or by a note under the sharer's words.
    assert text.lower().count("publisher's summary only") == 1
    assert ("(paywalled: publisher's summary only)" in text.splitlines()) == (take is not None)


@pytest.mark.parametrize("kind", ["article", "too_short", "not_article"])
def test_only_a_paywalled_brief_says_paywalled(kind: str) -> None:
    brief = compose_brief(_article([f"{SENTENCE} {i}." for i in range(20)], kind=kind), URL)
    assert "paywalled" not in (render_embed(brief).footer or "")
    assert "paywalled" not in render_text(brief).lower()
