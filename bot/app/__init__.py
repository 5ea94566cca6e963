"""The composition root: where settings become running services, for the bot and the command line.

- :mod:`bot.app.main`: ``python -m bot``, reads the settings once and picks the command;
- :mod:`bot.app.services`: builds (and closes, in order) everything the bot and the CLI run on;
- :mod:`bot.app.tasks`: the process's tracked background work;
- :mod:`bot.app.client`: the discord.py bot, how it starts, stops and syncs its commands;
- :mod:`bot.app.cli`: the commands that need no Discord (``brief``, ``migrate``).

Nothing in the core imports this package (an import-linter contract in ``pyproject.toml``).
"""
