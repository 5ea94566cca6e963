"""short_string_memo: remembered answers hold only short strings (memory bounded across pages)."""

from __future__ import annotations

from bot.article.memo import short_string_memo


def test_only_short_strings_are_remembered() -> None:
    calls: list[str] = []

    @short_string_memo(maxsize=4, longest=8)
    def length(text: str) -> int:
        calls.append(text)
        return len(text)

    assert [length("short"), length("short"), length("x" * 9), length("x" * 9)] == [5, 5, 9, 9]
    assert calls == ["short", "x" * 9, "x" * 9]  # the long one is answered afresh each time
    info = length.cache_info()  # type: ignore[attr-defined]
    assert (info.hits, info.currsize) == (1, 1)
    for k in range(10):
        length(str(k))
    assert length.cache_info().currsize == 4  # type: ignore[attr-defined]


def test_the_extractors_memos_keep_no_long_string() -> None:
    # a hostile page's megabyte-long class value or block must not outlive its page in a worker
    from bot.article import missed, readable

    long_name = "story " * 100_000
    for memo in (
        readable._unlikely_name,
        readable._feature_weight,
        missed._words,
        missed._reads_as_prose,
    ):
        before = memo.cache_info().currsize  # type: ignore[attr-defined]
        memo(long_name)
        assert memo.cache_info().currsize == before, memo.__name__  # type: ignore[attr-defined]
