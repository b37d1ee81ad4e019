"""JSON representations of phone methods and the JSON responses that carry them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import quote

from starlette.responses import Response

from graph_phone_emulator.directory import Phone
from graph_phone_emulator.phone_format import mask

ODATA_JSON = ("application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
              "charset=utf-8")
"""The media type of successful JSON responses (as Graph sends it)."""


ODATA_TYPE = "#microsoft.graph.phoneAuthenticationMethod"
"""The ``@odata.type`` of a phone method (sent under the choice ``odata_type = "present"``)."""


def phone_json(phone: Phone, *, masked: bool = False, mask_format: str = "cc-stars") -> dict[str, object]:
    """The phoneAuthenticationMethod properties of ``phone`` (numbers masked when ``masked``)."""
    number = phone.number
    if masked and number is not None:
        number = mask(number, mask_format)
    return {"id": phone.method_id, "phoneNumber": number, "phoneType": phone.phone_type,
            "smsSignInState": phone.sms_state}


def context_url(origin: str, user_key: str, *, entity: bool) -> str:
    """The ``@odata.context`` for a user's phoneMethods collection or (``entity``) one of its members."""
    url = f"{origin}/v1.0/$metadata#users('{quote(user_key, safe='')}')/authentication/phoneMethods"
    return url + "/$entity" if entity else url


def json_response(status: int, body: object, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response with Graph's OData media type."""
    data = json.dumps(body, separators=(",", ":")).encode()
    return Response(data, status_code=status, headers=headers, media_type=ODATA_JSON)


def no_content() -> Response:
    """A 204 with no body."""
    return Response(status_code=204)
