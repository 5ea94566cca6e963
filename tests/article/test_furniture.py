"""Tests for bot.article.furniture: captions, credits, embedded posts, wire footers and site
chrome, as extraction drops or marks them."""

from __future__ import annotations

import lxml.html
import pytest

from bot.article.furniture.chrome import remove_chrome
from bot.article.read import extract_article
from tests._dates import TODAY
from tests._growth import assert_linear
from tests.article._inline import OG_ARTICLE, PROSE
from tests.article._inline import article_markup as _article
from tests.article._inline import html_page as _html

URL = "https://news.example.com/2024/05/story"


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        ("InlineImage-imageEmbedCaption", True),
        ("InlineImage-imageEmbedCredit", True),
        ("photoCredit", True),
        ("shareBar", True),
        ("articleCaption", False),  # names the article itself
        ("storyBody", False),
        ("Capitalised", False),
        ("caption-text", False),
    ],
)
def test_camel_case_class_names_are_read_as_words(marks: str, expected: bool) -> None:
    from bot.article.furniture.chrome import _FURNITURE_WORDS, _names_any

    assert _names_any(marks, _FURNITURE_WORDS) is expected


def test_caption_and_credit_named_in_camel_case_are_not_paragraphs() -> None:
    figure = (
        '<div class="InlineImage-container"><img src="a.jpg">'
        '<div class="InlineImage-imageEmbedCaption">Workers unload a ship at the harbour.</div>'
        '<div class="InlineImage-imageEmbedCredit">Jane Doe | Bloomberg | Getty Images</div></div>'
    )
    page = _html(_article(PROSE[:2] + [figure] + PROSE[2:]), OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


@pytest.mark.parametrize(
    "line",
    [
        "Photo by Kirk Irwin/Getty Images",
        "Sakib Ali/Hindustan Times/Getty Images",
        "Natalie Naccache | Bloomberg | Getty Images",
        "Photograph: Jane Doe/AP",
        "Associated Press",
        "The core stage at the assembly facility after the engines were fitted. (credit: NASA/Jo Roe)",
        "(Reporting by Jane Doe; Editing by John Roe)",
        "Reporting by Jane Doe; additional reporting by Ann Poe; Editing by John Roe",
        "Associated Press writers Jane Doe and John Roe contributed to this report.",
        "Fox News’ Jane Doe contributed to this report.",
        "John Roe contributed reporting from Hong Kong.",
        # the credit's word in the page's language; after the caption's last sentence
        "Foto: ccnull/Marco Verch/cc by sa 2.0",
        "Crédits photos : Bestimage",
        "In Gottesdiensten gilt FFP2-Maskenpflicht. Foto: ccnull/Marco Verch/cc by sa 2.0",
        "Golf im TV: Die Übertragungszeiten der großen Turniere im Überblick. (Foto: Getty)",
        "Auch Herbert Grönemeyer gehört zu den Unterstützern. Bild: dpa",
        # the credit given with a copyright sign, on the caption's last line
        "Zielarten sind u.a. der Hirschkäfer (Lucanus cervus). Foto © Jörg Gemsch, Heidi Jost",
        "Die Kastanien wachsen am Hang über dem Hafen.<br>Foto © Peter Steiger",
    ],
)
def test_photo_credits_and_wire_footers_are_not_paragraphs(line: str) -> None:
    for markup in (f"<p>{line}</p>", f"<div>{line}</div>"):
        page = _html(_article(PROSE[:3] + [markup] + PROSE[3:]), OG_ARTICLE)
        assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


@pytest.mark.parametrize(
    "line",
    [
        "Reuters reported that the council would vote on the harbour plan next week.",
        "Photos of the harbour taken by residents show the flooding in detail.",
        "Reporters by the harbour waited for the vote.",
        "The council contributed to this report's costs, officials said, and then withdrew.",
        "Fotos der Hafenanlage zeigen, wie hoch das Wasser am Abend stand.",
        "Er zeigte das Bild: ein Hafen im Sturm, gemalt von seinem Großvater im Jahr 1921.",
    ],
)
def test_prose_mentioning_agencies_and_reporting_is_kept(line: str) -> None:
    page = _html(_article(PROSE[:3] + [line] + PROSE[3:]), OG_ARTICLE)
    article = extract_article(page, URL, today=TODAY)
    assert line in article.paragraphs
    assert line not in article.furniture


def test_prose_naming_a_photo_and_its_copyright_is_kept() -> None:
    # the credit's words with no sentence end before them: a sentence, not a caption's credit
    line = "Die Ausstellung am Hafen zeigt Foto © und Urheberrecht im Wandel, sagte die Kuratorin."
    page = _html(_article(PROSE[:3] + [line] + PROSE[3:]), OG_ARTICLE)
    assert line in extract_article(page, URL, today=TODAY).paragraphs


TWEET = (
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">The harbour looks great today '
    'after the storm passed <a href="https://t.co/abc">pic.twitter.com/abc</a></p>'
    "— Jane Roe (@janeroe) "
    '<a href="https://twitter.com/janeroe/status/1">November 19, 2019</a></blockquote>'
)
PICTURE = (
    '<div class="media"><img src="a.jpg"><div>Dock workers unload the first ship of the season '
    "at the new pier.</div><div>Jane Doe/Getty Images</div></div>"
)


@pytest.mark.parametrize(
    ("markup", "furniture"),
    [
        (
            TWEET,
            {
                "The harbour looks great today after the storm passed pic.twitter.com/abc",
                "— Jane Roe (@janeroe) November 19, 2019",
            },
        ),
        (PICTURE, {"Dock workers unload the first ship of the season at the new pier."}),
        (
            "<p>© 2019 Associated Press. All Rights Reserved.</p>",
            {"© 2019 Associated Press. All Rights Reserved."},
        ),
        (
            "<p>Copyright 2019 Harbour News Now. All rights reserved.</p>",
            {"Copyright 2019 Harbour News Now. All rights reserved."},
        ),
    ],
)
def test_embedded_posts_captions_and_copyright_are_marked(markup: str, furniture: set[str]) -> None:
    page = _html(_article(PROSE[:3] + [markup] + PROSE[3:]), OG_ARTICLE)
    article = extract_article(page, URL, today=TODAY)
    # Reference texts keep them, so they stay paragraphs; a brief skips them.
    assert article.furniture == furniture
    assert furniture <= set(article.paragraphs)
    assert [p for p in article.paragraphs if p not in furniture] == PROSE


# Furniture read off the line alone; each sits inside the story and at its end.
@pytest.mark.parametrize(
    "line",
    [
        # "read also" labels, alone or before a colon and one headline
        "Czytaj też: Nowy port otwarty po trzech latach budowy",
        "Czytaj także",
        "Le puede interesar: El puerto abrirá en mayo",
        "Lesen Sie auch die folgenden Beiträge:",
        "Lesen Sie auch: Der neue Hafen öffnet im Mai",
        "Lire aussi : Le port rouvre ses portes",
        # rating widgets waiting for their script
        "(Noch keine Bewertungen) Loading...",
        "Was this article useful? (12 votes) Loading…",
        # a name, then its photo credit after a comma
        "Jane Doe, photo: Archives of the Harbour Board",
        # a plea to the reader
        "Subscribe now to our e-edition for the full story.",
        # source lines in other languages
        "Quelle: Hafenverband Nord, 2. Februar 2022, Kiel",
        "Fuente: Autoridad Portuaria",
        # an editor's initials and the wire service
        "aja/PAP",
        "jm / dpa",
    ],
)
def test_labels_pleas_widgets_and_signatures_are_not_paragraphs(line: str) -> None:
    for paragraphs in (PROSE[:3] + [line] + PROSE[3:], PROSE + [line]):
        page = _html(_article(paragraphs), OG_ARTICLE)
        assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


@pytest.mark.parametrize(
    "line",
    [
        "Lesen Sie auch das Kleingedruckte, bevor Sie den Vertrag für den Liegeplatz unterschreiben.",
        "Lire aussi les rapports du conseil aide à comprendre le projet du port.",
    ],
)
def test_sentences_opening_like_a_read_also_label_are_kept(line: str) -> None:
    page = _html(_article(PROSE[:3] + [line] + PROSE[3:]), OG_ARTICLE)
    assert line in extract_article(page, URL, today=TODAY).paragraphs


_BIO = (
    "Senior editor covering ports and shipping. You can keep up with her on Twitter, where she"
    " posts about container ships, cranes and the tides of world trade most days of the week."
)


@pytest.mark.parametrize(
    "box",
    [
        # schema.org microdata: a Person as the author, with a description of them
        '<div class="plugin-wrap" itemprop="author" itemscope itemtype="https://schema.org/Person">'
        f'<span itemprop="name">Jane Doe</span><div itemprop="description"><p>{_BIO}</p></div></div>',
        '<section class="box" itemscope itemprop="publisher author" itemtype="http://schema.org/Person">'
        f'<h3>About <span itemprop="name">Jane</span></h3><div itemprop="description note">{_BIO}</div>'
        "</section>",
        # named by its class or id (most blog themes), holding a paragraph
        f'<div id="theme-author-box-wrap"><a rel="author" href="/a/jd">Jane Doe</a><p>{_BIO}</p></div>',
        f'<div class="entry-author author-card"><h2>Jane Doe</h2><p class="bio">{_BIO}</p></div>',
    ],
)
def test_author_bio_box_after_the_story_is_not_a_paragraph(box: str) -> None:
    page = _html(_article(PROSE + [box]), OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


def test_author_named_name_inside_a_paragraph_is_kept() -> None:
    # a byline's name, not a bio: it holds no paragraph
    line = 'Paragraph 9 was written by <span class="author vcard">Jane Doe</span> at the harbour office.'
    page = _html(_article(PROSE, f"<p>{line}</p>"), OG_ARTICLE)
    paragraphs = extract_article(page, URL, today=TODAY).paragraphs
    assert paragraphs[-1] == "Paragraph 9 was written by Jane Doe at the harbour office."


@pytest.mark.parametrize(
    "mark", ['itemprop="author"', 'class="author-box"'], ids=["itemprop", "class"]
)
def test_author_marks_nested_by_the_thousand_cost_linear_time(mark: str) -> None:
    # each mark's subtree is searched (for a description, for a paragraph): nested marks would
    # cost their square without a cap
    name, value = mark.split("=")

    def page(n: int) -> lxml.html.HtmlElement:
        # built, not parsed: the parser caps nesting at 256 levels
        body = lxml.html.fromstring(f"<body><p>{'Story. ' * 50}</p></body>")
        parent = body
        for _ in range(n):
            parent = lxml.html.etree.SubElement(parent, "div", {name: value.strip('"')})
        parent.text = "x"
        return body

    assert_linear(remove_chrome, page, 250, what=mark)


@pytest.mark.parametrize(
    "ending",
    [
        # a related box's title whose links were dropped as a link list
        '<h4>Audio and video on the topic</h4><ul><li><a href="/a">Harbour</a></li>'
        '<li><a href="/b">Quay</a></li><li><a href="/c">Dock</a></li></ul>',
        # the title of a map or an embed that is not text
        "<h2>The map to save:</h2><iframe src='https://maps.example/x'></iframe>",
        # two headings in a row, nothing under either
        "<h2>Further Reading</h2><h3>Storage Reviews</h3>",
    ],
)
def test_headings_ending_the_body_are_not_paragraphs(ending: str) -> None:
    page = _html(_article(PROSE, ending), OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


def test_a_subheading_with_its_paragraph_ends_the_body() -> None:
    # the same heading with prose under it is the story's last section
    extra = f"<h2>Audio and video on the topic</h2><p>{PROSE[0]}</p>"
    page = _html(_article(PROSE[1:], extra), OG_ARTICLE)
    paragraphs = extract_article(page, URL, today=TODAY).paragraphs
    assert paragraphs[-2:] == ["Audio and video on the topic", PROSE[0]]


def test_an_element_in_the_role_of_a_button_is_not_text() -> None:
    control = (
        '<div class="step-image-toggle" role="button"><span>Show picture</span> Hide picture</div>'
    )
    page = _html(_article(PROSE[:3] + [control] + PROSE[3:]), OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


def test_prose_beside_a_button_in_its_paragraph_is_kept() -> None:
    line = f'{PROSE[3]} <span role="button">Show picture</span>'
    page = _html(_article(PROSE[:3] + [line] + PROSE[4:]), OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


_POPUP_TEXT = [
    f"Popup paragraph {n} describes the training programme in many more words than the story"
    f" has, about the academy in the hills, its history, its cadets and its officers."
    for n in range(1, 13)
]


@pytest.mark.parametrize(
    "popup",
    [
        '<div class="overlay" role="dialog">{}</div>',
        '<div class="pum" role="alertdialog"><div class="pum-content">{}</div></div>',
        "<dialog open>{}</dialog>",
    ],
)
def test_a_popup_longer_than_the_story_is_not_its_text(popup: str) -> None:
    inner = "".join(f"<p>{p}</p>" for p in _POPUP_TEXT)
    page = _html(_article(PROSE[:4]) + popup.format(inner), OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE[:4]


def test_an_article_served_in_a_dialog_is_kept() -> None:
    # a modal article view: the story is the dialog, nothing but chrome around it
    inner = "".join(f"<p>{p}</p>" for p in PROSE)
    page = _html(
        f'<div role="dialog" aria-modal="true"><article>{inner}</article></div>', OG_ARTICLE
    )
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


def test_a_story_whose_class_names_furniture_is_kept() -> None:
    # the same long text in a box named like furniture is the page's article
    inner = "".join(f"<p>{p}</p>" for p in _POPUP_TEXT)
    page = _html(_article(PROSE[:2]) + f'<div class="promo-story">{inner}</div>', OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs[-1] == _POPUP_TEXT[-1]


@pytest.mark.parametrize(
    "line",
    [
        "Warning: Creating default object from empty value in /www/htdocs/w1/wp-includes/classes.php"
        " on line 407",
        "Deprecated: preg_replace(): The /e modifier is deprecated in /srv/site/formatting.php on"
        " line 83",
    ],
)
def test_a_server_error_printed_into_the_page_is_not_text(line: str) -> None:
    page = _html(_article(PROSE[:3] + [line] + PROSE[3:]), OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


def test_prose_opening_with_a_warning_is_kept() -> None:
    line = "Warning: the harbour office said the quay on line 4 of the ferry map will close in May."
    page = _html(_article(PROSE[:3] + [line] + PROSE[3:]), OG_ARTICLE)
    assert line in extract_article(page, URL, today=TODAY).paragraphs


def test_server_error_lines_cost_linear_time() -> None:
    from bot.article.furniture.lines import is_boilerplate

    assert_linear(is_boilerplate, lambda n: "Warning: " + ".php on line x " * n, 2000, what="php")


@pytest.mark.parametrize("signature", ["RIRM", "PAP"])
def test_a_signature_in_capitals_ending_the_story_is_not_text(signature: str) -> None:
    page = _html(_article(PROSE + [f"<strong>{signature}</strong>"]), OG_ARTICLE)
    assert extract_article(page, URL, today=TODAY).paragraphs == PROSE


def test_a_short_word_in_capitals_inside_the_story_is_kept() -> None:
    # an acronym line before the story's end is a subhead of the story, not its signature
    page = _html(_article(PROSE[:4] + ["NATO"] + PROSE[4:]), OG_ARTICLE)
    assert "NATO" in extract_article(page, URL, today=TODAY).paragraphs


@pytest.mark.parametrize(
    "names",
    [
        ["share-bar", "story-body", "header", "ads\nsidebar", "photoCredit", "entry-content"],
        # "İ" lowercases into two characters: the names are then judged one by one
        ["İnfo-box", "related-links", "storyBody", "comment-text", "cookie-banner"],
        ["plain", "names", "only"],
        [],
    ],
    ids=["mixed", "dotted-capital-i", "none", "empty"],
)
def test_names_searched_together_are_judged_as_one_by_one(names: list[str]) -> None:
    from bot.article.furniture.chrome import _FURNITURE_WORDS, _furniture_named, _names_any

    body = lxml.html.fromstring("<body></body>")
    for name in names * 2:  # a name repeated on another element is judged for both
        lxml.html.etree.SubElement(body, "div", {"class": name})
    values = body.xpath("descendant::*/@class")
    expected = [v.getparent() for v in values if _names_any(str(v), _FURNITURE_WORDS)]
    assert _furniture_named(values) == expected


def test_many_distinct_class_names_cost_linear_time() -> None:
    def page(n: int) -> lxml.html.HtmlElement:
        body = lxml.html.fromstring(f"<body><p>{'Story. ' * 50}</p></body>")
        for i in range(n):
            lxml.html.etree.SubElement(body, "div", {"class": f"box-{i} header-ad-{i}"}).text = "x"
        return body

    assert_linear(remove_chrome, page, 300, what="class names")
