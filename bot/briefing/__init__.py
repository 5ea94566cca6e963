"""From an article to what people read: :mod:`~bot.briefing.types` (Brief, QuoteRun, LENGTHS),
:mod:`~bot.briefing.ranking` (one ranking of the paragraphs), :mod:`~bot.briefing.selection`
(which paragraphs are quoted), :mod:`~bot.briefing.commentary` (lead and bridges),
:mod:`~bot.briefing.compose` (build_brief, compose_brief) and :mod:`~bot.briefing.render`
(embed, text preview, thread name). The language-model client is :mod:`bot.model`, not here."""
