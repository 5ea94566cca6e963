"""Request checks the fake applies, with Discord's limits and Discord's error body shape.

Each check returns a list of ``(field path, message)`` problems; an empty list means the request is
fine. :func:`form_error` turns problems into the 400 body Discord sends (code 50035).
"""

from __future__ import annotations

from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
NONCE_MAX = 25
THREAD_NAME_MAX = 100
ARCHIVE_DURATIONS = frozenset({60, 1440, 4320, 10080})
ALLOWED_PARSE = frozenset({"roles", "users", "everyone"})

Problems = list[tuple[str, str]]


def form_error(problems: Problems) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for path, message in problems:
        node = errors
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def _length(problems: Problems, path: str, value: Any, limit: int) -> int:
    if value is None:
        return 0
    if not isinstance(value, str):
        problems.append((path, "Must be a string."))
        return 0
    if len(value) > limit:
        problems.append((path, f"Must be {limit} or fewer in length."))
    return len(value)


def check_embeds(embeds: Any, problems: Problems) -> None:
    if not isinstance(embeds, list):
        problems.append(("embeds", "Must be an array."))
        return
    if len(embeds) > EMBEDS_MAX:
        problems.append(("embeds", f"Must be {EMBEDS_MAX} or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        p = f"embeds.{i}"
        if not isinstance(embed, dict):
            problems.append((p, "Must be an object."))
            continue
        total += _length(problems, f"{p}.title", embed.get("title"), 256)
        total += _length(problems, f"{p}.description", embed.get("description"), 4096)
        total += _length(
            problems, f"{p}.footer.text", (embed.get("footer") or {}).get("text"), 2048
        )
        total += _length(problems, f"{p}.author.name", (embed.get("author") or {}).get("name"), 256)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append((f"{p}.fields", "Must be 25 or fewer in length."))
        for j, fld in enumerate(fields):
            if not fld.get("name") or not fld.get("value"):
                problems.append((f"{p}.fields.{j}", "This field is required"))
            total += _length(problems, f"{p}.fields.{j}.name", fld.get("name"), 256)
            total += _length(problems, f"{p}.fields.{j}.value", fld.get("value"), 1024)
        url = embed.get("url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            problems.append((f"{p}.url", "Scheme must be one of ('http', 'https')."))
    if total > EMBED_TOTAL_MAX:
        problems.append(("embeds", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"))


def check_allowed_mentions(am: Any, problems: Problems) -> None:
    if not isinstance(am, dict):
        problems.append(("allowed_mentions", "Must be an object."))
        return
    parse = am.get("parse", [])
    if not isinstance(parse, list) or not set(parse) <= ALLOWED_PARSE:
        problems.append(
            ("allowed_mentions.parse", "Value must be one of ('roles', 'users', 'everyone').")
        )
        parse = []
    for kind in ("users", "roles"):
        ids = am.get(kind)
        if ids is None:
            continue
        if kind in parse:
            problems.append(
                ("allowed_mentions", f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.')
            )
        if not isinstance(ids, list) or len(ids) > 100:
            problems.append((f"allowed_mentions.{kind}", "Must be 100 or fewer in length."))
    if "replied_user" in am and not isinstance(am["replied_user"], bool):
        problems.append(("allowed_mentions.replied_user", "Must be a boolean."))


def check_message(body: dict[str, Any], *, editing: bool = False) -> Problems:
    problems: Problems = []
    _length(problems, "content", body.get("content"), CONTENT_MAX)
    if body.get("embeds") is not None:
        check_embeds(body["embeds"], problems)
    elif body.get("embed") is not None:
        check_embeds([body["embed"]], problems)
    if body.get("allowed_mentions") is not None:
        check_allowed_mentions(body["allowed_mentions"], problems)
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_MAX:
        problems.append(("nonce", f"Must be {NONCE_MAX} or fewer in length."))
    if body.get("enforce_nonce") and nonce is None:
        problems.append(("nonce", "This field is required when enforce_nonce is set."))
    components = body.get("components")
    if components is not None and (not isinstance(components, list) or len(components) > 5):
        problems.append(("components", "Must be 5 or fewer in length."))
    has_body = any(
        body.get(k) for k in ("content", "embeds", "embed", "components", "sticker_ids", "poll")
    )
    if not editing and not has_body and not body.get("attachments"):
        problems.append(("content", "Cannot send an empty message"))
    return problems


def check_thread(body: dict[str, Any]) -> Problems:
    problems: Problems = []
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME_MAX:
        problems.append(("name", f"Must be between 1 and {THREAD_NAME_MAX} in length."))
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        problems.append(("auto_archive_duration", "Value must be one of {60, 1440, 4320, 10080}."))
    return problems


def check_commands(commands: Any) -> Problems:
    problems: Problems = []
    if not isinstance(commands, list) or len(commands) > 100:
        return [("", "Must be an array of 100 or fewer commands.")]
    seen: set[tuple[str, int]] = set()
    for i, cmd in enumerate(commands):
        name = cmd.get("name", "")
        kind = cmd.get("type", 1)
        if not 1 <= len(name) <= 32:
            problems.append((f"{i}.name", "Must be between 1 and 32 in length."))
        if kind == 1 and not 1 <= len(cmd.get("description", "")) <= 100:
            problems.append((f"{i}.description", "Must be between 1 and 100 in length."))
        if (name, kind) in seen:
            problems.append((f"{i}.name", "Application command names must be unique"))
        seen.add((name, kind))
    return problems
