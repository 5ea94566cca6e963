"""Small static word embeddings (WordLlama, weights shipped inside its wheel), loaded offline.

They add what word overlap misses: a question worded differently from the paragraph that answers
it, and, more usefully, a question about another subject that shares a word or two with the
article by chance (``bench/questions.py``: off-topic questions abstained on rose from 78% to
about 90% at the same share of answerable ones). English only: the model was trained on English.

Loading reads two files from the installed package and never the network (``disable_download``;
the package's own lookup misses its bundled tokenizer file, so its folder is given as the cache).
If the package or its files are missing, :func:`embedder` returns None and answering falls back
to words alone (logged once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> Any:
        """Unit-length vectors, one row per text (a numpy array)."""


class _WordLlama:
    def __init__(self, model: Any) -> None:
        self._model = model

    def embed(self, texts: Sequence[str]) -> Any:
        return self._model.embed(list(texts), norm=True)


_LOADING = threading.Lock()


def embedder() -> Embedder | None:
    """The process's embedder (0.5-2 s to load, once), or None when it cannot be loaded.
    Thread-safe: the bot loads it in a worker thread."""
    with _LOADING:
        return _load()


@lru_cache(maxsize=1)
def _load() -> Embedder | None:
    # The package calls logging.basicConfig() on import: the bot's logging is not its to change.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama
        from wordllama import WordLlama

        package = Path(wordllama.__file__).parent
        model = WordLlama.load(cache_dir=package, disable_download=True)
    except Exception:  # noqa: BLE001 - any failure to load means: answer from words alone
        log.warning("word embeddings unavailable; answering from word overlap only", exc_info=True)
        return None
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return _WordLlama(model)
