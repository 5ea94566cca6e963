"""Quote selection and commentary of bot.briefing.selection, over constructed articles and saved pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.article.furniture.kinds import page_furniture
from bot.article.types import Article
from bot.briefing.compose import build_brief, compose_brief
from bot.briefing.ranking import leans_on_previous, rank_paragraphs
from bot.briefing.selection import select_paragraphs
from bot.briefing.types import LENGTHS, Brief
from bot.model.checks import repeats
from tests._dates import TODAY
from tests._growth import assert_linear
from tests.briefing._pages import PAGES, page_brief, page_brief_names

NATO = [
    "NATO foreign ministers, meeting for the first time this week since Russia appointed a new "
    "ambassador to the military alliance, are hoping to improve ties with Moscow despite a fresh row "
    "over plans to send anti-aircraft missiles to Turkey.",
    "A NATO spokeswoman said the meeting aimed to \u201cre-energize\u201d relations with Russia, whose "
    "cooperation is needed both on ending the conflict in Syria and on Afghanistan.",
    "Russia appointed a new ambassador to NATO in October after a 10-month gap, raising hopes for an "
    "improvement in ties, strained by U.S. and NATO plans to construct a missile shield around Europe.",
    "NATO and Russia have, however, been at odds over how to end the 20-month revolt in Syria. Russia "
    "has vetoed U.N. Security Council resolutions aimed at increasing pressure on Bashar al-Assad.",
    "Russian Foreign Minister Sergei Lavrov, who meets NATO ministers on Tuesday, is expected to raise "
    "concerns over plans to deploy Patriot missiles on NATO member Turkey's border with Syria.",
    "\u201cWe will tell them that this is defensive and not there to establish a no-fly zone,\u201d a "
    "senior NATO official, speaking on condition of anonymity, said.",
    "The NATO meeting coincides with a visit by Russian President Vladimir Putin to Turkey, where he is "
    "expected to face fresh calls to help bring an end to the war in Syria.",
    "Meanwhile, little progress is seen at the Brussels talks on the row between NATO and Russia over "
    "Washington's plans for the missile shield, due to be completed in four phases by roughly 2020.",
    "Moscow says the system will undermine its nuclear deterrent by making its missiles vulnerable.",
    "The senior NATO official said it was too early to expect any new initiative. \u201cI think you "
    "still need to give it a little time,\u201d he said.",
    "Afghan security forces are due to take the lead across the country next year, and ministers will "
    "review how NATO trains and funds them after most foreign combat troops leave by the end of 2014.",
    "Diplomats said Hillary Clinton would urge allies to keep their pledges of money for the Afghan "
    "army, which will cost about $4.1 billion a year to sustain.",
    "Turkey asked NATO last month for the Patriot batteries after Syrian shells landed in Turkish "
    "towns, killing five civilians in the border town of Akcakale in October.",
    "Germany, the Netherlands and the United States are the only NATO members with the latest "
    "version of the Patriot system, and German lawmakers must approve any deployment.",
    "Lavrov told reporters in Moscow last week that the deployment could draw NATO into the Syrian "
    "conflict and would only increase tension on the border.",
    "NATO officials dismiss that view, saying the missiles will be under NATO command, will be "
    "strictly defensive and will not be used to support any no-fly zone over Syria.",
    "The alliance and Moscow resumed military cooperation in 2010 after a freeze that followed "
    "Russia's brief war with Georgia in 2008, a conflict that still colours relations.",
    "Since then the NATO-Russia Council has met regularly, though envoys say the talks on missile "
    "defence have been going in circles for more than a year.",
    "Russia wants a legally binding guarantee that the shield will not be aimed at its forces, a "
    "demand the United States and its allies have repeatedly rejected.",
    "Alliance ministers will also discuss Kosovo, where NATO still keeps about 6,000 peacekeepers "
    "more than a decade after its air war against Serbian forces in 1999.",
]  # twenty paragraphs: enough that even the long preset must leave some out

# The story (a dam failure) starts after four paragraphs of unrelated site furniture and chatter.
LATE_STORY = [
    "Photo: Getty Images",
    "Sign up for our morning newsletter and never miss a story. Click here to subscribe today.",
    "Our town has always loved its summer fair, with its pies, its music and its long warm evenings "
    "on the green behind the old library.",
    "The weather this weekend will be mild, with light winds and a chance of drizzle on Sunday "
    "afternoon, forecasters at the local station said.",
    "The Millbrook dam failed early on Tuesday, flooding 300 homes in the valley below and forcing "
    "the evacuation of 1,200 residents, county officials said.",
    "\u201cThe dam failure came without warning,\u201d said county emergency director Ana Ruiz. "
    "\u201cWater reached the first homes within twenty minutes.\u201d",
    "Engineers had flagged cracks in the Millbrook dam spillway in 2019, according to inspection "
    "reports seen by the paper, but repairs were postponed twice for lack of funds.",
]


def _article(paragraphs: list[str], **kw: object) -> Article:
    fields: dict[str, object] = {"url": "https://www.example.com/news/1", "title": "A headline"}
    fields.update(kw)
    return Article(paragraphs=list(paragraphs), **fields)  # type: ignore[arg-type]


ARTICLES = {
    "nato": _article(
        NATO,
        title="NATO aims to repair Russia ties despite Patriot row",
        site_name="Reuters",
        authors=["Adrian Croft"],
        published=dt.date(2012, 12, 2),
        description="NATO ministers hope to improve ties with Moscow.",
    ),
    "late-story": _article(
        LATE_STORY, title="Millbrook dam fails, flooding 300 homes", site_name="Valley News"
    ),
    "one-paragraph": _article([NATO[0]]),
    "empty": _article([]),
    "one-huge-paragraph": _article(["word " * 2000]),
    "many-tiny": _article([f"Line {i} of the list, with a few more words." for i in range(3000)]),
    "duplicates": _article([NATO[0], NATO[0], NATO[1], NATO[1] + " ", NATO[2]]),
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# Names at collection, briefs when a test asks (tests/briefing/_pages.py says why).
BRIEF_NAMES = [f"{name}/{length}" for name in ARTICLES for length in LENGTHS]
BRIEF_NAMES += page_brief_names(LENGTHS)


@functools.cache
def _brief(name: str) -> Brief:
    source, length = name.rsplit("/", 1)
    if source in ARTICLES:
        article = ARTICLES[source]
        return compose_brief(article, article.url, length=length)
    return page_brief(source, length)


@pytest.mark.parametrize("name", BRIEF_NAMES)
def test_every_quote_is_verbatim_article_text(name: str) -> None:
    brief = _brief(name)
    text = _norm(brief.article.text)
    for paragraph in brief.quoted:
        assert _norm(paragraph) in text


@pytest.mark.parametrize("name", BRIEF_NAMES)
def test_runs_are_consecutive_paragraphs_in_article_order(name: str) -> None:
    brief = _brief(name)
    paragraphs = brief.article.paragraphs
    previous_end = -2
    for i, run in enumerate(brief.runs):
        assert run.paragraphs == paragraphs[run.start : run.start + len(run.paragraphs)]
        assert run.start > previous_end + 1  # separate runs are not adjacent
        previous_end = run.start + len(run.paragraphs) - 1
        assert i > 0 or run.bridge is None  # a later run may have none: the bare separator


@pytest.mark.parametrize("name", BRIEF_NAMES)
def test_quotes_stay_within_the_length_budget(name: str) -> None:
    brief = _brief(name)
    length = name.rsplit("/", 1)[1]
    assert sum(len(p) for p in brief.quoted) <= LENGTHS[length]
    if length == "compact":
        assert len(brief.quoted) <= 1


def _indices(brief: Brief) -> set[int]:
    return {run.start + i for run in brief.runs for i in range(len(run.paragraphs))}


def _chosen(article: Article, **kw: object) -> set[int]:
    return _indices(compose_brief(article, article.url, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_longer_briefs_add_passages_without_changing_shorter_ones(name: str) -> None:
    # The briefs the tests above compose (cached: many-tiny takes seconds at each length).
    compact, standard, long = (
        _indices(_brief(f"{name}/{n}")) for n in ("compact", "standard", "long")
    )
    assert compact <= standard <= long


def test_the_presets_quote_different_amounts() -> None:
    article = ARTICLES["nato"]
    sizes = [len(_chosen(article, length=n)) for n in ("compact", "standard", "long")]
    assert sizes[0] == 1 and sizes[0] < sizes[1] < sizes[2] < len(article.paragraphs)


def test_saved_pages_nest_too() -> None:
    for page in PAGES:
        from bot.article.read import extract_article

        article = extract_article(
            page.read_bytes(), f"https://example.com/{page.stem}", today=TODAY
        )
        sets = [_chosen(article, length=n) for n in ("compact", "standard", "long")]
        assert sets[0] <= sets[1] <= sets[2], page.name


paragraph_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=300
)


@settings(max_examples=60, deadline=None)
@given(
    paragraphs=st.lists(paragraph_text, max_size=40),
    budgets=st.lists(st.integers(min_value=0, max_value=5000), min_size=2, max_size=4),
)
def test_any_larger_budget_quotes_a_superset(paragraphs: list[str], budgets: list[int]) -> None:
    article = _article(paragraphs)
    chosen = [(b, select_paragraphs(article, b)) for b in sorted(budgets)]
    for (b1, small), (_, large) in zip(chosen, chosen[1:], strict=False):
        assert set(small) <= set(large)
        assert sum(len(paragraphs[k]) for k in small) <= b1


def test_later_key_paragraphs_are_chosen_over_the_opening_chatter() -> None:
    article = ARTICLES["late-story"]
    assert rank_paragraphs(article)[0] == 4
    compact = compose_brief(article, article.url, length="compact")
    assert compact.quoted == [LATE_STORY[4]]
    standard = set(compose_brief(article, article.url, length="standard").quoted)
    assert {LATE_STORY[4], LATE_STORY[5], LATE_STORY[6]} <= standard
    assert not standard & {LATE_STORY[0], LATE_STORY[1]}  # furniture is never quoted


def test_near_duplicate_paragraphs_are_quoted_once() -> None:
    article = ARTICLES["duplicates"]
    quoted = compose_brief(article, article.url, length="long").quoted
    assert len({_norm(p) for p in quoted}) == len(quoted)


def test_composing_grows_linearly_with_the_paragraphs() -> None:
    """Ranking and near-duplicate removal are not quadratic in the article's length (repeated
    paragraphs: every one has near-duplicates). Absolute times: bench/speed.py."""

    def compose(copies: int) -> Callable[[], object]:
        article = _article(NATO * copies)
        return lambda: compose_brief(article, article.url, length="long")

    assert_linear(lambda job: job(), compose, 2, what="compose_brief")


@pytest.mark.parametrize(
    ("take", "lead"),
    [
        ("  This is  worth\n reading.  ", "This is worth reading."),
        ("**Big** news, @everyone", "**Big** news, @everyone"),  # render neutralises the mention
    ],
)
def test_a_take_becomes_the_lead(take: str, lead: str) -> None:
    article = ARTICLES["nato"]
    brief = compose_brief(article, article.url, take=take)
    assert brief.lead == lead
    assert brief.lead_is_take


def test_generated_lead_restates_the_description_with_attribution() -> None:
    article = ARTICLES["nato"]
    brief = compose_brief(article, article.url, length="standard")
    # The description ("NATO ministers hope to improve ties with Moscow.") says again what the
    # first quote says: the lead frames the story and leaves the saying to the quote.
    assert brief.lead == "Reuters reports:"
    assert not brief.lead_is_take
    assert brief.lead not in brief.quoted


def test_generated_lead_without_a_summary_is_neutral() -> None:
    article = _article(NATO[:3], title=None)
    brief = compose_brief(article, article.url)
    assert brief.lead == "example.com reports:"


def test_lead_uses_the_lede_sentence_when_the_lede_is_not_quoted() -> None:
    article = ARTICLES["late-story"]
    long_lede = _article(
        LATE_STORY[2:3] + LATE_STORY[4:], site_name="Valley News", title="Millbrook dam fails"
    )
    brief = compose_brief(long_lede, long_lede.url, length="compact")
    assert 0 not in {r.start for r in brief.runs}
    assert brief.lead.startswith("Valley News reports: Our town has always loved its summer fair")
    assert brief.lead.endswith("on the green behind the old library.")
    assert article.kind == "article"


@pytest.mark.parametrize(
    ("kind", "description", "lead"),
    [
        (
            "paywall",
            "Ministers meet in Brussels.",
            "Paywalled: showing the publisher's summary only. Ministers meet in Brussels.",
        ),
        ("paywall", None, "Paywalled: showing the publisher's summary only."),
        ("too_short", None, "Too little text to quote."),
        ("not_article", "Home page of a site.", "This page does not look like a news article."),
        ("something_new", None, "This page does not look like a news article."),
    ],
)
def test_pages_that_are_not_articles_get_a_metadata_only_brief(
    kind: str, description: str | None, lead: str
) -> None:
    article = _article(NATO, kind=kind, description=description)
    brief = compose_brief(article, article.url)
    assert brief.runs == []
    assert brief.lead == lead
    assert brief.kind == kind


def test_unknown_length_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown length"):
        compose_brief(ARTICLES["nato"], "https://example.com/", length="huge")


def test_budget_overrides_the_preset() -> None:
    article = ARTICLES["nato"]
    brief = compose_brief(article, article.url, length="long", budget=len(NATO[0]) + 10)
    assert brief.quoted == [NATO[0]]
    assert compose_brief(article, article.url, budget=0).runs == []


def test_to_dict_is_json_with_the_article_nested() -> None:
    article = ARTICLES["nato"]
    data = compose_brief(article, article.url, length="standard").to_dict()
    round_trip = json.loads(json.dumps(data))
    assert round_trip["article"]["published"] == "2012-12-02"
    assert round_trip["article"]["paragraphs"] == NATO
    assert round_trip["article"]["text"] == article.text
    assert round_trip["article"]["kind"] == "article"
    assert round_trip["kind"] == "article"
    assert round_trip["url"] == article.url
    assert round_trip["runs"][0]["bridge"] is None
    assert all(set(r) == {"paragraphs", "bridge"} for r in round_trip["runs"])
    assert [p for r in round_trip["runs"] for p in r["paragraphs"]] == compose_brief(
        article, article.url, length="standard"
    ).quoted


def test_bridges_name_something_the_article_says() -> None:
    brief = compose_brief(ARTICLES["nato"], ARTICLES["nato"].url, length="long")
    bridges = [r.bridge for r in brief.runs[1:]]
    assert bridges
    assert "Later in the article:" not in bridges
    for bridge in bridges:
        assert bridge is None or bridge.endswith(":")
        assert bridge != "Further on:"
        if bridge is not None:
            named = bridge.removeprefix("On ").removesuffix(":")
            assert named in brief.article.text


# Page furniture the ranking never quotes, so that the run below is quoted apart from the lede.
FILLER = "Sign up for our newsletter to get the morning's council stories in your inbox."


@pytest.mark.parametrize(
    ("run", "bridge"),
    [
        (  # a quoted speaker, with the article's own description of them
            "“We would rather plan the change,” said the council leader, Margaret Okafor.",
            "The council leader, Margaret Okafor:",
        ),
        (
            "Opposition councillors argued the vote was premature. “We are closing a working "
            "asset,” said Derek Hollis, who led the group that voted against the plan.",
            "Derek Hollis:",
        ),
        ("Ana Ruiz said the water reached the first homes within twenty minutes.", "Ana Ruiz:"),
        (  # the subject of the run's first sentence
            "The dock workers' union said it was disappointed by the timetable.",
            "On the dock workers' union:",
        ),
        ("Alliance ministers will also discuss Kosovo, where peacekeepers remain.", "On Kosovo:"),
        (  # everything it names was already mentioned: nothing is made up
            "The council voted again, and the terminal will close as planned in 2030.",
            None,
        ),
        # (no connective: "Then the rain came…" leans on the paragraph before and opens no run)
        ("Rain came that night, and it did not stop for two days in the valley.", None),
    ],
)
def test_a_bridge_introduces_the_run_by_what_it_is_about(run: str, bridge: str) -> None:
    lede = "The council voted to close the terminal by 2030 after a long and heated debate."
    article = _article([lede, FILLER, FILLER + " Again.", run], title="Terminal to close")
    brief = compose_brief(article, article.url, budget=len(lede) + len(run))
    assert [r.start for r in brief.runs] == [0, 3]
    assert brief.runs[1].bridge == bridge


# --- subheadings, the standfirst, and the standard length ----------------------------------------

# Subheadings as extraction keeps them: one that reads like a label, one that ends like a sentence.
LABEL = "Missile defence talks stall in Brussels again"
QUESTION = "What comes next for the alliance and Moscow?"
HEADED = [NATO[0], NATO[1], LABEL, NATO[7], NATO[8], QUESTION, NATO[9], NATO[10]]


@pytest.mark.parametrize("length", [*LENGTHS, "budget"])
@pytest.mark.parametrize("headings", [frozenset(), frozenset({LABEL, QUESTION})])
def test_a_heading_is_never_quoted_alone_nor_ends_or_starts_a_run(
    length: str, headings: frozenset[str]
) -> None:
    # A headline that shares the subheading's words ranks it high: it must still not stand alone.
    article = _article(HEADED, headings=headings, title="Missile defence talks stall in Brussels")
    # Room for the first two paragraphs and a short line, not for the paragraph after it.
    budget = len(NATO[0]) + len(NATO[1]) + 40
    kw: dict[str, object] = {"budget": budget} if length == "budget" else {"length": length}
    brief = compose_brief(article, article.url, **kw)  # type: ignore[arg-type]
    heads = {LABEL} | set(headings)
    for run in brief.runs:
        assert run.paragraphs[0] not in heads and run.paragraphs[-1] not in heads
    assert sum(len(p) for p in brief.quoted) <= (budget if length == "budget" else LENGTHS[length])


def test_a_heading_between_quoted_paragraphs_joins_their_run() -> None:
    article = _article(HEADED, headings=frozenset({LABEL, QUESTION}))
    brief = compose_brief(article, article.url, length="long")
    assert len(brief.runs) == 1
    assert brief.quoted == HEADED  # one run: no "* * *" and no bridge over a subheading


@pytest.mark.parametrize(
    ("paragraphs", "description", "lead"),
    [
        (  # the standfirst is the description: it becomes the lead, and is not quoted
            ["Councillors backed the plan 31 to 12 after a six-hour debate.", *NATO[:4]],
            "Councillors backed the plan 31 to 12 after a six-hour debate.",
            "Reuters reports: Councillors backed the plan 31 to 12 after a six-hour debate.",
        ),
        (  # nearly the same words, cut off by the publisher: the paragraph's own sentence
            ["Councillors backed the plan, 31 to 12, after a six-hour debate.", *NATO[:4]],
            "Councillors backed the plan 31 to 12 after a six-hour debate",
            "Reuters reports: Councillors backed the plan, 31 to 12, after a six-hour debate.",
        ),
        (  # the description is a cut of the first paragraph: never a cut lead, the whole sentence
            [NATO[0], *NATO[1:4]],
            NATO[0][:-30] + "…",
            "Reuters reports: " + NATO[0],
        ),
    ],
)
def test_a_description_that_is_the_standfirst_becomes_the_lead_and_is_not_quoted(
    paragraphs: list[str], description: str, lead: str
) -> None:
    article = _article(paragraphs, description=description, site_name="Reuters")
    for length in LENGTHS:
        brief = compose_brief(article, article.url, length=length)
        assert brief.lead == lead
        assert paragraphs[0] not in brief.quoted
        assert brief.runs


def test_a_description_unlike_the_first_paragraph_leaves_it_quotable() -> None:
    article = _article(NATO[:4], description="Ministers meet in Brussels this week to talk.")
    assert 0 in select_paragraphs(article, 3000)


def test_standard_quotes_a_few_paragraphs_even_when_they_are_short() -> None:
    # Seven of these fit in the standard budget of characters.
    short = [p.split(". ")[0].rstrip(".") + "." for p in NATO]
    article = _article(short)
    assert len(select_paragraphs(article, LENGTHS["standard"])) > 5
    quoted = compose_brief(article, article.url, length="standard").quoted
    assert 3 <= len(quoted) <= 5
    assert set(compose_brief(article, article.url, length="compact").quoted) <= set(quoted)
    assert set(quoted) <= set(compose_brief(article, article.url, length="long").quoted)


@pytest.mark.parametrize("page", ["article_jsonld.html", "article_opengraph.html"])
def test_saved_page_standard_brief_reads_well(page: str) -> None:
    brief = build_brief(
        (Path(__file__).parent.parent / "pages" / page).read_bytes(),
        "https://x.example/a",
        today=TODAY,
    )
    standard = build_brief(
        (Path(__file__).parent.parent / "pages" / page).read_bytes(),
        "https://x.example/a",
        length="standard",
        today=TODAY,
    )
    assert brief.lead.count(" reports:") == 1
    # the description is the lead unless it says again what a quote says
    description = brief.article.description
    assert description
    assert (description in brief.lead) != any(repeats(description, p) for p in brief.quoted)
    assert not any(_norm(brief.article.description) == _norm(p) for p in brief.quoted)
    assert 1 <= len(standard.runs) <= 3 and 3 <= len(standard.quoted) <= 6


# --- page furniture: never a quote, never inside a run --------------------------------------------

# One line of each kind a careful editor would never post as the article's words, in the forms the
# extraction data set shows them (the first two are from a CNBC page: a photo caption and its credit).
CAPTION = (
    "Sheikh Mohammed bin Rashid Al Maktoum, center blue sandals, passes a Boeing 787-10 passenger "
    "aircraft during the Dubai Air Show in Dubai, United Arab Emirates, on Monday, Nov. 13, 2017."
)
FURNITURE = [
    ("credit", "Natalie Naccache | Bloomberg | Getty Images"),
    ("credit", "Jane Doe/Reuters"),
    ("credit", "Jewels after Jewels after Jewels, installation views, photos © Inexhibit, 2018"),
    ("credit", "(Image: Ana Ruiz/Valley News)"),
    ("dateline", "WASHINGTON (Reuters) —"),
    ("dateline", "Updated Nov. 19, 2019 at 3:45 p.m."),
    ("link", "MORE: How the Millbrook council voted on the dam repairs, ward by ward"),
    (
        "link",
        "Read more about NATO's missile shield and what Russia wants from the alliance talks.",
    ),
    ("plea", "Get the best of the Valley News delivered to your inbox every weekday morning."),
    (
        "plea",
        "Independent reporting costs money. Support our journalism and become a member today.",
    ),
    (
        "bio",
        "Adrian Croft is a senior correspondent for Reuters covering NATO and European defence.",
    ),
    ("bio", "Reporting by Adrian Croft; Editing by Jon Boyle"),
    ("note", "Editor's note: This story has been updated with comments from the Russian ministry."),
    ("note", "An earlier version of this story misstated the number of NATO member states."),
    ("note", "This article originally appeared in The Conversation and is republished here."),
    ("embed", "Talks in Brussels today. pic.twitter.com/x1Y2z3"),
    ("embed", "— NATO Press (@NATOpress) December 2, 2012"),
]


@pytest.mark.parametrize(("kind", "line"), FURNITURE, ids=[f"{k}:{t[:24]}" for k, t in FURNITURE])
def test_page_furniture_is_named(kind: str, line: str) -> None:
    assert page_furniture(line) == kind


@pytest.mark.parametrize(
    "text",
    [*NATO[:4], CAPTION, "Reuters reported the vote.", "The photo agency Getty Images said so."],
)
def test_article_text_is_not_furniture(text: str) -> None:
    assert page_furniture(text) is None


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize(("kind", "line"), FURNITURE, ids=[f"{k}:{t[:24]}" for k, t in FURNITURE])
def test_furniture_is_never_quoted_nor_carried_in_a_run(kind: str, line: str, length: str) -> None:
    # First, where the position prior favours it most, and between the two best paragraphs,
    # where a line without a full stop used to be carried inside their run like a subheading.
    article = _article([line, NATO[0], line, *NATO[1:]], title="NATO ministers meet")
    brief = compose_brief(article, article.url, length=length)
    assert brief.runs
    assert line not in brief.quoted


@pytest.mark.parametrize("length", LENGTHS)
def test_a_caption_above_its_credit_is_not_quoted(length: str) -> None:
    credit = "Natalie Naccache | Bloomberg | Getty Images"
    article = _article([CAPTION, credit, *NATO], title="Emirates orders 30 Boeing 787 jets")
    brief = compose_brief(article, article.url, length=length)
    assert CAPTION not in brief.quoted and credit not in brief.quoted
    assert brief.quoted[0] == NATO[0]


@pytest.mark.parametrize(
    "line",
    [
        "A selection of the participating artists and artworks:",
        "What tariffs has the United States imposed?",
        "Some of the lighting installations on show at the 7th Amsterdam Light Festival – previews",
    ],
)
def test_labels_questions_and_gallery_titles_are_not_quoted_alone(line: str) -> None:
    article = _article([*NATO[:3], line, *NATO[3:]], title=line.rstrip(":?"))
    for length in LENGTHS:
        for run in compose_brief(article, article.url, length=length).runs:
            assert line not in (run.paragraphs[0], run.paragraphs[-1])


# --- the lead and the quotes do not repeat each other ---------------------------------------------


@pytest.mark.parametrize(
    ("first", "description"),
    [
        (  # the same sentence with a different dash
            "Beauty company Coty is breaking out — in a good way.",
            "Beauty company Coty is breaking out – in a good way. Matt Maley says it's just started.",
        ),
        (  # the description ends where the paragraph goes on
            "This meal plan works for both programmes, so no need to figure out a whole new meal "
            "prep when you finish one programme and start another.",
            "This meal plan works for both programmes, so no need to figure out a whole new meal prep!",
        ),
    ],
)
def test_a_paragraph_the_lead_already_says_is_not_quoted(first: str, description: str) -> None:
    article = _article([first, *NATO[:4]], description=description, site_name="CNBC")
    for length in LENGTHS:
        brief = compose_brief(article, article.url, length=length)
        assert brief.lead.startswith("CNBC reports: ")
        assert first not in brief.quoted


def test_a_description_cut_mid_sentence_is_not_passed_off_as_a_sentence() -> None:
    # Publishers cut descriptions at a length, not at a sentence: "... live off the".
    cut = NATO[0] + " " + NATO[1][:40].rsplit(" ", 1)[0]
    article = _article(NATO[2:6], description=cut, site_name="Reuters")
    assert compose_brief(article, article.url).lead == f"Reuters reports: {NATO[0]}"


def test_a_description_cut_from_the_lede_becomes_the_lede_sentence() -> None:
    # Mid-word, as a length limit leaves it; long enough that the lede is not quoted again.
    cut = NATO[0][: len(NATO[0]) * 4 // 5].rsplit(" ", 1)[0][:-2]
    article = _article(NATO[:6], description=cut, site_name="Reuters")
    brief = compose_brief(article, article.url, length="standard")
    assert brief.lead == f"Reuters reports: {NATO[0]}"
    assert NATO[0] not in brief.quoted


# --- bridges name what the run is about, correctly -------------------------------------------------


@pytest.mark.parametrize(
    ("run", "wrong"),
    [
        (  # half of a longer name
            "The United Nations High Commissioner for Human Rights said the decision did not "
            "change international law.",
            "Human Rights:",
        ),
        (
            "The most recent data on drug seizures comes from Customs and Border Protection.",
            "On Border Protection:",
        ),
        (  # the first word of a quotation is not a name
            "“Hold onto your bedding, but if you get chest symptoms, see a doctor,” the doctor said.",
            "On Hold:",
        ),
        (  # an adjective made from a name
            "Revenues from the Trump-imposed tariffs have totaled about $63 billion this year.",
            "On Trump-imposed:",
        ),
    ],
)
def test_a_bridge_does_not_name_a_fragment(run: str, wrong: str) -> None:
    lede = "The council voted to close the terminal by 2030 after a long and heated debate."
    article = _article([lede, FILLER, FILLER + " Again.", run], title="Terminal to close")
    brief = compose_brief(article, article.url, budget=len(lede) + len(run))
    assert [r.start for r in brief.runs] == [0, 3]
    assert brief.runs[1].bridge != wrong


def test_a_bridge_does_not_give_a_quote_to_someone_named_after_it() -> None:
    lede = "Matt Maley, equity strategist at Miller Tabak, says the stock could be a risky bet."
    run = [
        "“A little bit more risk but more reward,” Maley said.",
        "The deal could start a new trend, says John Petrides, portfolio manager at Tocqueville.",
    ]
    article = _article([lede, FILLER, FILLER + " Again.", *run], title="Coty could surge")
    brief = compose_brief(article, article.url, budget=len(lede) + len(run[0]) + len(run[1]))
    assert [r.start for r in brief.runs] == [0, 3]
    assert brief.runs[1].bridge == "More from Maley:"


def test_paragraphs_extraction_marked_as_furniture_are_never_quoted() -> None:
    embed = (
        "NATO ministers meet Russia's envoy in Brussels on Tuesday to repair ties, officials said."
    )
    paragraphs = [
        "NATO foreign ministers are hoping to improve ties with Moscow despite a fresh row over missiles.",
        embed,
        "A NATO spokeswoman said the meeting aimed to re-energize relations with Russia on Syria.",
        "Russia appointed a new ambassador to NATO in October after a 10-month gap, raising hopes.",
    ]
    article = Article(
        url="https://news.example/nato",
        title="NATO ministers meet Russia's envoy",
        paragraphs=paragraphs,
        kind="article",
    )
    assert embed in compose_brief(article, article.url).quoted  # quoted when not marked
    marked = dataclasses.replace(article, furniture=frozenset({embed}))
    for length in ("compact", "standard", "long"):
        brief = compose_brief(marked, marked.url, length=length)
        assert embed not in brief.quoted
        # and a run never carries it across: the quoted runs around it are separate runs
        assert all(embed not in run.paragraphs for run in brief.runs)


# --- runs that stand on their own (issue 15) ------------------------------------------------------

LEANING = (
    "But the ministers were divided on how far the alliance should go in meeting Moscow's terms."
)


@pytest.mark.parametrize("extra", [0, 10, 200, 400, 10_000])
def test_a_paragraph_opening_with_a_connective_never_opens_a_run(extra: int) -> None:
    # The headline ranks the "But…" paragraph second; the one it leans on ranks fourth.
    paras = [NATO[0], NATO[3], NATO[5], LEANING, NATO[6]]
    article = _article(paras, title="Ministers divided on how far to meet Moscow's terms")
    budget = len(NATO[0]) + len(LEANING) + extra
    brief = compose_brief(article, article.url, budget=budget)
    for run in brief.runs:
        assert run.paragraphs[0] != LEANING
    if LEANING in brief.quoted:  # only with the paragraph it leans on
        assert NATO[5] in brief.quoted


@pytest.mark.parametrize(
    ("paragraph", "leans"),
    [
        ("Which is not to say that the talks failed.", True),
        ("It wasn't the first time the minister had been overruled.", True),
        ("“They will not wait forever,” she said.", True),
        ("However, the vote was delayed.", True),
        ("Itinerant traders say the market is empty.", False),
        ("This week the council voted again.", False),
        ("Butter prices rose by a tenth.", False),
    ],
)
def test_leans_on_previous(paragraph: str, leans: bool) -> None:
    assert leans_on_previous(paragraph) is leans


def test_a_pull_quote_and_market_data_are_not_quoted() -> None:
    pull = "“The hospital is out of service.”"
    body = (
        "The director said the generators had stopped on Monday. “We ran out of fuel and the "
        "electricity is cut off. The hospital is out of service.” Patients were moved by car."
    )
    market = "Benchmark 10-year notes US10YT=RR last rose 7/32 in price to yield 1.786%."
    article = _article(
        [NATO[0], pull, NATO[1], body, market, NATO[2]], title="Hospital out of service"
    )
    brief = compose_brief(article, article.url, length="long")
    assert pull not in brief.quoted
    assert market not in brief.quoted
    assert body in brief.quoted


@pytest.mark.parametrize(
    "opening",
    [
        "By mid-June more than half a million passports were stuck in the system, and families "
        "paid twice to have theirs rushed through.",
        "By two years old, one in five boys in the survey was overweight, the health service said.",
    ],
)
def test_a_sentence_opening_with_by_is_not_taken_for_a_byline(opening: str) -> None:
    # "By Jane Doe" is a byline; "By mid-June there were…" is the story and may be quoted.
    byline = "By Jane Doe, Reuters"
    article = _article([NATO[0], byline, opening, NATO[2]], title="Passports stuck")
    ranked = rank_paragraphs(article)
    assert 2 in ranked
    assert 1 not in ranked
    assert opening in compose_brief(article, article.url, length="long").quoted


def test_a_sentence_pointing_at_an_embed_is_not_quoted() -> None:
    colon = (
        "The minister answered her critics on Twitter late on Tuesday night, hours after the "
        "vote, with a short video of her own:"
    )
    embed = "— Jane Minister (@janeminister) November 19, 2019"
    article = _article([NATO[0], NATO[1], colon, embed, NATO[2]], title="Minister answers critics")
    brief = compose_brief(article, article.url, length="long")
    assert colon not in brief.quoted


LAVROV = NATO[14]  # "Lavrov told reporters…": NATO[4] gives the full name, Sergei Lavrov


@pytest.mark.parametrize("extra", [0, 100, 300, 600, 10_000])
@pytest.mark.parametrize(
    "paras",
    [
        [NATO[0], NATO[4], NATO[1], LAVROV, NATO[2], NATO[3]],
        [NATO[0], NATO[4], NATO[10], NATO[11], LAVROV, NATO[3]],
        [NATO[0], NATO[1], NATO[4], LAVROV, NATO[2], NATO[3]],  # named just before
    ],
    ids=["two-before", "three-before", "just-before"],
)
def test_a_surname_alone_is_quoted_only_after_its_full_name(paras: list[str], extra: int) -> None:
    # The headline ranks the Lavrov paragraph second, above the one naming him.
    title = (
        "Lavrov says deployment could draw NATO into Syrian conflict and increase border tension"
    )
    article = _article(paras, title=title)
    brief = compose_brief(article, article.url, budget=len(LAVROV) + extra)
    quoted = brief.quoted
    if LAVROV in quoted:  # only after the paragraph that names him
        assert NATO[4] in quoted[: quoted.index(LAVROV)]
    if extra == 10_000:  # held back, not dropped: the whole article fits
        assert quoted == paras
