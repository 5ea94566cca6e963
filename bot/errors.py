"""The errors newslink raises, as one tree.

Every error a caller may want to handle derives from :class:`NewslinkError`. Errors whose message
is safe to show to a Discord user (it names no internal detail, no exception text) derive from
:class:`UserFacingError` and carry that message in ``user_message``::

    NewslinkError
    ├── SettingsError                 settings missing or malformed (all problems at once)
    └── UserFacingError
        ├── FetchError                the page could not be fetched
        │   ├── InvalidURL            not an http(s) URL we accept (userinfo, odd host, port…)
        │   │   └── MalformedHost     a host name no DNS name can be (bad xn-- label, lengths)
        │   ├── BlockedAddress        resolves to a loopback/private/reserved address
        │   ├── ResolutionFailed      the name does not resolve
        │   ├── ConnectionFailed      could not connect, or the connection broke
        │   ├── FetchTimeout          too slow (connect, first byte, or total deadline)
        │   ├── TooManyRedirects
        │   ├── HTTPStatusError       the server answered 4xx/5xx
        │   ├── NotHTML               a PDF, image, video, … rather than a web page
        │   └── TooLarge              declared or actual body over the limit
        ├── ExtractionError           the page could not be read (malformed, too slow to parse)
        ├── Refused                   the server's own rules say no (shown as a reaction)
        │   ├── SiteNotAllowed        a blocked site, or one off the server's allow-list
        │   └── TooManyBriefs         the member or the channel is over its hourly limit
        └── StorageError              a domain error from the repository
            ├── AlreadySubscribed
            ├── NotSubscribed
            ├── TooManySubscriptions
            ├── InvalidTopic
            └── BriefNotFound
"""

from __future__ import annotations


class NewslinkError(Exception):
    """Root of every error newslink raises on purpose."""


class SettingsError(NewslinkError):
    """One or more settings are missing or malformed; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in self.problems))


class UserFacingError(NewslinkError):
    """An error whose ``user_message`` can be shown to a Discord user as it is."""

    user_message = "Something went wrong."

    def __init__(self, user_message: str | None = None, *, detail: str | None = None) -> None:
        if user_message is not None:
            self.user_message = user_message
        # ``detail`` is for logs only: it may name addresses or exception text.
        self.detail = detail
        super().__init__(self.user_message if detail is None else f"{self.user_message} ({detail})")


class FetchError(UserFacingError):
    user_message = "Could not fetch that page."


class InvalidURL(FetchError):
    user_message = "That link is not a web address newslink can open."


class MalformedHost(InvalidURL):
    user_message = "That link's site name is malformed, so newslink does not open it."


class BlockedAddress(FetchError):
    user_message = (
        "That link points to a private or reserved network address, which newslink never opens."
    )


class ResolutionFailed(FetchError):
    user_message = "That site's name could not be found."


class ConnectionFailed(FetchError):
    user_message = "Could not connect to that site."


class FetchTimeout(FetchError):
    user_message = "That site took too long to answer."


class TooManyRedirects(FetchError):
    user_message = "That link redirects too many times."


class HTTPStatusError(FetchError):
    user_message = "That site answered with an error."

    def __init__(self, status: int, *, detail: str | None = None) -> None:
        self.status = status
        super().__init__(f"That site answered with an error (HTTP {status}).", detail=detail)


class NotHTML(FetchError):
    user_message = (
        "That link is not a web page (it looks like a file, image or video), "
        "so there is no article to brief."
    )


class NotAFeed(FetchError):
    user_message = "That address is not a feed newslink can read (RSS, Atom or JSON Feed)."


class TooLarge(FetchError):
    user_message = "That page is too large to read."


class ExtractionError(UserFacingError):
    user_message = "Could not read that page."


class Refused(UserFacingError):
    """The server's own rules refuse the link. A pasted link always gets ``reaction`` (whatever
    the channel's failure mode, "ignore" included): never silence, yet no reply in the channel
    arguing with a moderator's choice; a command tells the caller in words."""

    user_message = "This server's settings do not allow briefing that link."
    reaction = "\N{NO ENTRY SIGN}"


class SiteNotAllowed(Refused):
    user_message = "This server's moderators do not allow briefs of that site."


class TooManyBriefs(Refused):
    user_message = "Too many briefs in the last hour; try again later."
    reaction = "\N{HOURGLASS WITH FLOWING SAND}"


class StorageError(UserFacingError):
    user_message = "That could not be saved."


class AlreadySubscribed(StorageError):
    user_message = "You already follow that topic."


class NotSubscribed(StorageError):
    user_message = "You do not follow that topic."


class TooManySubscriptions(StorageError):
    user_message = "You follow the most topics allowed; unsubscribe from one first."


class InvalidTopic(StorageError):
    user_message = "A topic is a word or phrase of 2 to 50 characters."


class BriefNotFound(StorageError):
    user_message = "That message is not a newslink brief."
