"""Requests checked against Discord's own OpenAPI description of its HTTP API.

``../shared/reference/discord-openapi.json`` (from the project folder; discord/discord-api-spec,
MIT) is Discord's word on which routes and methods exist and which request bodies it takes; the
hand-written checks in :mod:`tests.fakediscord.validation` keep only the limits a schema cannot
express (6,000 characters across embeds, a numeric nonce's length, a bot's 2,000-character content).

What is checked: the route (path parameters against their schemas), the method, and the JSON body
against the operation's ``requestBody`` (Draft 2020-12, ``$ref`` resolved inside the document);
multipart bodies on their ``payload_json`` part. Query strings are not checked. discord.py sends
snowflakes as integers, which Discord accepts, so the spec's snowflake type takes non-negative
integers too.

Loaded and indexed once per process (:func:`load`), each operation's validators compiled on first
use and kept: checking ~700 requests of an end-to-end run costs about a second, not a re-parse of a
1 MB document per fake.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.fakediscord.validation import Problems, form_error

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
# Where CI and /work/main have it: shared/ beside the project folder. A git worktree elsewhere can
# point at it with this variable.
SPEC_ENV = "NEWSLINK_TEST_DISCORD_OPENAPI"
DEFAULT_SPEC = ROOT.parent / "shared" / "reference" / "discord-openapi.json"
_URI = "urn:discord-openapi"
_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
# discord.py writes ids as JSON integers; Discord takes them (its spec only says "string").
_SNOWFLAKE_AS_INTEGER = {"type": "integer", "minimum": 0, "maximum": 2**64 - 1}


class SpecMissing(RuntimeError):
    """Discord's OpenAPI description is not where the tests look for it."""


@dataclass(frozen=True)
class Refusal:
    """Why Discord would refuse a request: HTTP status, Discord's body, and the problem line."""

    status: int
    body: dict[str, Any]
    problem: str


def spec_path() -> Path:
    configured = os.environ.get(SPEC_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_SPEC


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def route_pattern(template: str) -> re.Pattern[str]:
    """``/channels/{channel_id}`` as a regex: each ``{name}`` one path segment, named."""
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}$")


@dataclass
class _Path:
    template: str
    pattern: re.Pattern[str]
    # Literal segments first: /messages/pins and /messages/@original beat /messages/{message_id}.
    literals: int
    methods: frozenset[str]
    validators: dict[tuple[str, str], Draft202012Validator] = field(default_factory=dict)


class Spec:
    """Discord's OpenAPI document, indexed by route; validators compiled lazily and kept."""

    def __init__(self, document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], _SNOWFLAKE_AS_INTEGER]}
        self._document = document
        self._registry: Registry[Any] = Registry().with_resource(
            _URI, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        paths = [
            _Path(
                template,
                route_pattern(template),
                sum(1 for s in template.split("/") if s and not s.startswith("{")),
                frozenset(m.upper() for m in item if m in _METHODS),
            )
            for template, item in document["paths"].items()
        ]
        self._paths = sorted(paths, key=lambda p: -p.literals)
        self.compiled = 0  # validators built so far (tests check they are reused)

    def _validator(self, path: _Path, key: tuple[str, str], pointer: str) -> Draft202012Validator:
        validator = path.validators.get(key)
        if validator is None:
            validator = Draft202012Validator({"$ref": _URI + pointer}, registry=self._registry)
            path.validators[key] = validator
            self.compiled += 1
        return validator

    def _route(self, path: str) -> tuple[_Path, dict[str, str]] | None:
        for candidate in self._paths:
            match = candidate.pattern.match(path)
            if match is not None:
                return candidate, match.groupdict()
        return None

    def check(self, method: str, path: str, body: Any, *, has_body: bool) -> Refusal | None:
        """None if Discord's spec accepts ``method path`` with this JSON ``body`` (``has_body``:
        whether the request carried one at all), else why not."""
        found = self._route(path)
        if found is None:
            return Refusal(
                404,
                {"message": "404: Not Found", "code": 0},
                f"{method} {path}: not in Discord's API",
            )
        route, params = found
        if method not in route.methods:
            return Refusal(
                405,
                {"message": "405: Method Not Allowed", "code": 0},
                f"{method} {path}: Discord's {route.template} takes only {sorted(route.methods)}",
            )
        problems = self._param_problems(route, method.lower(), params)
        problems += self._body_problems(route, method.lower(), body, has_body)
        if not problems:
            return None
        listed = "; ".join(f"{where or '(body)'}: {message}" for where, message in problems)
        return Refusal(
            400,
            form_error(problems),
            f"{method} {path} refused by Discord's schema for {route.template}: {listed[:500]}",
        )

    def _param_problems(self, route: _Path, method: str, params: dict[str, str]) -> Problems:
        item = self._document["paths"][route.template]
        declared = [("parameters", i, p) for i, p in enumerate(item.get("parameters", []))]
        declared += [
            (f"{method}/parameters", i, p) for i, p in enumerate(item[method].get("parameters", []))
        ]
        problems: Problems = []
        for where, i, parameter in declared:
            name = parameter.get("name", "")
            if parameter.get("in") != "path" or name not in params:
                continue
            pointer = _pointer("paths", route.template, *where.split("/"), str(i), "schema")
            validator = self._validator(route, ("param", f"{where}/{i}"), pointer)
            value = params[name]
            # A path segment is text; a snowflake's schema takes it as such.
            for error in validator.iter_errors(value):
                problems.append((name, f"path parameter {value!r}: {error.message}"))
        return problems

    def _body_problems(self, route: _Path, method: str, body: Any, has_body: bool) -> Problems:
        request_body = self._document["paths"][route.template][method].get("requestBody")
        if request_body is None:
            return [("", "Discord takes no request body here")] if has_body else []
        if not has_body:
            return (
                [("", "Discord needs a request body here")] if request_body.get("required") else []
            )
        if "application/json" not in request_body.get("content", {}):
            return [("", "Discord takes no JSON body here")]
        pointer = _pointer(
            "paths", route.template, method, "requestBody", "content", "application/json", "schema"
        )
        validator = self._validator(route, ("body", method), pointer)
        problems: Problems = []
        for error in validator.iter_errors(body):
            # A oneOf/anyOf failure is reported as its most relevant branch, not "not valid
            # under any of the given schemas".
            best = best_match([error]) or error
            where = ".".join(str(part) for part in best.absolute_path)
            problems.append((where, best.message[:300]))
        return problems


@functools.cache
def load(path: Path) -> Spec | None:
    """The spec at ``path``, read once per process; None (with a warning) when it is missing,
    or :class:`SpecMissing` under ``CI=true``, where every request must be checked."""
    if not path.is_file():
        message = (
            f"Discord's OpenAPI description is not at {path} (shared/reference beside the project"
            f" folder, or set {SPEC_ENV}): the fake Discord does not check requests against it"
        )
        if os.environ.get("CI", "").lower() == "true":
            raise SpecMissing(message + "; under CI=true it must")
        log.warning("%s", message)
        return None
    with path.open(encoding="utf-8") as handle:
        return Spec(json.load(handle))
