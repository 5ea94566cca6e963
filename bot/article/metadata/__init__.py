"""Article metadata: :mod:`~bot.article.metadata.read` (the entry point, image, description,
language), :mod:`~bot.article.metadata.headline` (headline and outlet),
:mod:`~bot.article.metadata.authors`, :mod:`~bot.article.metadata.stamps` (timestamps, zones) and
:mod:`~bot.article.metadata.dates` (the publication date)."""
