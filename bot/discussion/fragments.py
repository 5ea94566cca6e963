"""Links that scroll a browser to a passage and highlight it: URL text fragments.

``https://example.org/a#:~:text=start,end`` (WICG "Text Fragments"). The directive's values are
percent-encoded; besides what a URL fragment never holds raw, ``-``, ``&`` and ``,`` must be
encoded, because the directive's own syntax uses them (``prefix-,``, ``&text=``, ``start,end``).
A short passage is given whole; a long one as its first and last few words (``textStart,textEnd``:
the browser highlights everything between), which keeps the link short and still unique in
practice. A fragment the URL already has (``#section``) is kept before the directive; a text
directive already there (``#:~:text=…``) is replaced.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Words at each end of a long passage; a passage of up to twice as many words is given whole.
END_WORDS = 4
_DIRECTIVE = ":~:"
_SPACE = re.compile(r"\s+")


def encode(text: str) -> str:
    """``text`` percent-encoded for a text directive (``-``, ``&``, ``,`` included)."""
    # quote() leaves the unreserved "-", ".", "_" and "~" alone: "-" is syntax in a directive.
    return quote(text, safe="").replace("-", "%2D")


def text_directive(passage: str, end_words: int = END_WORDS) -> str:
    """The ``text=`` value for ``passage``: whole, or ``start,end`` for a long one."""
    words = _SPACE.split(passage.strip())
    if len(words) <= 2 * end_words:
        return "text=" + encode(" ".join(words))
    return f"text={encode(' '.join(words[:end_words]))},{encode(' '.join(words[-end_words:]))}"


def link(url: str, passage: str) -> str:
    """``url`` with a text fragment that highlights ``passage`` on the page."""
    base, _, fragment = url.partition("#")
    fragment = fragment.split(_DIRECTIVE, 1)[0]
    return f"{base}#{fragment}{_DIRECTIVE}{text_directive(passage)}"
