"""Lines that are never body text: boilerplate (share bars, "read more", cookie notices), bylines,
markup shown as text, datelines, timestamps and reading times. Extraction drops them."""

from __future__ import annotations

import re

# line, and "newsletter … sign up" commits to the first "newsletter" (if "sign up" does not follow
# the first, it follows none) instead of trying each one in turn.
_BOILERPLATE = re.compile(
    r"""^(?:
        advertisement|advertising|sponsored(?:\ content)?|skip\ (?:to\ )?(?:main\ )?content|
        read\ (?:more|next|also)\b.*|like\ this:?|(?:like\ )?loading\.*|
        # A rating widget before its script has run: "(No ratings yet) Loading...".
        .*\ loading(?:\.\.\.|…)|
        # "Read also" in the languages of the pages we read: the label alone, or the label (and a
        # few words: "Lesen Sie auch die folgenden Beiträge") before a colon and one headline.
        # "Lesen Sie auch das Kleingedruckte." is a sentence: no colon, more than the label.
        (?:(?:czytaj|zobacz)\ (?:też|także|również)|(?:le|te)\ puede\ interesar|
        lesen\ sie\ auch|lire\ aussi|leia\ também|lee\ también|vea\ también|lees\ ook)\b
        (?:[^.!?:]{0,60}:.*)?|
        related(?:\ (?:articles?|stories|coverage|content))?:?.*|
        (?:see|more)\ also\b.*|recommended(?:\ for\ you)?|most\ (?:read|popular)|
        share\ (?:this|on)\b.*|share|tweet|email|print|comments?|\d+\ comments?|
        (?:mehr|weniger|alle)\ anzeigen|show\ (?:more|less|all)|weiterlesen|mehr\ lesen|
        (?:sign\ up|subscribe)\b.*newsletter.*|(?:(?!\bnewsletter\b).)*+\bnewsletter\b.*sign\ up.*|
        follow\ us\ on\b.*|
        # A plea to the reader, never a report: "Subscribe now to our e-edition for the full story."
        subscribe\ now\b.*|
        click\ here\ to\ (?:subscribe|sign\ up)\b.*|
        .*\b(?:we\ use|this\ (?:site|website)\ uses)\ cookies\b.*|accept(?:\ all)?\ cookies|
        # An editor's initials and the wire service signing the story: "aja/PAP", "jm/dpa".
        [a-z]{2,5}(?:\ ?/\ ?[a-z]{2,6}){1,3}|
        # "Source:" in German, Spanish, Portuguese too: "Quelle: Deutscher Jagdverband (DJV)".
        (?:photo|image|picture|video|credit|source|quelle|fuente|fonte|getty\ images|reuters|
        ap\ photo)\s*[:/].{0,80}
    )$""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_BOILERPLATE_MAX_CHARS = 160
# "By Jane Doe", "By Jane Doe, Reuters", "Von Katharina Weiß · 5. Juni": capitalised names, then at
# most a short tail. "By Tuesday, officials said the bridge would reopen." ends like a sentence.
# One to four words with spaces between: "(?:Word\s*){1,4}" read the same lines, but could cut
# one long word into pieces in exponentially many ways, each tried when the line did not match.
_BYLINE = re.compile(
    r"(?:[Bb]y|BY|[Vv]on|[Pp]ar)\s+[A-ZÀ-Þ][\w.'’-]*(?:\s+[A-ZÀ-Þ][\w.'’-]*){0,3}\s*"
    r"(?:(?:,|\||·|-|–|—|\band\b|\bund\b|\bet\b)\s*.{0,60})?(?<![.!?\"”])"
)


# Markup shown as text: an editor's leftovers or a broken embed, never article prose.
_MARKUP_AS_TEXT = re.compile(r"&(?:lt|gt|amp|quot);|<[a-z]+\s+[a-z-]+=[\"']", re.IGNORECASE)


# Datelines and timestamps ("14 March 2024", "Updated: 18 Nov 2019 9:38 pm", "November 20, 2019 /
# 1:07 AM / CBS News") are page furniture: what is left once date words, numbers and separators
# are gone is at most a short capitalised name (the outlet or a place).
_MONTHS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december januar februar märz juni juli oktober dezember "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
    "janeiro fevereiro março maio junho julho setembro outubro novembro dezembro"
)
_DATE_WORDS = frozenset(
    (
        _MONTHS + " mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday "
        "friday saturday sunday montag dienstag mittwoch donnerstag freitag samstag sonntag "
        "lundi mardi mercredi jeudi vendredi samedi dimanche segunda terça quarta quinta sexta "
        "feira sábado domingo lunes martes miércoles jueves viernes am pm a m p gmt utc bst cet "
        "cest est edt cst cdt mst mdt pst pdt et pt ist aest uhr h updated posted published "
        "last modified on at de às um em le am um the of st nd rd th uur stand aktualisiert "
        "veröffentlicht publié mis à jour actualizado publicado atualizado ago hours hour minutes "
        "mins min days day"
    ).split()
)
_MONTH_WORDS = frozenset(_MONTHS.split())
_DATELINE_MAX_CHARS = 90
_DATELINE_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b|\b\d{1,2}[:.]\d{2}\b")


def _is_dateline(paragraph: str) -> bool:
    # "— Name (@handle) November 18, 2019" signs an embedded post, whose text is the article's.
    if len(paragraph) > _DATELINE_MAX_CHARS or "@" in paragraph:
        return False
    tokens = _DATELINE_TOKEN.findall(paragraph)
    words = [t for t in tokens if not t.isdigit()]
    has_number = len(words) < len(tokens)
    dated = _NUMERIC_DATE.search(paragraph) is not None or (
        has_number and any(w.lower().rstrip(".") in _MONTH_WORDS for w in words)
    )
    if not dated:
        return False
    rest = [w for w in words if w.lower() not in _DATE_WORDS]
    return len(rest) <= 3 and all(w[0].isupper() for w in rest)


# "5 min read", "Reading time: 3 minutes", "Tempo de leitura: 1 minuto". A number is read whole
# (possessive, and never from its middle): "\d+\w*" could split a run of digits every way.
_READING_TIME = re.compile(
    r"(?:(?:estimated\ )?reading\ time|read\ time|tempo\ de\ leitura|lesezeit|"
    r"temps\ de\ lecture|tiempo\ de\ lectura)\s*:?\s*(?:about\ )?\d++\s*\w*+\.?|"
    r"(?<!\d)\d+\s*(?:min(?:ute)?s?|-minute)\.?\s+read",
    re.IGNORECASE | re.VERBOSE,
)


# A PHP error the server printed into the page ("Warning: Creating default object from empty
# value in /www/htdocs/wp-includes/classes.php on line 407"): the label, then where it happened.
_SERVER_ERROR = re.compile(
    r"(?:warning|notice|deprecated|fatal\ error|parse\ error|strict\ standards):\s", re.IGNORECASE
)
_SERVER_ERROR_PLACE = re.compile(r"\.php\s+on\s+line\s+\d")


def is_boilerplate(paragraph: str) -> bool:
    if _MARKUP_AS_TEXT.search(paragraph):
        return True
    if _SERVER_ERROR.match(paragraph) and _SERVER_ERROR_PLACE.search(paragraph):
        return True
    if len(paragraph) > _BOILERPLATE_MAX_CHARS:
        return False
    return _BOILERPLATE.match(paragraph) is not None or _BYLINE.fullmatch(paragraph) is not None


def is_metadata_line(paragraph: str) -> bool:
    """A dateline, timestamp or reading time: not body text, though it may sit inside the body.

    Dropped only after gap filling, which uses such lines as anchors: prose readability left out
    between a kept paragraph and a timestamp below it is still article text.
    """
    return _READING_TIME.fullmatch(paragraph) is not None or _is_dateline(paragraph)


def without_trailing_furniture(paragraphs: list[str], headings: set[str]) -> list[str]:
    """The paragraphs without the headings that end them: a heading introduces what follows, and
    one with nothing after it is the title of a box whose links or embed are gone ("Audios et
    vidéos sur le sujet", "Further Reading", a map's "Die Karte zum Abspeichern:"). The first
    paragraph stays, heading or not. Then a signature in capitals that ends the story goes too."""
    end = len(paragraphs)
    while end > 1 and paragraphs[end - 1] in headings:
        end -= 1
    # The agency or desk signing the story in capitals ("RIRM", "PAP"): one short word, last.
    if end > 1 and _SIGNATURE.fullmatch(paragraphs[end - 1]):
        end -= 1
    return paragraphs[:end]


_SIGNATURE = re.compile(r"[A-Z]{2,5}")
