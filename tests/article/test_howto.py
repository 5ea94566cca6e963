"""A how-to's or a recipe's text from its structured data, when a script draws the page."""

from __future__ import annotations

import json

import lxml.html

from bot.article.howto import structured_paragraphs
from bot.article.jsonld import read_json_ld
from bot.article.read import extract_article
from tests._dates import TODAY
from tests._growth import assert_linear
from tests.article._inline import html_page

URL = "https://crafts.example.org/diy/round-tablecloth"
DESCRIPTION = [
    "A round table softens any room, and a round tablecloth of your own is easier to sew than "
    "it looks: an afternoon, a tape measure and a sewing machine are all it takes.",
    "This guide walks you through the cut and the hem in seven short steps.",
]
STEPS = [
    "Measure the diameter of the table top and add twice the drop you want on every side.",
    "Fold the fabric into quarters and mark a quarter circle from the folded corner.",
    "Cut along the mark, unfold the fabric and pin a narrow double hem all the way round.",
]


def _howto() -> dict[str, object]:
    return {
        "@context": "https://schema.org",
        "@type": "HowTo",
        "name": "How to sew a round tablecloth",
        # HTML in the JSON, as publishers write it
        "description": "".join(f"<p>{p}</p>" for p in DESCRIPTION),
        "step": [
            {"@type": "HowToStep", "name": "Step 1", "text": STEPS[0]},
            {
                "@type": "HowToStep",
                "name": "Step 2",
                "itemListElement": {"@type": "HowToDirection", "text": f"<p>{STEPS[1]}</p>"},
            },
            {
                "@type": "HowToSection",
                "itemListElement": [
                    {"@type": "HowToStep", "text": STEPS[2].replace("o", "&#111;")}
                ],
            },
        ],
    }


def _scripted_page(data: object) -> bytes:
    # the body a script fills in: the markup holds a notice and an empty container
    head = f'<title>Round tablecloth</title><script type="application/ld+json">{json.dumps(data)}</script>'
    body = '<div id="app"><p>Your browser is out of date.</p></div>'
    return html_page(body, head)


def test_a_scripted_how_tos_text_is_read_from_its_structured_data() -> None:
    article = extract_article(_scripted_page(_howto()), URL, today=TODAY)
    assert article.paragraphs == [*DESCRIPTION, *STEPS]


def test_a_recipes_description_ingredients_and_steps_are_its_text() -> None:
    recipe = {
        "@type": ["Recipe"],
        "description": DESCRIPTION[0],
        "recipeIngredient": ["200 g flour", "3 eggs"],
        "recipeInstructions": [STEPS[0], {"@type": "HowToStep", "text": STEPS[1]}, STEPS[0]],
    }
    doc = lxml.html.document_fromstring(_scripted_page(recipe))
    # each text once: the step repeated is not read twice
    assert structured_paragraphs(read_json_ld(doc)) == [
        DESCRIPTION[0],
        "200 g flour",
        "3 eggs",
        STEPS[0],
        STEPS[1],
    ]


def test_markup_text_that_holds_as_much_is_kept() -> None:
    story = "".join(f"<p>{p}</p>" for p in [*DESCRIPTION, *STEPS])
    head = f'<script type="application/ld+json">{json.dumps(_howto())}</script>'
    page = html_page(f"<article><h1>Round tablecloth</h1>{story}<p>Share</p></article>", head)
    article = extract_article(page, URL, today=TODAY)
    assert article.paragraphs[: len(DESCRIPTION)] == DESCRIPTION


def test_reading_the_steps_grows_linearly_with_repeated_nested_sections() -> None:
    def data(n: int) -> dict[str, object]:
        node: dict[str, object] = {"@type": "HowToStep", "text": STEPS[0]}
        for i in range(12):  # sections nested past the depth read, each with a step of its own
            node = {"@type": "HowToSection", "itemListElement": [{"text": f"Step {i}."}, node]}
        steps = [{"@type": "HowToStep", "text": f"<p>Step {i}.</p>" * 3} for i in range(n)]
        return {"@type": "HowTo", "description": "<p>x</p>" * n, "step": [node] * n + steps}

    def read(value: dict[str, object]) -> object:
        doc = lxml.html.document_fromstring(_scripted_page(value))
        return structured_paragraphs(read_json_ld(doc))

    assert_linear(read, data, 100, what="how-to steps")
