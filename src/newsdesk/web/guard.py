"""What a request may carry: hostile values are refused (400) before any route, and so the store, sees them.

Two places, both central, so that a new route is covered without a line of its own:

* :class:`HostileInput` (ASGI middleware) reads the path, the query string and the body of every
  request. It refuses a NUL character, bytes that are not UTF-8 (a lone surrogate such as
  ``%ED%A0%80`` included), a JSON string holding NUL or a lone surrogate (``"\\u0000"``,
  ``"\\ud800"``), a JSON number that is not finite (``NaN``, ``1e400``) or too long to read, JSON
  nested past :data:`MAX_JSON_DEPTH`, and a body over :data:`MAX_BODY` bytes (413).
* :class:`GuardedRoute` (the route class of every router) refuses an integer the stores cannot keep
  (outside the signed 64-bit range, :data:`INT64_MIN` … :data:`INT64_MAX`), wherever FastAPI read it
  from: path, query, form or JSON. Path ids use the ``id`` convertor (1 to 19 digits), so a longer
  run of digits names no page (404) instead of being read as a number.

Routes that read a form themselves (the edit form) check their numbers with :func:`int64`.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import HTTPException
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_WHOLE = re.compile(r"[+-]?[0-9]+")
MAX_BODY = 1_000_000  # bytes: the largest edit form is a few hundred kilobytes
MAX_JSON_DEPTH = 32
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Refuse = Callable[[Request, int, str], Response]  # the app's error page (or JSON) for a status and a reason


# -- integers -----------------------------------------------------------------------------------


class IdConvertor(Convertor[int]):
    """``{name:id}``: a stored id in a path, 1 to 19 digits (a longer number names nothing that can exist)."""

    regex = "[0-9]{1,19}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())  # Starlette's registry of convertor names; adding one is idempotent


def int64(text: str, what: str) -> int:
    """``text`` as an integer the store can keep; ValueError naming ``what`` otherwise."""
    text = text.strip()
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{what} ({text[:40]!r}) is not a whole number")
    if len(text) > 20 or not INT64_MIN <= int(text) <= INT64_MAX:  # the length first: int() refuses 4300 digits
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"{what} ({shown}) is out of range")
    return int(text)


def out_of_range(value: Any, where: str = "") -> str | None:
    """Where in ``value`` (an endpoint's argument) an integer lies outside the signed 64-bit range, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else where or "a number"
    if isinstance(value, BaseModel):
        value = dict(value)
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = out_of_range(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def _refuse_out_of_range(arguments: dict[str, Any]) -> None:
    for name, value in arguments.items():
        where = out_of_range(value, name)
        if where:
            raise HTTPException(400, f"The number given as {where} is out of range: numbers here run from "
                                     f"{INT64_MIN} to {INT64_MAX}.")


def _checked(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """The endpoint, refusing first any argument that holds an integer out of range (same signature, sync or async)."""
    if inspect.iscoroutinefunction(endpoint):
        @functools.wraps(endpoint)
        async def checked_async(*args: Any, **kwargs: Any) -> Any:
            _refuse_out_of_range(kwargs)
            return await endpoint(*args, **kwargs)
        return checked_async

    @functools.wraps(endpoint)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _refuse_out_of_range(kwargs)
        return endpoint(*args, **kwargs)
    return checked


class GuardedRoute(APIRoute):
    """A route whose endpoint never sees an integer the store cannot keep (answered 400, naming it)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _checked(endpoint), **kwargs)


# -- text and bodies ----------------------------------------------------------------------------


class Hostile(Exception):
    """Why a request is refused; ``status`` is 400, or 413 for a body too large."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_text(raw: bytes, where: str) -> None:
    """``raw`` (still percent-encoded, as sent) must decode to UTF-8 text without NUL."""
    check_bytes(unquote_to_bytes(raw), where)


def check_bytes(data: bytes, where: str) -> None:
    if b"\x00" in data:
        raise Hostile(f"The {where} holds a NUL character.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise Hostile(f"The {where} is not UTF-8 text (it holds a byte sequence such as a lone surrogate that "
                      "encodes no character).") from None


def check_query(query: bytes, where: str) -> None:
    for part in query.split(b"&"):
        check_text(part.replace(b"+", b" "), where)


def _bad_json_constant(name: str) -> Any:
    raise Hostile(f"The JSON body holds {name}: numbers must be finite.")


def check_json(body: bytes) -> None:
    """A JSON body must hold no NUL, no lone surrogate and no number that is not finite. JSON that does not
    parse at all is left to the route (which answers 422 with the position)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Hostile("The JSON body is not UTF-8 text.") from None
    if "\x00" in text:
        raise Hostile("The JSON body holds a NUL character.")
    try:
        value = json.loads(text, parse_constant=_bad_json_constant)
    except json.JSONDecodeError:
        return
    except RecursionError:
        raise Hostile(f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels).") from None
    except ValueError as exc:  # e.g. a number of more than 4300 digits
        raise Hostile(f"The JSON body cannot be read: {exc}.") from None
    _check_json_value(value, 0)


def _check_json_value(value: Any, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise Hostile(f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels).")
    if isinstance(value, str):
        if "\x00" in value:
            raise Hostile("A string in the JSON body holds a NUL character.")
        if not _is_utf8(value):
            raise Hostile("A string in the JSON body holds a lone surrogate (\\ud800-\\udfff), which encodes no character.")
    elif isinstance(value, float) and not math.isfinite(value):
        raise Hostile("The JSON body holds a number too large to be finite.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json_value(key, depth + 1)
            _check_json_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json_value(item, depth + 1)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_body(body: bytes, content_type: str) -> None:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        check_query(body, "form")
    elif kind == "application/json" or kind.endswith("+json"):
        check_json(body)
    elif kind == "multipart/form-data":  # the desk's forms are urlencoded; a client may still send multipart
        check_bytes(body, "form")


class HostileInput:
    """ASGI middleware: refuses hostile paths, queries and bodies (see the module) with ``refuse``'s answer."""

    def __init__(self, app: ASGIApp, refuse: Refuse) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
            check_text(raw_path, "web address")
            check_query(scope.get("query_string", b""), "query")
            if scope["method"] in BODY_METHODS:
                body = await _read_body(receive)
                check_body(body, Headers(scope=scope).get("content-type", ""))
                receive = _replay(body, receive)
        except Hostile as refused:
            await self.refuse(Request(scope), refused.status, str(refused))(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Hostile(f"The request is larger than {MAX_BODY:,} bytes.", status=413)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the app the body already read, then what the client sends next (its leaving)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
