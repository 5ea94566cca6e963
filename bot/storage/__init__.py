"""Storage: SQLAlchemy models, the repository functions over them, and engines and migrations.

Import what you need from the submodules: :mod:`bot.storage.database` (engines, sessions,
migrations), :mod:`bot.storage.repository` (what the bot does with the data),
:mod:`bot.storage.models` (the tables).
"""
