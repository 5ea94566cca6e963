"""Two-fold split of a benchmark's pages by site, for honest tuning (issue 15).

A rule is made looking at one fold and kept only if it helps on the other. Pages are split by
their site, the registrable domain of the page's address (``www.faz.net`` and ``m.faz.net`` are
one site), hashed with SHA-256: the fold of a page never depends on the order of the data, on the
other pages, or on Python's per-process string hashing. A "page" that is not a web address (a
SummEval article id, the metadata set's ``hard::host-name.html`` files) is split by what stands
for its site: the host named at the start of the file name, or the id itself.

Every quality bench takes ``--folds N`` (2 in practice), runs on each fold's pages and prints one
table with a leading ``fold`` column (:func:`merge_tables`).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.fetch.sites import registrable_domain  # noqa: E402

T = TypeVar("T")

FOLD_NAMES = "ABCDEFGH"
# "hard::dw.com.colonial.html", "hard::100noticias.com-millones.html": a host, then the name
_FILE_HOST = re.compile(r"^(?:\w+::)?([\w.-]+?)(?:-[^.]*)?\.html?$")


def site_of(address: str) -> str:
    """The site a page belongs to: the registrable domain of its address (lower case)."""
    address = address.strip()
    host = urlsplit(address).hostname if "://" in address else None
    if host:
        return registrable_domain(host) or host
    m = _FILE_HOST.match(address.rsplit("/", 1)[-1])
    if m:
        # the first dot-prefix of the name that is a registrable domain ("dw.com" of
        # "dw.com.colonial"): the rest of the name is the page's, not the host's
        labels = m.group(1).split(".")
        for end in range(2, len(labels) + 1):
            domain = registrable_domain(".".join(labels[:end]))
            if domain:
                return domain
    return address


def fold_of(address: str, folds: int = 2) -> int:
    """0 … folds-1, stable across runs and machines."""
    digest = hashlib.sha256(site_of(address).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % folds


def split(items: Iterable[T], address: Callable[[T], str], folds: int) -> dict[str, list[T]]:
    """``{"A": [...], "B": [...]}``: the items of each fold, in their original order."""
    out: dict[str, list[T]] = {FOLD_NAMES[i]: [] for i in range(folds)}
    for item in items:
        out[FOLD_NAMES[fold_of(address(item), folds)]].append(item)
    return out


def describe(parts: dict[str, Sequence[T]], address: Callable[[T], str]) -> str:
    """One line: how many pages and sites each fold holds."""
    return "; ".join(
        f"fold {name}: {len(items)} pages, {len({site_of(address(i)) for i in items})} sites"
        for name, items in parts.items()
    )


def merge_tables(per_fold: dict[str, str]) -> str:
    """Markdown tables with the same header, one per fold, as one table with a ``fold`` column.
    Lines that are not table rows (notes under a table) follow it, prefixed with the fold."""
    header: list[str] = []
    rows: list[str] = []
    notes: list[str] = []
    for name, table in per_fold.items():
        lines = [line for line in table.splitlines() if line.strip()]
        table_lines = [line for line in lines if line.startswith("|")]
        if not header:
            header = ["| fold " + table_lines[0], "|---" + table_lines[1]]
        rows += [f"| {name} " + line for line in table_lines[2:]]
        notes += [f"fold {name}: {line}" for line in lines if not line.startswith("|")]
    return "\n".join(header + rows + ([""] + notes if notes else []))
