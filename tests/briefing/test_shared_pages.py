"""Saved pages of the shared data whose briefs once quoted furniture or runs that lean on what
came before (issue 15). The pages stay in ``../shared/data`` (skipped without it)."""

from __future__ import annotations

import pytest

from bot.briefing.compose import compose_brief
from bot.briefing.ranking import leans_on_previous
from bot.briefing.types import LENGTHS
from tests._shared_data import extraction_page, metadata_page, read

HEISE = "https://www.heise.de/newsticker/meldung/Lithium-aus-dem-Schredder-4451133.html"
FAZ = (
    "https://www.faz.net/aktuell/wirtschaft/nutzerbasierte-abrechnung-musik-stars-fordern-neues-"
    "streaming-modell-16604622.html"
)
XINHUA = "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm"
INTERCEPT = "https://theintercept.com/2023/11/08/gaza-hospitals-babies-doctors-patients/"
REUTERS = "57d46c9d751e3fd3ffaf3ede7ac20cebd30eacb5ea78e1a6aa0a72059244e7ca"
# "Which is not to say…" (CNN opinion) and "It wasn't the first time Vindman had…" pages
LEANING_PAGES = (
    "ef4e67b66d63b5facef55c06a94d85f2ae01a0a1a4a3a1bcfe2499c8c8a7dacf",
    "7916ecca969ffdd8f6fc32d171fbe0dd63db40fe4c1d2ade02b1dec5929a162f",
    "a6968f427cdb786531cfb326518e674bd8b48af94df7c5c6165cdf40e944357a",
)


def _quoted(page: tuple[bytes, str]) -> list[str]:
    article = read(page)
    return [q for length in LENGTHS for q in compose_brief(article, page[1], length=length).quoted]


@pytest.mark.parametrize(
    ("key", "furniture"),
    [
        (HEISE, "Dieser Beitrag stammt aus Ausgabe 7/2019"),
        (HEISE, "mehr anzeigen"),
        (HEISE, "Den kompletten Beitrag lesen Sie"),
        (FAZ, "Marcus Theurer"),
        (FAZ, "Redakteur in der Wirtschaft"),
        (XINHUA, "新华社记者 才扬 摄"),
    ],
)
def test_furniture_is_never_quoted(key: str, furniture: str) -> None:
    assert not [q for q in _quoted(metadata_page(key)) if furniture in q]


def test_the_intercepts_pull_quote_is_not_quoted() -> None:
    pull = "“We ran out of fuel and the electricity is cut off. The hospital is out of service.”"
    assert pull not in _quoted(metadata_page(INTERCEPT))


def test_reuters_bond_prices_are_not_quoted() -> None:
    assert not [q for q in _quoted(extraction_page(REUTERS)) if "=RR" in q]


@pytest.mark.parametrize("page_id", LEANING_PAGES)
def test_no_run_opens_with_a_paragraph_that_leans_on_the_one_before(page_id: str) -> None:
    page = extraction_page(page_id)
    article = read(page)
    for length in LENGTHS:
        for run in compose_brief(article, page[1], length=length).runs:
            first = article.paragraphs.index(run.paragraphs[0])
            assert first == 0 or not leans_on_previous(run.paragraphs[0]), run.paragraphs[0]


@pytest.mark.parametrize(
    ("page", "opening", "full_name"),
    [
        (
            (
                "metadata",
                "https://www.latimes.com/politics/story/2020-02-19/mike-bloomberg-democratic-debate-history",
            ),
            "Begala said",
            "Paul Begala",
        ),
        (
            ("extraction", "d1c57d7821e5a5b27fb468c59489601bb2a042b1c05221166e3221d2b5dc217f"),
            "Clarke said",
            "Steve Clarke",
        ),
        (("metadata", "https://yle.fi/uutiset/3-11212601"), "Ruuhela on", "Reija Ruuhela"),
    ],
    ids=["latimes", "nasa-clps", "yle-finnish"],
)
def test_a_surname_alone_is_quoted_only_after_its_full_name(
    page: tuple[str, str], opening: str, full_name: str
) -> None:
    kind, key = page
    saved = metadata_page(key) if kind == "metadata" else extraction_page(key)
    article = read(saved)
    assert any(p.startswith(opening) for p in article.paragraphs)
    for length in LENGTHS:
        quoted = compose_brief(article, saved[1], length=length).quoted
        for i, paragraph in enumerate(quoted):
            if paragraph.startswith(opening):
                assert full_name in " ".join(quoted[:i]), (length, paragraph)
