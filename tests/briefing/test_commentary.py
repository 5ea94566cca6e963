"""The commentary without a model: framing by kind and language, clean whole leads, bridges that
are right or absent."""

from __future__ import annotations

import lxml.html
import pytest

from bot.article.genre import genre_of
from bot.article.page import read_page
from bot.article.types import Article
from bot.briefing.commentary import bridge_before, generated_lead
from bot.briefing.compose import compose_brief
from bot.choices import Genre
from bot.model.checks import repeats

BODY = [
    "The city council voted on Thursday night to close the harbour's coal terminal by the end "
    "of 2030, ending more than a century of coal shipments through the port.",
    "About 240 people work at the terminal, and the council said it would spend heavily on "
    "retraining them for offshore wind work over the next six years.",
    "The terminal handled 4.2 million tonnes of coal last year, most of it bound overseas.",
]


def _article(**kw: object) -> Article:
    fields: dict[str, object] = {
        "url": "https://www.example.com/news/1",
        "title": "Harbour city votes to close coal terminal",
        "site_name": "The Courier",
        "paragraphs": list(BODY),
        "language": "en",
    }
    fields.update(kw)
    return Article(**fields)  # type: ignore[arg-type]


def _genre(head: str, url: str = "https://x.example/news/a") -> Genre:
    doc = lxml.html.fromstring(f"<html><head>{head}</head><body><p>x</p></body></html>")
    return genre_of(read_page(doc, url), None, None)


@pytest.mark.parametrize(
    ("head", "url", "genre"),
    [
        (
            '<script type="application/ld+json">{"@type":"OpinionNewsArticle"}</script>',
            "",
            "opinion",
        ),
        ('<script type="application/ld+json">{"@type":"SatiricalArticle"}</script>', "", "satire"),
        (
            '<script type="application/ld+json">{"@type":"AnalysisNewsArticle"}</script>',
            "",
            "analysis",
        ),
        ('<script type="application/ld+json">{"@type":"ReviewNewsArticle"}</script>', "", "review"),
        ('<script type="application/ld+json">{"@type":"UserReview"}</script>', "", "other"),
        ('<meta property="article:section" content="Opinion">', "", "opinion"),
        ('<meta property="article:section" content="Meinung">', "", "opinion"),
        ("", "https://x.example/commentisfree/2024/a-column", "opinion"),
        ('<meta property="article:section" content="World">', "", "news"),
    ],
)
def test_the_kind_of_piece_comes_from_the_pages_own_signals(
    head: str, url: str, genre: str
) -> None:
    assert _genre(head, url or "https://x.example/news/a") == genre


@pytest.mark.parametrize(
    ("genre", "language", "authors", "start"),
    [
        (Genre.NEWS, "en", [], "The Courier reports: "),
        (Genre.OPINION, "en", ["Jane Doe"], "Jane Doe writes in The Courier: "),
        (Genre.ANALYSIS, "en", [], "The Courier analyses: "),
        (Genre.SATIRE, "de", [], "Satire von The Courier: "),
        (Genre.NEWS, "de", [], "The Courier berichtet: "),
    ],
)
def test_the_lead_frames_the_piece_by_its_kind_in_its_language(
    genre: Genre, language: str, authors: list[str], start: str
) -> None:
    article = _article(
        genre=genre,
        language=language,
        authors=authors,
        description="Dock workers fear for their jobs after the vote.",
    )
    assert generated_lead(article, "The Courier", [0], has_quotes=True).startswith(start)


def test_a_language_without_framing_words_gets_no_framing_and_no_english() -> None:
    article = _article(
        language="ko", description="Dock workers fear for their jobs after the vote."
    )
    assert generated_lead(article, "The Courier", [0], has_quotes=True) == (
        "Dock workers fear for their jobs after the vote."
    )


def test_a_page_typed_as_no_story_gets_no_reports_lead() -> None:
    article = _article(genre=Genre.OTHER, description="Great service, would order again today.")
    assert "reports" not in generated_lead(article, "Trustpilot", [0], has_quotes=True)


def test_the_lead_never_repeats_the_first_quoted_paragraph() -> None:
    # The description is the lede in other words: the lead frames the story instead.
    article = _article(
        description="The city council voted on Thursday to close the harbour's coal terminal."
    )
    brief = compose_brief(article, article.url, length="standard")
    assert brief.quoted and brief.quoted[0] == BODY[0]  # the lede is still quoted
    assert not repeats(brief.lead.partition(": ")[2] or "x y", brief.quoted[0])
    assert brief.lead == "The Courier reports:"


@pytest.mark.parametrize(
    "description",
    [
        "Write to the desk at news@courier.example for more on the vote today.",
        "Copyright 2024 The Courier. All rights reserved, including the vote story.",
        "The council voted to close the terminal [입력시간 : 2018-08-25 15:24] on Thursday.",
        "The council voted to close the terminal \ufffd on Thursday night, officials said.",
        "Dock workers asked the council on Thursday how it would pay, and how did John M.",
        "Dock workers asked the council on Thursday whether it would pay a gauge of stoc...",
    ],
)
def test_the_lead_is_clean_and_whole(description: str) -> None:
    article = _article(description=description)
    lead = generated_lead(article, "The Courier", [0], has_quotes=True)
    for bad in ("@", "Copyright", "15:24", "\ufffd", "John M.", "stoc"):
        assert bad not in lead
    assert lead.endswith((".", ":"))


def test_a_lead_too_long_for_one_sentence_is_not_cut() -> None:
    long = "Dock workers " + "and their families " * 40 + "marched on Thursday."
    lead = generated_lead(_article(description=long), "The Courier", [0], has_quotes=True)
    assert "…" not in lead and lead == "The Courier reports:"


MENTIONED = "harbour city votes"


@pytest.mark.parametrize(
    ("paragraph", "language"),
    [
        # a columnist's own words about what someone once said: not that person's statement
        (
            "In this column I keep returning to what Hogan Gidley said about the terminal last year.",
            "en",
        ),
        ("Sie sagte, dass der Frühstückskaffee teurer werde, und Sie hatte recht damit.", "de"),
        ("The yield on US10YT rose again as traders sold bonds ahead of the vote.", "en"),
        ("Fans of George R.R. Martin waited again for the book that never came out.", "en"),
    ],
)
def test_a_bridge_is_right_or_absent(paragraph: str, language: str) -> None:
    article = _article(paragraphs=[*BODY, paragraph, paragraph], language=language)
    bridge = bridge_before([paragraph], article, MENTIONED)
    assert (
        bridge is None
        or bridge.startswith("On ")
        and bridge not in ("On US10YT:", "On George:", "On Sie:")
    )
    assert bridge not in ("Hogan Gidley:", "Further on:")


def test_a_speaker_bridge_names_who_speaks_in_the_run() -> None:
    paragraph = "“We will not leave the dockers behind,” said Margaret Okafor, the council leader."
    article = _article(paragraphs=[*BODY, paragraph])
    assert bridge_before([paragraph], article, MENTIONED) == "Margaret Okafor:"


def test_a_foreign_brief_gets_no_english_bridge() -> None:
    paragraph = "Der Hafen wird 2030 geschlossen, sagte Margaret Okafor am Donnerstag."
    article = _article(paragraphs=[*BODY, paragraph], language="de")
    assert bridge_before([paragraph], article, MENTIONED) is None


def test_no_further_on() -> None:
    paragraph = "Then the rain came, and it did not stop for two days in the valley."
    assert bridge_before([paragraph], _article(), MENTIONED) is None
