"""Request bodies: size limit, JSON content type, strict JSON parsing (contract §4 step 6)."""

from __future__ import annotations

import json

from starlette.requests import Request

from graph_phone_emulator.errors import GraphError, bad_request, server_error
from graph_phone_emulator.faults import FaultName
from graph_phone_emulator.settings import Settings

MAX_BODY = 64 * 1024
"""Largest accepted request body in bytes (64 KiB)."""


def too_large() -> GraphError:
    """The 413 for a body over :data:`MAX_BODY`."""
    return GraphError(413, "requestEntityTooLarge", f"The request body exceeds {MAX_BODY} bytes.")


def check_declared_length(request: Request) -> None:
    """Refuse (413) a request whose Content-Length announces more than :data:`MAX_BODY` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > MAX_BODY:
        raise too_large()


def is_json_media_type(content_type: str) -> bool:
    """True for ``application/json`` with any parameters (case-insensitive)."""
    return content_type.partition(";")[0].strip().lower() == "application/json"


async def read_json_object(request: Request, settings: Settings) -> dict[str, object]:
    """Read the body and return its JSON object, or raise 413 / 400 (empty) / 415 / 400 (malformed)."""
    check_declared_length(request)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_large()
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise bad_request("Empty Payload. JSON content expected.", code="BadRequest", kind="malformed_body")
    content_type = request.headers.get("content-type", "")
    if not is_json_media_type(content_type) and not settings.faulty(FaultName.CONTENT_TYPE_IGNORED):
        shown = content_type or "(none)"
        raise GraphError(415, "unsupportedMediaType",
                         f"Content-Type {shown!r} is not supported; send application/json.", kind="content_type")
    try:
        text = body.decode("utf-8")
        payload = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        if settings.faulty(FaultName.MALFORMED_JSON_500):
            raise server_error() from None
        raise bad_request("Unable to read JSON request payload: the body is not valid JSON.",
                          code="BadRequest", kind="malformed_body") from None
    if not isinstance(payload, dict):
        raise bad_request("The request body must be a JSON object.", code="BadRequest", kind="malformed_body")
    return payload


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate property {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")
