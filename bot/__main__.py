"""``python -m bot``: the composition root's entry point (:mod:`bot.app.main`)."""

import sys

from bot.app.main import main

if __name__ == "__main__":
    sys.exit(main())
