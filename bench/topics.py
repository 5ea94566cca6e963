"""Topic matching at scale: one brief against a server's worth of subscriptions.

Run on demand (not part of the test suite)::

    .venv/bin/python bench/topics.py ../shared/data --json /tmp/topics-bench.json

Topics are real 1-3 word phrases drawn (seeded) from the SummEval news articles in
``DATA/summaries/SummEval.jsonl``; 100,000 subscriptions are spread over 10,000 distinct topics;
the brief is about 1,000 words of one of those articles' text, with a headline, description and
lead. Compared in the same run: :class:`bot.topics.TopicIndex` and the naive way (one compiled
regular expression per topic, searched in every field). Prints a markdown table; writes JSON.

Then the worst stall of the event loop, at the limits ``/subscribe`` accepts (topics of 50
characters, i.e. up to 25 one-letter words; ``MAX_TOPICS_PER_MEMBER`` = 25 topics a member) and
the largest article text a page can give (``PARSE_MAX_BYTES`` = 1 MB): the old matcher (n-gram
lookups over the whole text, as before issue 10), the automaton over the whole text, and the
automaton over the bounded text (what the bot runs). Scenarios: one member following every topic
of 2 to 25 ``a``s against a 1 MB page of ``a a a …`` (every word ends an occurrence of each), and
the 10,000 real topics against 1 MB of real article text.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.errors import InvalidTopic  # noqa: E402
from bot.topics import (  # noqa: E402
    BODY_MIN_OCCURRENCES,
    BriefText,
    TopicIndex,
    _fold_case_and_accents,
    normalize_topic,
    tokens,
)

SEED = 20260301
SUBSCRIPTIONS = 100_000
TOPICS = 10_000
BRIEF_WORDS = 1_000


def _articles(data: Path) -> list[str]:
    lines = (data / "summaries" / "SummEval.jsonl").read_text(encoding="utf-8").splitlines()
    # SummEval is tokenised with spaces around punctuation; undo the common cases.
    texts = [json.loads(line)["src"] for line in lines if line.strip()]
    return [
        re.sub(r" ([,.;:!?')])", r"\1", re.sub(r"([(]) ", r"\1", t)).replace(" 's", "'s")
        for t in texts
    ]


def _topics(articles: list[str], rng: random.Random) -> list[str]:
    words = [w for text in articles for w in re.findall(r"[A-Za-z][A-Za-z'-]+", text)]
    topics: set[str] = set()
    while len(topics) < TOPICS:
        n = rng.choices([1, 2, 3], weights=[5, 4, 1])[0]
        start = rng.randrange(len(words) - n)
        try:
            topics.add(normalize_topic(" ".join(words[start : start + n])))
        except InvalidTopic:
            continue
    return sorted(topics)


def _brief(articles: list[str], rng: random.Random) -> BriefText:
    text = " ".join(rng.sample(articles, 8))
    sentences = re.split(r"(?<=[.!?]) ", " ".join(text.split()[:BRIEF_WORDS]))
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return BriefText(
        headline=sentences[0][:120],
        description=sentences[1],
        lead=f"The Mail reports: {sentences[2]}",
        body=paragraphs,
    )


class NaiveMatcher:
    """The obvious way: a regular expression per topic, searched field by field."""

    def __init__(self, topics: list[str]) -> None:
        self.patterns = [
            (t, re.compile(r"(?<!\w)" + re.escape(t).replace(r"\ ", r"[\s-]+") + r"s?(?!\w)"))
            for t in topics
        ]

    def match(self, text: BriefText) -> set[str]:
        fields = [_fold_case_and_accents(f) for f in (text.headline, text.description, text.lead)]
        body = _fold_case_and_accents("\n".join(text.body))
        found = set()
        for topic, pattern in self.patterns:
            if any(pattern.search(f) for f in fields) or len(pattern.findall(body)) >= 2:
                found.add(topic)
        return found


class OldIndex:
    """The matcher before issue 10: at every word that begins a topic, every n-gram up to the
    longest such topic looked up in a dict, over the whole text (kept here to compare)."""

    def __init__(self, topics: list[str]) -> None:
        self.phrases: dict[tuple[str, ...], list[str]] = {}
        self.longest_after: dict[str, int] = {}
        for topic in topics:
            words = tuple(tokens(topic))
            self.phrases.setdefault(words, []).append(topic)
            self.longest_after[words[0]] = max(self.longest_after.get(words[0], 0), len(words))

    def _count(self, words: list[str], counts: dict[tuple[str, ...], int]) -> None:
        for i, word in enumerate(words):
            longest = self.longest_after.get(word)
            if longest is None:
                continue
            for n in range(1, min(longest, len(words) - i) + 1):
                key = tuple(words[i : i + n])
                if key in self.phrases:
                    counts[key] = counts.get(key, 0) + 1

    def match(self, text: BriefText) -> set[str]:
        found: set[str] = set()
        for value in (text.headline, text.description, text.lead):
            counts: dict[tuple[str, ...], int] = {}
            self._count(tokens(value), counts)
            found.update(t for k in counts for t in self.phrases[k])
        body: dict[tuple[str, ...], int] = {}
        for paragraph in text.body:
            self._count(tokens(paragraph), body)
        found.update(
            t for k, c in body.items() if c >= BODY_MIN_OCCURRENCES for t in self.phrases[k]
        )
        return found


PAGE_CHARS = 1_048_576  # PARSE_MAX_BYTES: the most text an article can hold


def _page(paragraph: str) -> BriefText:
    return BriefText(
        paragraph[:100],
        paragraph[:200],
        "A member says:",
        [paragraph] * (PAGE_CHARS // len(paragraph)),
    )


def _stalls(topics: list[str], page: BriefText, runs: int) -> dict[str, dict[str, float]]:
    """Worst and median time of one match, per matcher, on the same page and topics."""
    import bot.topics as topics_module

    index = TopicIndex(topics)
    old = OldIndex(topics)

    def unbounded() -> object:
        saved = topics_module.BODY_MAX_CHARS, topics_module.FIELD_MAX_CHARS
        topics_module.BODY_MAX_CHARS = topics_module.FIELD_MAX_CHARS = 10 * PAGE_CHARS
        try:
            return index.match(page)
        finally:
            topics_module.BODY_MAX_CHARS, topics_module.FIELD_MAX_CHARS = saved

    out = {}
    for name, fn in (
        ("old n-gram matcher, whole text", lambda: old.match(page)),
        ("automaton, whole text", unbounded),
        ("automaton, bounded text (the bot)", lambda: index.match(page)),
    ):
        times = _time(fn, runs)
        out[name] = {"max_ms": max(times), "median_ms": statistics.median(times), "runs": runs}
    return out


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "runs": len(ordered),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared evaluation data folder")
    parser.add_argument("--runs", type=int, default=200, help="matching runs for the index")
    parser.add_argument("--naive-runs", type=int, default=10, help="runs for the naive way")
    parser.add_argument("--stall-runs", type=int, default=3, help="runs per worst-stall case")
    parser.add_argument(
        "--json", type=Path, default=Path("topics-bench.json"), help="where to write results"
    )
    args = parser.parse_args(argv)

    rng = random.Random(SEED)
    articles = _articles(args.data)
    topics = _topics(articles, rng)
    # Every topic has a subscriber; the rest of the subscriptions pile onto random topics.
    pairs = [
        (topics[i] if i < TOPICS else rng.choice(topics), rng.randrange(1, 5_000))
        for i in range(SUBSCRIPTIONS)
    ]
    briefs = [_brief(articles, rng) for _ in range(20)]
    words = [sum(len(p.split()) for p in b.body) for b in briefs]

    build_start = time.perf_counter()
    index = TopicIndex({t for t, _ in pairs})
    build_ms = (time.perf_counter() - build_start) * 1000
    naive_start = time.perf_counter()
    naive = NaiveMatcher(sorted({t for t, _ in pairs}))
    naive_build_ms = (time.perf_counter() - naive_start) * 1000

    index_per_brief: list[float] = []
    for i in range(args.runs):
        brief = briefs[i % len(briefs)]
        index_per_brief += _time(lambda: index.match(brief), 1)  # noqa: B023 (called at once)
    naive_times = _time(lambda: naive.match(briefs[0]), args.naive_runs)
    matched = [len(index.match(b)) for b in briefs]
    # The regex only approximates the folding rules, so compare overlap, not equality.
    overlap = []
    for brief in briefs[:3]:
        ours, theirs = set(index.match(brief)), naive.match(brief)
        overlap.append(len(ours & theirs) / max(1, len(ours | theirs)))

    results = {
        "subscriptions": len(pairs),
        "distinct_topics": len(index),
        "brief_body_words_mean": statistics.mean(words),
        "topics_matched_per_brief_mean": statistics.mean(matched),
        "index": {"build_ms": build_ms, **_summary(index_per_brief)},
        "naive_regex": {"build_ms": naive_build_ms, **_summary(naive_times)},
        "naive_jaccard_overlap_first_3_briefs": overlap,
    }
    prose = " ".join(" ".join(b.body) for b in briefs)
    stalls = {
        "24 topics of 2-25 'a's, 1 MB page of 'a a a'": _stalls(
            [" ".join(["a"] * n) for n in range(2, 26)],
            _page(" ".join(["a"] * 500)),
            args.stall_runs,
        ),
        "10,000 real topics, 1 MB of article text": _stalls(
            sorted({t for t, _ in pairs}), _page(prose[:5000].rpartition(" ")[0]), args.stall_runs
        ),
    }
    results["worst_stall"] = stalls
    args.json.write_text(json.dumps(results, indent=2))
    print(
        f"{len(pairs):,} subscriptions, {len(index):,} distinct topics, "
        f"briefs of ~{statistics.mean(words):.0f} body words, "
        f"{statistics.mean(matched):.1f} topics matched per brief\n"
    )
    print("| matcher | build (ms) | match median (ms) | match p95 (ms) | runs |")
    print("|---|---:|---:|---:|---:|")
    for name, key in (("TopicIndex", "index"), ("naive regex per topic", "naive_regex")):
        r = results[key]
        assert isinstance(r, dict)
        print(
            f"| {name} | {r['build_ms']:.0f} | {r['median_ms']:.2f} | {r['p95_ms']:.2f} "
            f"| {r['runs']} |"
        )
    print("\nWorst stall of the event loop at /subscribe's limits (one match, ms):\n")
    print("| case | matcher | max (ms) | median (ms) | runs |")
    print("|---|---|---:|---:|---:|")
    for case, by_matcher in stalls.items():
        for name, r in by_matcher.items():
            print(
                f"| {case} | {name} | {r['max_ms']:.0f} | {r['median_ms']:.0f} | {r['runs']:.0f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
