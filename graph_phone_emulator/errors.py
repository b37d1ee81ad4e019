"""Graph error envelopes: the exception the handlers raise and the response it becomes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from starlette.responses import Response

from graph_phone_emulator.choices import code_for, refusal_for, status_for

WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)
"""The challenge sent with every 401 (the shape Graph uses)."""


class GraphError(Exception):
    """A request refused with a Graph error envelope: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str, *,
                 headers: Mapping[str, str] | None = None,
                 inner: Mapping[str, str] | None = None, kind: str = "", case: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.inner = dict(inner or {})
        self.kind = kind
        self.case = case or kind
        """The refusal case (``refusal.<case>`` may set its status and code); the kind unless finer."""

    def rendered(self, choices: Mapping[str, str]) -> GraphError:
        """This error with the status, code and headers the open ``choices`` give its kind."""
        status = status_for(self.kind, self.status, choices)
        code = code_for(self.kind, status, self.code, choices)
        observed = refusal_for(self.case, choices) if self.case else None
        if observed is not None:
            status, code = observed[0], observed[1] or code
        headers = dict(self.headers)
        if status == 401 and choices["www_authenticate"] == "present":
            headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
        elif choices["www_authenticate"] == "absent":
            headers.pop("WWW-Authenticate", None)
        return GraphError(status, code, self.message, headers=headers, inner=self.inner, kind=self.kind,
                          case=self.case)


def bad_request(message: str, code: str = "invalidRequest", kind: str = "validation", case: str = "") -> GraphError:
    """A 400 for input the contract rejects (``kind`` names the open choice that may change it, ``case``
    the finer refusal case ``refusal.<case>`` may set)."""
    return GraphError(400, code, message, kind=kind, case=case)


def unauthenticated(message: str) -> GraphError:
    """A 401 ``InvalidAuthenticationToken`` with the ``WWW-Authenticate`` challenge."""
    return GraphError(401, "InvalidAuthenticationToken", message,
                      headers={"WWW-Authenticate": WWW_AUTHENTICATE})


def access_denied(message: str = "Request Authorization failed", kind: str = "") -> GraphError:
    """A 403 ``accessDenied`` (``kind``: an error kind whose answer is an open choice)."""
    return GraphError(403, "accessDenied", message, kind=kind)


def method_not_found(method_id: str, *, malformed: bool = False) -> GraphError:
    """A 404 for a phone method id the user does not hold (``malformed``: one that is no GUID)."""
    return GraphError(404, "itemNotFound", f"The phone method '{method_id}' was not found for this user.",
                      kind="malformed_id" if malformed else "method_not_found")


def user_not_found(key: str) -> GraphError:
    """A 404 ``Request_ResourceNotFound`` for an unknown user."""
    return GraphError(404, "Request_ResourceNotFound",
                      f"Resource '{key}' does not exist or one of its queried reference-property objects "
                      "are not present.", kind="user_not_found")


def server_error() -> GraphError:
    """A 500 ``generalException`` (only faults and genuine bugs produce it)."""
    return GraphError(500, "generalException", "An internal server error occurred.")


def utc_timestamp() -> str:
    """The current UTC time as Graph writes it in ``innerError.date`` (ISO 8601, no offset)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def envelope(error: GraphError, request_id: str, client_request_id: str, *, flat: bool = False) -> bytes:
    """Serialise ``error`` as the Graph envelope (or, for the ``error-envelope-flat`` fault, flat)."""
    if flat:
        return json.dumps({"message": error.message}).encode()
    inner = {"date": utc_timestamp(), "request-id": request_id, "client-request-id": client_request_id}
    inner.update(error.inner)
    body = {"error": {"code": error.code, "message": error.message, "innerError": inner}}
    return json.dumps(body, separators=(",", ":")).encode()


def error_response(error: GraphError, request_id: str, client_request_id: str, *,
                   flat: bool = False) -> Response:
    """The HTTP response for ``error``."""
    return Response(envelope(error, request_id, client_request_id, flat=flat), status_code=error.status,
                    headers=error.headers, media_type="application/json")
