"""The page read once: from fetched bytes to an :class:`~bot.article.types.Article`.

:func:`bot.article.read.extract_article` is the one entry point; its docstring walks through the
steps, one module each (document, page and jsonld, metadata/, furniture/, body, kind).
"""
