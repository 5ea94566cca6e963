"""A realistic article page for pipeline and CLI tests, written here rather than saved."""

PARAGRAPHS = [
    "NATO foreign ministers, meeting for the first time this week since Russia appointed a new "
    "ambassador to the military alliance, are hoping to improve ties with Moscow despite a fresh row "
    "over plans to send anti-aircraft missiles to Turkey.",
    "A NATO spokeswoman said the meeting aimed to re-energize relations with Russia, whose "
    "cooperation is needed both on ending the conflict in Syria and smoothing the withdrawal of most "
    "foreign combat troops from Afghanistan by the end of 2014.",
    "Russia appointed a new ambassador to NATO in October after a 10-month gap, raising hopes for an "
    "improvement in ties, strained by U.S. and NATO plans to construct a missile shield around Europe.",
    "NATO and Russia have, however, been at odds over how to end the 20-month revolt in Syria. Russia "
    "has vetoed U.N. Security Council resolutions aimed at increasing pressure on the Syrian president.",
    "Russian Foreign Minister Sergei Lavrov is expected to raise concerns over plans to deploy Patriot "
    "surface-to-air missiles on NATO member Turkey's border with Syria.",
    "The NATO meeting coincides with a visit by the Russian president to Turkey, where he is expected "
    "to face fresh calls to help bring an end to the war in Syria.",
    "Meanwhile, little progress is seen at the Brussels talks on the row between NATO and Russia over "
    "Washington's plans for the missile shield, due to be completed in four phases by roughly 2020.",
]


def article_html(
    title: str = "NATO aims to repair Russia ties despite Patriot row",
    paragraphs: list[str] = PARAGRAPHS,
) -> bytes:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} - Example News</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Example News">
<meta property="og:type" content="article">
<meta property="og:description" content="NATO foreign ministers seek to improve relations with Russia.">
<meta property="article:published_time" content="2012-12-02T10:00:00Z">
<meta name="author" content="Adrian Croft">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1><p class="byline">By Adrian Croft</p>
{body}
</article>
<footer>Copyright Example News</footer>
</body></html>""".encode()
