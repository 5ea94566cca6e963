"""Page furniture: what a page holds around the story. The one set of rules, used by extraction
(which drops or marks lines) and by the brief (which never quotes them).

- :mod:`~bot.article.furniture.chrome`: site chrome removed from the tree before readability;
- :mod:`~bot.article.furniture.lines`: boilerplate lines, bylines, datelines, reading times;
- :mod:`~bot.article.furniture.credits`: photo credits, captions, wire footers, embedded posts;
- :mod:`~bot.article.furniture.kinds`: the named kinds a brief never quotes, and
  :func:`~bot.article.furniture.kinds.paragraph_kinds`, the one answer for a paragraph.
"""
