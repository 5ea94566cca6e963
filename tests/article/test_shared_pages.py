"""Saved pages of the shared data that once gave a wrong headline, outlet or page kind (issue 15).

Each test names the defect it pins; the pages stay in ``../shared/data`` (skipped without it).
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest

from bot.article.furniture.kinds import paragraph_kinds
from bot.article.metadata.read import extract_metadata
from bot.clock import Clock
from tests._shared_data import date_page, extraction_page, metadata_keys, metadata_page, read

WDAY = "3c6d3381ef52ca26be2fbde19c1b0fe17d85682b726dfecf5e300c1ca34546b1"
REUTERS = "57d46c9d751e3fd3ffaf3ede7ac20cebd30eacb5ea78e1a6aa0a72059244e7ca"
NYT_OPINION = "04a6711caa7c687592777718866e781e976e0fe684faebe8b3cedcef8cd0ea34"
AP_HOSTED = "82b6d780c792df78dcfb00484d50c86fbc7f324a9eb5835b7615f028edb9a574"
JPOST = "e372e42c0a3df7b86e1c0bacf7bc14d042144a01e88833bc5a643d61b3547090"
XINHUA = "http://www.xinhuanet.com/local/2020-02/19/c_1125597921.htm"
PCGAMER = (
    "hard::pcgamer.com.skyrim.html",
    "https://www.pcgamer.com/an-illusionist-in-skyrim-part-1/",
)


def test_wday_headline_is_not_the_word_after_the_colon() -> None:
    # og:title "… по версии Wday.ru: список" once gave the headline "список" ("list"): the
    # part before ": " names the brand, but is a sentence, not the brand. (Preferring the page's
    # one <h1 itemprop="headline"> instead was tried and dropped: it cost a title on the
    # metadata set's fold A and gained none on either fold.)
    article = read(extraction_page(WDAY))
    assert article.title == (
        "Самые популярные кулинарные блоги и фудблогеры в Инстаграм по версии Wday.ru: список"
    )


def test_xinhua_headline_loses_the_site_suffix() -> None:
    article = read(metadata_page(XINHUA))
    assert article.title == "武汉的声音：有英勇的你，才有英雄的城！"


def test_xinhua_photo_credit_caption_is_furniture() -> None:
    article = read(metadata_page(XINHUA))
    kinds = dict(
        zip(article.paragraphs, paragraph_kinds(article.paragraphs, article.furniture), strict=True)
    )
    captions = [p for p in article.paragraphs if p.endswith("新华社记者 才扬 摄")]
    assert len(captions) == 1
    assert kinds[captions[0]] == "credit"


@pytest.mark.parametrize(
    ("page", "outlet"),
    [
        # og:site_name is a section ("U.S."); the JSON-LD publisher and the title say "Reuters"
        (lambda: extraction_page(REUTERS), "Reuters"),
        # declared only in microdata (itemprop="publisher" … itemprop="name")
        (lambda: extraction_page(NYT_OPINION), "The New York Times"),
        # og:site_name "Hosted"; the copyright line names the AP, the host's initials
        (lambda: extraction_page(AP_HOSTED), "The Associated Press"),
        # og:site_name is the host's label "pcgamer"; JSON-LD's publisher writes "PC Gamer"
        (lambda: metadata_page(*PCGAMER), "PC Gamer"),
    ],
    ids=["reuters", "nytimes", "hosted.ap.org", "pcgamer"],
)
def test_outlet_is_the_publisher_the_page_names(page, outlet: str) -> None:  # type: ignore[no-untyped-def]
    assert read(page()).site_name == outlet


def test_jpost_short_story_is_an_article_not_a_paywall() -> None:
    # "paywall-header-wrap" / "paywall-login-link" are the site's login chrome, and the story is
    # three sentences long: it is briefed, not labelled
    article = read(extraction_page(JPOST))
    assert article.kind == "article"
    assert article.paragraphs[0].startswith("The son of former German President")


HARPERS = "https://harpers.org/a-letter-on-justice-and-open-debate/"
HVW = "https://www.hvw-online.org/aktuell/detail/news/zuschauerrueckkehr-bei-den-proficlubs-der-region"


def test_harpers_letter_is_read_not_its_list_of_signatories() -> None:
    # readability chose the table of 150 signatories; the page's prose is the letter itself
    article = read(metadata_page(HARPERS))
    assert article.kind == "article"
    assert any(
        p.startswith("Our cultural institutions are facing a moment of trial")
        for p in article.paragraphs
    )
    assert not any(p.startswith("Elliot Ackerman Saladin Ambar") for p in article.paragraphs)


def test_a_box_of_opening_hours_is_not_the_article() -> None:
    # readability kept the office hours ("Mo, Mi, Do von 10:00 Uhr bis 15:30 Uhr")
    key = next(k for k in metadata_keys() if k.startswith(HVW))
    article = read(metadata_page(key, key.strip()))
    assert "Heimspiele keine Tickets zu erwerben." in " ".join(article.text.split())
    assert not any(p.startswith("Mo, Mi, Do von") for p in article.paragraphs)


UTOPIA = (
    "https://utopia.de/news/was-haben-bhs-mit-eisbergen-zu-tun-kim-kardashian-polarisiert-mit-"
    "werbung-nippel/"
)
COURIER_MAIL = (
    "https://www.couriermail.com.au/news/national/98yearold-wwii-veteran-beats-covid19-receives-"
    "ovation-from-hospital-staff/video/ca6ce285879e2291307f3fc8148670aa"
)


@pytest.mark.parametrize(
    ("page", "published"),
    [
        # JSON-LD's datePublished is 3 November (a draft's), article:published_time and the
        # page's other stamps 6 November: htmldate's pick, the reference's
        (lambda: metadata_page(UTOPIA), dt.date(2023, 11, 6)),
        # JSON-LD's 07:25 "Z" is Brisbane's local time labelled UTC, ten hours after Open Graph's
        # 21:25 UTC of the 24th, the reference's date
        (lambda: date_page(COURIER_MAIL), dt.date(2020, 4, 24)),
    ],
    ids=["utopia.de", "couriermail.com.au"],
)
def test_json_ld_and_open_graph_disagree_htmldate_picks(  # type: ignore[no-untyped-def]
    page, published: dt.date, dated_clock: Clock
) -> None:
    html, url = page()
    doc = lxml.html.document_fromstring(html)
    assert extract_metadata(doc, url, today=dated_clock.today()).published == published


TAGESPOST = "https://www.die-tagespost.de/leben/glauben-wissen/Warum-wir-jetzt-Demut-brauchen;art4886,207643"


def test_the_standfirst_between_headline_and_story_is_read() -> None:
    # readability kept the essay's body only; its standfirst is the <h2> under the <h1> in the
    # article's header (and not the page's description)
    article = read(metadata_page(TAGESPOST))
    assert article.paragraphs[0] == (
        "Risiken und Nebenwirkungen bergen nicht nur Medikamente, sondern auch politische "
        "Maßnahmen, wie die zur Bekämpfung einer Pandemie."
    )
    assert article.paragraphs[1].startswith("Demut ist ein Wort")


REPORT24 = "https://report24.news/so-nah-kam-eine-iranische-drohne-einem-us-flugzeugtraeger/"


def test_the_story_under_the_headline_wins_over_prose_readability_found_elsewhere() -> None:
    # readability kept a block away from the story; the prose under the headline is the article
    article = read(metadata_page(REPORT24))
    assert article.paragraphs[0].startswith("Die iranische Nachrichtenagentur Tasnim hat Video")
    assert article.paragraphs[1].startswith("Wie das nachfolgende auf X verbreitete Video")
