"""Links as the fetcher and the store see them: keying them, and showing their host.

``url_key`` turns a URL into the key used for caching and de-duplication. It never changes what
is fetched (the URL as posted is fetched, SECURITY.md); it only decides when two links are "the
same article". Normalisation, in order: lower-case scheme and host, IDN host to punycode exactly
as the fetcher encodes it (:func:`ascii_host`), default port dropped, fragment dropped, empty
path as ``/``, percent-escapes with upper-case hex and unreserved characters (RFC 3986 section
6.2.2.2) decoded, tracking parameters dropped, the rest of the query sorted by name (stable, so
repeated names keep their order; blank values kept).

Tracking parameters (``TRACKING_PARAMS`` plus names starting with one of ``TRACKING_PREFIXES``)
are those that only tell the publisher or an ad network where a click came from and never select
content, so dropping them cannot merge two different pages:

- ``utm_*``: Google Analytics campaign tags, used by nearly every newsletter and social share.
- click ids of ad networks: ``gclid``, ``gclsrc``, ``dclid``, ``gbraid``, ``wbraid`` (Google),
  ``fbclid`` (Meta), ``msclkid`` (Microsoft), ``yclid`` (Yandex), ``twclid`` (X/Twitter),
  ``ttclid`` (TikTok), ``li_fat_id`` (LinkedIn), ``igshid`` (Instagram share), ``epik``
  (Pinterest), ``srsltid`` (Google Merchant), ``s_kwcid`` and ``ef_id`` (Adobe Advertising),
  ``hsa_*`` (HubSpot ads).
- mailing and marketing tools: ``mc_cid``, ``mc_eid`` (Mailchimp), ``_hsenc``, ``_hsmi``
  (HubSpot), ``mkt_tok`` (Marketo), ``vero_id`` (Vero), ``wickedid`` (Wicked Reports),
  ``oly_anon_id``, ``oly_enc_id`` (Omeda), ``_ga``, ``_gl`` (Google Analytics cross-domain).
- publishers' own share and campaign tags: ``ref_src``, ``ref_url`` (Twitter embeds), ``cmpid``,
  ``s_cid``, ``ncid`` (Yahoo), ``ocid`` (MSN), ``sr_share`` (Simple Reach), ``smid`` (NYT share
  id), ``spm`` (Alibaba).

Generic names such as ``ref`` or ``source`` are deliberately kept: some sites use them to select
content, and a missed de-duplication costs one extra fetch while a wrong one shows the wrong page.

One article, many addresses (issue 17): the key also folds the variants a publisher serves one
article under, so they share one key before anything is fetched:

- a known redirect wrapper is keyed as the link it carries (:func:`bot.fetch.sites.unwrap`);
- the host's first label ``www``, ``m``, ``mobile`` or ``amp`` is dropped when the host is below
  its registrable domain (``m.bbc.co.uk`` and ``www.bbc.co.uk`` are ``bbc.co.uk``; ``amp.dev``
  itself is left alone);
- AMP markers go: a path segment ``amp`` at the start or the end (``/amp/news/x``, ``/news/x/amp``),
  a ``.amp`` before the extension (``x.amp.html``), the parameters ``amp`` and ``outputType=amp``.

After fetching, :func:`article_address` decides the article's own address from the final URL and
the page's canonical link; :mod:`bot.sharing.service` keys the brief by it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import unquote_plus, urlsplit

import idna
from yarl import URL

from bot.errors import MalformedHost
from bot.fetch.sites import registrable_domain, same_site, unwrap

log = logging.getLogger(__name__)

TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "cmpid",
        "dclid",
        "ef_id",
        "epik",
        "fbclid",
        "gbraid",
        "gclid",
        "gclsrc",
        "igshid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "msclkid",
        "ncid",
        "ocid",
        "oly_anon_id",
        "oly_enc_id",
        "ref_src",
        "ref_url",
        "s_cid",
        "s_kwcid",
        "smid",
        "spm",
        "sr_share",
        "srsltid",
        "ttclid",
        "twclid",
        "vero_id",
        "wbraid",
        "wickedid",
        "yclid",
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "hsa_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_WHITESPACE = re.compile(r"\s")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def is_tracking_param(name: str) -> bool:
    """True when the query parameter ``name`` (as written, possibly percent-encoded) only tracks."""
    decoded = unquote_plus(name).lower()
    return decoded in TRACKING_PARAMS or decoded.startswith(TRACKING_PREFIXES)


def _normalize_escapes(part: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    # Whitespace is escaped too: a key must survive ``strip()`` and re-parsing unchanged.
    return _WHITESPACE.sub(_escape, _PERCENT_ESCAPE.sub(fix, part))


def _escape(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


# RFC 1035 section 2.3.4, in octets of the ASCII form.
_MAX_LABEL = 63
_MAX_NAME = 253


def ascii_host(url: str | URL) -> str:
    """The host of ``url`` exactly as the fetcher connects to it: the one encoding of a host for
    keys, display and fetching alike.

    That is yarl's ``raw_host`` (aiohttp connects to it and sends it as ``Host``): IDNA 2008 with
    UTS 46 non-transitional mapping, lower case. ``ß`` and ``ς`` are letters of their own there,
    where IDNA 2003 (Python's ``idna`` codec) folds them to ``ss`` and ``σ`` and drops the joiners
    (yarl refuses those): ``busineßinsider.com`` is ``xn--busineinsider-gdb.com``, another site,
    which must never share ``businessinsider.com``'s key or name. An IPv6 literal comes in
    brackets.

    Raises :class:`~bot.errors.MalformedHost` for what no DNS name can be: an empty label (other
    than the root's trailing dot), a label over 63 or a name over 253 characters, or an ``xn--``
    label that is not the punycode of a non-ASCII label; yarl's own ``ValueError`` or
    ``UnicodeError`` for text it cannot encode at all.
    """
    parsed = url if isinstance(url, URL) else URL(url)
    host = parsed.raw_host
    if not host:
        raise MalformedHost(detail="no host")
    if ":" in host:
        return f"[{host}]"  # an IPv6 literal: nothing to encode
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # "example.com." names the same host as "example.com", from the root
    if len(".".join(labels)) > _MAX_NAME:
        raise MalformedHost(detail=f"host {host[:80]!r}... longer than {_MAX_NAME} characters")
    for label in labels:
        if not 0 < len(label) <= _MAX_LABEL:
            raise MalformedHost(detail=f"empty or over-long label in host {host[:80]!r}")
        if label.startswith("xn--") and not _is_a_label(label):
            raise MalformedHost(detail=f"{label!r} in host {host[:80]!r} is not punycode")
    return host


def _is_a_label(label: str) -> bool:
    """Whether ``label`` (``xn--…``) is what the fetcher's own encoding makes of some Unicode
    label: punycode that decodes, to text yarl encodes back to exactly ``label``."""
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
        # An ASCII result ("xn--abc-"), a control character ("xn--a"), upper case: no name
        # anyone can type encodes to it, so it is an alias no registry issues.
        return not decoded.isascii() and URL.build(scheme="http", host=decoded).raw_host == label
    except (UnicodeError, ValueError):
        return False


def _split_netloc(netloc: str) -> tuple[str, str, str]:
    """``netloc`` as (userinfo with its ``@`` or "", host, port digits or "")."""
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        host, bracket, rest = hostport.partition("]")
        host += bracket
    else:
        host, colon, rest = hostport.partition(":")
        rest = colon + rest
    port = rest[1:] if rest.startswith(":") else rest
    if rest and not rest.startswith(":"):
        raise ValueError("junk after host")
    if port and not port.isdigit():
        raise ValueError("port is not a number")
    return userinfo + at, host, port


# The first label of a host that names a variant of the site, not another site.
_VARIANT_LABELS = frozenset({"www", "m", "mobile", "amp"})
_AMP_SEGMENT = "amp"


def _site_host(host: str) -> str:
    """``host`` without a leading variant label (``www``, ``m``, ``mobile``, ``amp``) while it is
    still below its registrable domain."""
    site = registrable_domain(host)
    if site is None:
        return host
    while host != site and host.endswith("." + site):
        first, _, rest = host.partition(".")
        if first not in _VARIANT_LABELS:
            break
        host = rest
    return host


def _without_amp(path: str) -> str:
    """``path`` without its AMP markers: ``/amp/…``, ``…/amp``, ``….amp.html``, ``….amp``."""
    segments = path.split("/")
    trailing = segments[-1] == "" and len(segments) > 2
    if trailing:
        segments.pop()
    if len(segments) > 2 and segments[-1].lower() == _AMP_SEGMENT:
        segments.pop()
    if len(segments) > 2 and segments[1].lower() == _AMP_SEGMENT:
        del segments[1]
    last = segments[-1]
    for suffix, replacement in ((".amp.html", ".html"), (".amp.htm", ".htm"), (".amp", "")):
        if last.lower().endswith(suffix) and len(last) > len(suffix):
            segments[-1] = last[: -len(suffix)] + replacement
            break
    return "/".join(segments) + ("/" if trailing else "")


def _is_amp_param(pair: str) -> bool:
    name, _, value = pair.partition("=")
    name = unquote_plus(name).lower()
    return name == _AMP_SEGMENT or (name == "outputtype" and unquote_plus(value).lower() == "amp")


def _normalize_query(query: str) -> str:
    pairs = [p for p in query.split("&") if p and not _is_amp_param(p)]
    kept = [_normalize_escapes(p) for p in pairs if not is_tracking_param(p.partition("=")[0])]
    # Sort by name only: a stable sort keeps repeated names (a=2&a=1) in their meaningful order.
    kept.sort(key=lambda p: p.partition("=")[0])
    return "&".join(kept)


def _key(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise ValueError("not an http(s) URL with a host")
    userinfo, host, port = _split_netloc(parts.netloc)
    if not host:
        raise ValueError("empty host")
    host = _site_host(ascii_host(url))
    port = "" if not port or int(port) == _DEFAULT_PORTS[scheme] else str(int(port))
    netloc = userinfo + host + (":" + port if port else "")
    path = _without_amp(_normalize_escapes(parts.path) or "/")
    query = _normalize_query(parts.query)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def url_key(url: str) -> str:
    """A normalised key for ``url``, for caching and de-duplication only (never for fetching).

    Never raises: a string that is not an http(s) URL with a host is returned stripped, as is.
    A known redirect wrapper is keyed as the link it carries.
    """
    stripped = unwrap(url.strip())
    try:
        return _key(stripped)
    except (ValueError, UnicodeError, MalformedHost):
        log.debug("cannot normalise %r: keyed as written", stripped)
        return stripped


def article_address(final_url: str, canonical: str | None) -> str:
    """The address of the article a fetch ended on: the page's own canonical link when it names
    the same site (registrable domain, :func:`bot.fetch.sites.same_site`) as ``final_url``, the
    URL after redirects, else ``final_url``. The brief links to it and is keyed by its
    :func:`url_key`.

    A page cannot claim another site's identity: a canonical link on another registrable domain
    (``alice.github.io`` naming ``bob.github.io`` included), a wrapper whose target is elsewhere,
    one with a user name or an odd scheme, and one naming the site's home page while the page is
    not it (a common template mistake that would make every story of the site one article) are
    all ignored.
    """
    if not canonical:
        return final_url
    try:
        final = urlsplit(final_url)
        named = urlsplit(unwrap(canonical.strip()))
        final_host, named_host = ascii_host(final_url), ascii_host(named.geturl())
    except (ValueError, UnicodeError, MalformedHost):
        return final_url
    if named.scheme.lower() not in _DEFAULT_PORTS or "@" in named.netloc:
        return final_url
    if not same_site(final_host, named_host):
        log.info("%s names %s as its address: another site, ignored", final_url, canonical)
        return final_url
    if named.path in ("", "/") and final.path not in ("", "/"):
        return final_url
    return named.geturl()


# --------------------------------------------------------------------------- showing the host

# Scripts that legitimately share one label: Japanese, Korean and Chinese names mix Han with their
# own scripts and Latin (the combinations browsers allow); any other mix is a homograph risk.
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
)
_SCRIPT_WORDS = {
    "CJK": "HAN",
    "IDEOGRAPHIC": "HAN",
    **{
        name: name
        for name in (
            "LATIN GREEK CYRILLIC ARMENIAN HEBREW ARABIC SYRIAC THAANA DEVANAGARI BENGALI "
            "GURMUKHI GUJARATI ORIYA TAMIL TELUGU KANNADA MALAYALAM SINHALA THAI LAO TIBETAN "
            "MYANMAR GEORGIAN HANGUL ETHIOPIC CHEROKEE KHMER MONGOLIAN HIRAGANA KATAKANA BOPOMOFO"
        ).split()
    },
}
# Cyrillic letters that pass for Latin ones: a label made only of these under a non-Cyrillic
# top-level domain ("аррӏе.com") is a whole-script homograph, shown as punycode like Chrome does.
_CYRILLIC_LOOKALIKES = frozenset(
    "\u0430\u0441\u0501\u0435\u04bb\u0456\u0458\u04cf\u043e\u0440\u051b\u0455\u051d\u0445\u0443\u044a\u044c\u04bd\u043f\u0433\u0475\u0461"
)


_NAME_WORDS = re.compile(r"[ -]")


def _script(char: str) -> str | None:
    """The script of ``char`` from its Unicode name; ``None`` for digits, hyphens and marks."""
    if char in "-0123456789" or unicodedata.category(char).startswith("M"):
        return None
    words = _NAME_WORDS.split(unicodedata.name(char, "UNKNOWN"))
    return next((_SCRIPT_WORDS[w] for w in words if w in _SCRIPT_WORDS), "OTHER:" + words[0])


def _single_script(label: str) -> bool:
    scripts = {s for s in map(_script, label) if s is not None}
    return len(scripts) <= 1 or any(scripts <= mix for mix in _ALLOWED_MIXES)


def display_host(url: str) -> str:
    """The host of ``url`` as users should see it, without port: the host fetched
    (:func:`ascii_host`), decoded.

    Unicode when every ``xn--`` label is a valid IDNA 2008 label without invisible characters
    and every label is in one script (or an allowed CJK mix); punycode (``xn--``) otherwise, and
    when a label is a Cyrillic look-alike of a Latin name; ``""`` if there is no host or it is
    malformed.
    """
    try:
        ascii_name = ascii_host(url.strip())
    except (ValueError, UnicodeError, MalformedHost):
        return ""
    if ascii_name.startswith("["):
        return ascii_name
    try:
        shown = [_unicode_label(label) for label in ascii_name.split(".")]
    except ValueError:
        return ascii_name
    tld_is_cyrillic = "CYRILLIC" in {_script(char) for char in shown[-1]}
    for label in shown:
        if not _single_script(label):
            return ascii_name
        if not tld_is_cyrillic and label and set(label) <= _CYRILLIC_LOOKALIKES:
            return ascii_name
    return ".".join(shown)


def _unicode_label(label: str) -> str:
    """``label`` decoded for display; ``ValueError`` when it is to be shown as punycode."""
    if not label.startswith("xn--"):
        return label
    # IDNA 2008 proper (idna.IDNAError is a UnicodeError, so a ValueError): a label yarl could
    # only encode by its IDNA 2003 fallback (a symbol) is shown as the punycode fetched.
    decoded = idna.decode(label)
    # A joiner, valid in a few contexts, would make two hosts look the same.
    if any(unicodedata.category(char) == "Cf" for char in decoded):
        raise ValueError(f"invisible character in {label!r}")
    return decoded
