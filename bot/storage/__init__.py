"""Storage: the tables and what the bot does with them, by table group; engines and migrations.

Storage takes plain data (ids, strings, :mod:`bot.choices` members, :class:`~bot.storage.briefs.
ArticleFacts`) and imports nothing of the core beyond those leaves (an import-linter contract in
``pyproject.toml``). Import what you need from the submodules:

- :mod:`bot.storage.database`: engines, sessions, migrations, "is the database unavailable";
- :mod:`bot.storage.models`: the tables;
- :mod:`bot.storage.claims`: link claims (who is briefing a message's link);
- :mod:`bot.storage.briefs`: articles and the briefs posted of them, pins;
- :mod:`bot.storage.subscriptions`: topics followed and notifications delivered;
- :mod:`bot.storage.settings`: server and channel settings.
"""
