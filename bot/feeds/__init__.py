"""Feeds (issue 16): RSS, Atom and JSON Feed polled into the same pipeline as a pasted link.

``parse`` reads a feed document into items; ``service`` adds, lists, removes and polls a server's
feeds (the lease, conditional GET, new items once, back-off); ``scheduler`` polls the feeds that
are due, one process per feed.
"""
