"""Taking part in a brief's discussion: answering members' questions from the article's own words.

Pure core (no Discord, no storage): :mod:`.retrieval` ranks paragraphs and abstains,
:mod:`.fragments` links a passage on the page, :mod:`.answer` assembles and renders the answer.
"""
