"""Sharing links: the service that turns a shared link into a posted brief, and what it needs.

- :mod:`bot.sharing.service`: :class:`~bot.sharing.service.Sharing`, the orchestration (its class
  docstring narrates the pipeline step by step);
- :mod:`bot.sharing.ledger`: every database transaction of a share (context, claim, record);
- :mod:`bot.sharing.types`: shares, the Discord side's ``Publisher``, policies, outcomes;
- :mod:`bot.sharing.pipeline`: the ``Briefer``, from a link to a brief;
- :mod:`bot.sharing.jobs`: what the parse worker runs (kept light: a worker imports only it);
- :mod:`bot.sharing.failures`: what a share that cannot go on shows and logs;
- :mod:`bot.sharing.notify`: calling subscribers in (who, in which order, how fast);
- :mod:`bot.sharing.recovery`: after a start, claims left by crashes and links missed offline.

Nothing is imported here: a parse worker that unpickles a job from :mod:`bot.sharing.jobs` must
not load the database and HTTP code with it.
"""
