"""The optional language model: one OpenAI-compatible client, one output checker, one daily budget.

Shared by the brief's commentary (issue 13) and the thread's answers (issue 12). Pure core: no
discord, and storage only through plain data (:class:`bot.model.budget.UsageStore`).
"""
