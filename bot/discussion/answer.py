"""The answer to a member's question, with no language model: the article's own paragraphs.

:class:`Answerer` is built once per article (its index with it); :meth:`Answerer.answer` gives an
:class:`Answer` as plain data: one to three passages best first, each verbatim with its place
("paragraph 7 of 23") and a link to it on the page, or, when nothing in the article answers, an
answer that quotes nothing and says the article does not seem to say. :func:`render` turns it
into message text with page text escaped as in briefs (no markdown, no mentions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.briefing.render import cut, safe_markdown
from bot.discussion.embedding import Embedder
from bot.discussion.fragments import link
from bot.discussion.retrieval import MAX_PASSAGES, ArticleIndex, Passage, SearchResult, Tuning
from bot.model.checks import CITATION as _CITATION

# Discord's message content limit, and the share of it one quoted passage may take.
MESSAGE_LIMIT = 1650  # of Discord's 2000: room for the question an /ask answer repeats
PASSAGE_LIMIT = 520
NOT_SAID = "The article does not seem to say."
# No stored text: purged after ARTICLE_TEXT_DAYS (or a brief from before texts were stored).
PURGED = (
    "I no longer have this article's text (it is kept for a limited time), so I cannot answer "
    "from it. The brief still quotes its key paragraphs."
)


@dataclass(frozen=True, slots=True)
class Quoted:
    """One paragraph quoted in an answer: verbatim, 0-based index, and a link to it on the page."""

    index: int
    total: int
    text: str
    link: str

    @property
    def place(self) -> str:
        return f"paragraph {self.index + 1} of {self.total}"


@dataclass(frozen=True, slots=True)
class Answer:
    """What newslink says to a question; ``passages`` is empty when the article does not say."""

    question: str
    passages: tuple[Quoted, ...]
    # What a language model is shown (the best few, even those too far behind to quote here);
    # empty when newslink abstains, so no model is asked about an article that does not say.
    retrieved: tuple[Quoted, ...] = ()

    @property
    def says_nothing(self) -> bool:
        return not self.passages


class Answerer:
    """One article's paragraphs, indexed once, answering any number of questions."""

    def __init__(
        self,
        paragraphs: Sequence[str],
        language: str | None,
        url: str,
        tuning: Tuning | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.url = url
        self.index = ArticleIndex(paragraphs, language, tuning, embedder)

    def search(self, question: str) -> SearchResult:
        return self.index.search(question)

    def answer(self, question: str) -> Answer:
        total = len(self.index.paragraphs)
        found = self.search(question)

        def quoted(passages: Sequence[Passage]) -> tuple[Quoted, ...]:
            return tuple(Quoted(p.index, total, p.text, link(self.url, p.text)) for p in passages)

        retrieved = () if found.abstain else quoted(found.passages[:MAX_PASSAGES])
        return Answer(question, quoted(found.shown()), retrieved)


def _quote_lines(passages: Sequence[Quoted]) -> list[str]:
    lines: list[str] = []
    for q in passages:
        # The place links to the passage on the page; <…> keeps Discord from embedding the page.
        lines.append(f"> {safe_markdown(cut(q.text, PASSAGE_LIMIT))}")
        lines.append(f"— [{q.place}](<{q.link}>)")
    return lines


def _fit(lines: list[str], keep: int) -> str:
    text = "\n".join(lines)
    while len(text) > MESSAGE_LIMIT and len(lines) > keep + 2:
        lines = lines[:-2]  # drop the last passage rather than cut one mid-quote
        text = "\n".join(lines)
    return text


def cited(text: str, retrieved: Sequence[Quoted]) -> tuple[Quoted, ...]:
    """The passages ``text`` cites (``[¶7]``: 1-based), in the order first cited."""
    by_number = {q.index + 1: q for q in retrieved}
    out: list[Quoted] = []
    for number in _CITATION.findall(text):
        q = by_number.get(int(number))
        if q is not None and q not in out:
            out.append(q)
    return tuple(out)


def render_model(text: str, passages: Sequence[Quoted]) -> str:
    """A checked model answer (one or two sentences citing ``[¶n]``), then the passages it cites
    quoted under it, so every claim can be read against the article's own words."""
    if not passages:
        return safe_markdown(text)  # "The article does not say." cites nothing
    return _fit([safe_markdown(text), *_quote_lines(passages)], keep=1)


def render(answer: Answer) -> str:
    """Message text: the passages as block quotes, best first, each with its place and link."""
    if answer.says_nothing:
        return NOT_SAID + " Nothing in it answers that, so I am not quoting anything."
    lines = ["From the article:" if len(answer.passages) == 1 else "From the article, best first:"]
    return _fit(lines + _quote_lines(answer.passages), keep=1)
