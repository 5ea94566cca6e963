"""Quote-selection benchmark: newslink's quoted paragraphs against Lead-3, TextRank and LexRank.

Usage: ``python bench/quotes.py ../shared/data/summaries [--json OUT] [--folds 2]`` (on demand,
not in tests).

For each SummEval article (CNN/DailyMail, already tokenised) a simple page is built, one sentence
per ``<p>`` under a neutral ``<title>``, and briefed with
:func:`bot.briefing.selection.build_brief` at a budget
equal to the character length of Lead-3 (its first three sentences). The quoted text, Lead-3 and
sumy's TextRank and LexRank cut to the same character budget are scored with ROUGE-1/2/Lsum F1
(rouge-score, stemming on) against each of the 11 human references; the table shows the mean over
references, then over articles, times 100. ``--folds 2`` splits the articles (``bench/_folds.py``)
by their id: the 100 come from two outlets only (CNN and the Daily Mail), so a split by site would
be one outlet against the other or, hashed, everything on one side.

``--budget-multiple 3`` scores a long-form budget (three times Lead-3's length; Lead is then the
opening sentences that fit), and ``--first-reference`` scores against the original highlights
only, one reference as in the held-out REALSumm and Newsroom sets. The table's last line gives the
share of the budget each system quoted: F1 against references shorter than the budget rewards
quoting less, so a lead over Lead that comes with a smaller share is partly that. The row
``lead_same_length`` takes that out: per article, the opening sentences that fit in the characters
newslink quoted. newslink against it compares what was chosen at equal length; newslink against
``lead3`` is the issue's target (equal budget).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import _folds  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence  # noqa: E402
from sumy.nlp.stemmers import Stemmer  # noqa: E402
from sumy.summarizers.lex_rank import LexRankSummarizer  # noqa: E402
from sumy.summarizers.text_rank import TextRankSummarizer  # noqa: E402
from sumy.utils import get_stop_words  # noqa: E402

from bot.briefing.compose import build_brief  # noqa: E402
from bot.clock import SystemClock  # noqa: E402

TODAY = SystemClock().today()  # as the bot would run now: the pages are dated long before

# The source is tokenised ("goal . 'It"), so a sentence ends at a lone . ! or ? token, with any
# closing quote tokens that follow it.
_SENTENCE_BREAK = re.compile(r"(?<= [.!?])((?: ['\"])*) (?=\S)")
METRICS = ("rouge1", "rouge2", "rougeLsum")


class LineTokenizer:
    """sumy tokenizer for text that is already one tokenised sentence per line (no NLTK data)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return [line.strip() for line in paragraph.split("\n") if line.strip()]

    def to_words(self, sentence: str) -> list[str]:
        return [w for w in sentence.split() if any(c.isalnum() for c in w)]


def split_sentences(src: str) -> list[str]:
    marked = _SENTENCE_BREAK.sub(lambda m: m.group(1) + "\n", src.strip())
    return [s.strip() for s in marked.split("\n") if s.strip()]


def page_for(sentences: Sequence[str], title: str) -> bytes:
    body = "\n".join(f"<p>{html.escape(s)}</p>" for s in sentences)
    doc = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}"
        f"</title></head><body><article>{body}</article></body></html>"
    )
    return doc.encode("utf-8")


def cut_to_budget(ranked: Sequence[str], budget: int) -> list[str]:
    """Whole sentences in the given order while they fit, the same rule newslink is held to."""
    out: list[str] = []
    used = 0
    for s in ranked:
        if used + len(s) <= budget:
            out.append(s)
            used += len(s)
    return out


def _sumy_document(sentences: Sequence[str]) -> ObjectDocumentModel:
    # PlaintextParser would re-join the lines; build the document one sentence per line directly.
    tokenizer = LineTokenizer()
    return ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in sentences])])


def lexrank_ranked(sentences: Sequence[str]) -> list[str]:
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    doc = _sumy_document(sentences)
    # sumy only returns the top k in document order; its scoring steps give the full ranking.
    words = [summarizer._to_words_set(s) for s in doc.sentences]
    tf = summarizer._compute_tf(words)
    idf = summarizer._compute_idf(words)
    matrix = summarizer._create_matrix(words, summarizer.threshold, tf, idf)
    scores = summarizer.power_method(matrix, summarizer.epsilon)
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    return [sentences[i] for i in order]


def textrank_ranked(sentences: Sequence[str]) -> list[str]:
    summarizer = TextRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    doc = _sumy_document(sentences)
    matrix = summarizer._create_matrix(doc)
    scores = summarizer.power_method(matrix, summarizer.epsilon)
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    return [sentences[i] for i in order]


def in_article_order(chosen: Sequence[str], sentences: Sequence[str]) -> list[str]:
    picked = set(chosen)
    return [s for s in sentences if s in picked]


def score(
    scorer: rouge_scorer.RougeScorer, summary: Sequence[str], refs: Sequence[str]
) -> dict[str, float]:
    """Mean and best F1 over the references, x100, keyed "rouge1", …, "best_rouge1", …."""
    prediction = "\n".join(summary)
    results = [scorer.score("\n".join(split_sentences(ref)), prediction) for ref in refs]
    out = {m: 100 * statistics.fmean(r[m].fmeasure for r in results) for m in METRICS}
    out.update({f"best_{m}": 100 * max(r[m].fmeasure for r in results) for m in METRICS})
    return out


def load(data_dir: Path) -> list[dict[str, Any]]:
    text = (data_dir / "SummEval.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line]


def lead_within(sentences: Sequence[str], budget: int) -> list[str]:
    """The opening sentences while they fit: Lead at any budget (Lead-3 at Lead-3's length)."""
    out: list[str] = []
    used = 0
    for s in sentences:
        if used + len(s) > budget:
            break
        out.append(s)
        used += len(s)
    return out


def run(
    rows: list[dict[str, Any]], multiple: int = 1, first_reference: bool = False
) -> dict[str, Any]:
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    systems = ("newslink", "lead3", "lead_same_length", "textrank", "lexrank")
    per_system: dict[str, list[dict[str, float]]] = {s: [] for s in systems}
    not_lead = 0
    skipped: list[str] = []
    brief_ms: list[float] = []
    used_share: list[float] = []
    lead_share: list[float] = []
    for row in rows:
        sentences = split_sentences(row["src"])
        budget = multiple * sum(len(s) for s in sentences[:3])
        lead3 = lead_within(sentences, budget)
        page = page_for(sentences, "News article")
        started = time.perf_counter()
        brief = build_brief(page, f"https://news.example/{row['id']}", today=TODAY, budget=budget)
        brief_ms.append(1000 * (time.perf_counter() - started))
        if brief.kind != "article" or not brief.runs:
            skipped.append(row["id"])
        quoted = brief.quoted
        used_share.append(sum(len(q) for q in quoted) / budget)
        lead_share.append(sum(len(s) for s in lead3) / budget)
        index = {s: i for i, s in reversed(list(enumerate(sentences)))}
        positions = sorted(index.get(q, -1) for q in quoted)
        if positions != list(range(len(positions))):
            not_lead += 1
        refs = [row["ref_summ"]] if first_reference else row["ref_summs"]
        per_system["newslink"].append(score(scorer, quoted, refs))
        per_system["lead3"].append(score(scorer, lead3, refs))
        same_length = lead_within(sentences, sum(len(q) for q in quoted))
        per_system["lead_same_length"].append(score(scorer, same_length, refs))
        for name, ranker in (("textrank", textrank_ranked), ("lexrank", lexrank_ranked)):
            chosen = in_article_order(cut_to_budget(ranker(sentences), budget), sentences)
            per_system[name].append(score(scorer, chosen, refs))
    keys = list(per_system["lead3"][0])
    means = {s: {k: statistics.fmean(r[k] for r in per_system[s]) for k in keys} for s in systems}
    return {
        "articles": len(rows),
        "references": "F1 x100 against the original highlights only (one reference per article; "
        "mean and best are the same), averaged over articles"
        if first_reference
        else "F1 x100 against the 11 references per article: mean over the references "
        "(the headline figure) and best reference, each then averaged over articles",
        "budget": f"{multiple} x the characters of the article's first three sentences (Lead-3); "
        "lead3 = the opening sentences that fit",
        "quoted_share_of_budget": {
            "newslink": statistics.fmean(used_share),
            "lead3": statistics.fmean(lead_share),
        },
        "means": means,
        "newslink_not_first_k": not_lead,
        "newslink_not_article_or_empty": skipped,
        "build_brief_ms_median": statistics.median(brief_ms),
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "| system | R-1 mean | R-2 mean | R-Lsum mean | R-1 best | R-2 best | R-Lsum best |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in result["means"].items():
        cells = " | ".join(f"{m[p + k]:.2f}" for p in ("", "best_") for k in METRICS)
        lines.append(f"| {name} | {cells} |")
    lines.append("")
    lines.append(
        f"{result['articles']} articles; {result['references']}; budget = {result['budget']}."
    )
    lines.append(
        f"newslink quoted something other than the first k sentences in "
        f"{result['newslink_not_first_k']} of {result['articles']} articles; "
        f"no quotes in {len(result['newslink_not_article_or_empty'])}; share of the budget quoted: "
        f"newslink {result['quoted_share_of_budget']['newslink']:.2f}, "
        f"lead3 {result['quoted_share_of_budget']['lead3']:.2f}; "
        f"build_brief median {result['build_brief_ms_median']:.1f} ms."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "data_dir", type=Path, help="the SummEval folder (../shared/data/summaries)"
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    parser.add_argument("--folds", type=int, default=1, help="split the articles in two (2)")
    parser.add_argument(
        "--budget-multiple",
        type=int,
        default=1,
        help="budget = this many times Lead-3's length (2, 3: the long-form budgets of issue 15)",
    )
    parser.add_argument(
        "--first-reference",
        action="store_true",
        help="score against the original highlights only (one reference, as REALSumm/Newsroom)",
    )
    args = parser.parse_args(argv)
    rows = load(args.data_dir)
    result: dict[str, Any]
    if args.folds > 1:
        parts = _folds.split(rows, lambda r: r["id"], args.folds)
        print(_folds.describe(parts, lambda r: r["id"]), file=sys.stderr)
        result = {
            name: run(part, args.budget_multiple, args.first_reference)
            for name, part in parts.items()
        }
        print(_folds.merge_tables({name: table(r) for name, r in result.items()}))
    else:
        result = run(rows, args.budget_multiple, args.first_reference)
        print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
