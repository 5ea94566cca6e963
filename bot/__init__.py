"""newslink: turn shared news links into quote-and-commentary briefs.

The core (this package, except ``bot/client.py`` and ``bot/__main__.py``) never imports discord.
"""

__version__ = "0.1.0"
