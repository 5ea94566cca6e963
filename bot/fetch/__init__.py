"""Getting a page safely: :mod:`~bot.fetch.urls` (what a link is and its key),
:mod:`~bot.fetch.addresses` (which addresses may be fetched), :mod:`~bot.fetch.fetcher` (the HTTP
client with its limits) and :mod:`~bot.fetch.charset` (decoding what came back)."""
