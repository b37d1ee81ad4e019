"""The HTTP surface: Starlette routes under ``/v1.0`` for ``/me`` and ``/users/{id | upn}``.

Each request goes through the contract's check order (§4): routing, token, ``/me`` with an app
token, unknown user, permission, then the request itself (body, method id, validation, rules).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from graph_phone_emulator.bodies import check_declared_length, read_json_object
from graph_phone_emulator.config import EmulatorConfig
from graph_phone_emulator.directory import Directory, Phone, User
from graph_phone_emulator.errors import (
    GraphError,
    access_denied,
    error_response,
    server_error,
    unauthenticated,
    user_not_found,
)
from graph_phone_emulator.faults import FaultName
from graph_phone_emulator.lag import Lag
from graph_phone_emulator.middleware import IDS_KEY, GraphMiddleware, ServerErrorCounter
from graph_phone_emulator.operations import GUID, PhoneMethods
from graph_phone_emulator.permissions import READ_ACTIONS, authorize
from graph_phone_emulator.render import ODATA_TYPE, context_url, json_response, no_content, phone_json
from graph_phone_emulator.throttle import Throttle
from graph_phone_emulator.tokens import MalformedToken, Principal, TokenError, TokenVerifier
from graph_phone_emulator.validation import InvalidNumber, PhoneInput, parse_phone_body

PHONE_METHODS = "/authentication/phoneMethods"
Handler = Callable[[Request], Awaitable[Response]]
PREFIXES = ("/v1.0/me", "/v1.0/users/{user}", "/v1.0/users('{user}')")
"""``/me``, ``/users/{id | upn}`` and the OData key form ``/users('{id | upn}')`` (facts §7: D-user)."""
STATS_PATH = "/_emulator/stats"
"""The emulator's counters (requests, 429s sent, early retries, server errors), outside Graph's paths."""


@dataclass(frozen=True, slots=True)
class Context:
    """A request that passed the token, user and permission checks."""

    principal: Principal
    user: User | None
    user_key: str
    masked: bool
    refuse_after: GraphError | None = None


class Emulator:
    """One emulator instance: configuration, directory, token verifier, throttle and the handlers."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.directory = Directory(config.users)
        self.methods = PhoneMethods(self.directory, config)
        self.server_errors = ServerErrorCounter()
        self.throttle = Throttle(config.throttle_per_second) if config.throttle_per_second else None
        self.requests = 0
        if config.lag_ms:
            self.directory.lag = Lag(config.lag_ms / 1000)
        faulty = config.faulty
        self.verifier = TokenVerifier(
            config.secret, config.tenant_id,
            check_signature=not faulty(FaultName.BAD_SIGNATURE_ACCEPTED),
            check_audience=not faulty(FaultName.WRONG_AUDIENCE_ACCEPTED),
            check_expiry=not faulty(FaultName.EXPIRED_TOKEN_ACCEPTED),
            check_not_before=not faulty(FaultName.NBF_NOT_CHECKED),
            accept_unsigned=faulty(FaultName.ALG_NONE_ACCEPTED),
            audience_prefix=faulty(FaultName.LOOKALIKE_AUDIENCE_ACCEPTED),
            require_exp=not faulty(FaultName.MISSING_EXP_ACCEPTED),
        )

    # -- checks shared by every operation ------------------------------------------------------

    async def begin(self, request: Request, action: str) -> Context:
        """Run the token, user and permission checks for ``action`` and return the request's context."""
        config = self.config
        key = (request.headers.get("authorization") or "", request.method, request.url.path)
        self.requests += 1
        if self.throttle is not None:
            self.throttle.arrived(key)
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        principal = self.authenticate(request.headers.get("authorization"))
        if principal.personal and not config.faulty(FaultName.PERSONAL_ACCOUNT_ACCEPTED):
            raise GraphError(403, "accessDenied", "Personal Microsoft accounts are not supported.",
                             kind="personal_account")
        if self.throttle is not None:
            wait = self.throttle.retry_after(principal.token)
            if wait is not None:
                self.throttle.asked(key, math.ceil(wait))
                raise GraphError(429, "TooManyRequests", "Please retry again later.",
                                 headers={"Retry-After": str(math.ceil(wait))},
                                 inner={"code": "429", "status": "429", "message": "Please retry after"})
        user, user_key, is_self = self.target(request, principal, action)
        if user is None:
            return Context(principal, None, user_key, False)
        roles = user.roles
        if config.faulty(FaultName.ROLE_CHECK_BY_ID_ONLY) and user_key.lower() != user.id.lower():
            roles = frozenset()
        decision = authorize(principal, action, is_self=is_self, target_roles=roles, settings=config)
        refuse_after = None
        if not decision.allowed:
            denied = access_denied(f"Request Authorization failed: {decision.reason}.", kind=decision.kind)
            via_users = request.path_params.get("user") is not None
            if (decision.kind != "self_service" or not via_users
                    or not config.faulty(FaultName.SELF_SERVICE_REFUSED_BUT_STORED)):
                raise denied
            refuse_after = denied
        if action not in READ_ACTIONS and not is_self and config.faulty(FaultName.CONFUSED_DEPUTY):
            user = self.directory.find(principal.oid) or user
        check_declared_length(request)
        return Context(principal, user, user_key, decision.masked, refuse_after)

    def authenticate(self, authorization: str | None) -> Principal:
        """The caller named by the Authorization header, or a 401."""
        if not authorization and self.config.faulty(FaultName.NO_TOKEN_ACCEPTED):
            return self.anonymous_as_first_user()
        if (authorization or "").strip().lower() == "bearer" and self.config.faulty(FaultName.EMPTY_BEARER_ACCEPTED):
            return self.anonymous_as_first_user()
        try:
            return self.verifier.authenticate(authorization)
        except MalformedToken as exc:
            if self.config.faulty(FaultName.MALFORMED_TOKEN_500):
                raise server_error() from None
            raise unauthenticated(str(exc)) from None
        except TokenError as exc:
            raise unauthenticated(str(exc)) from None

    def anonymous_as_first_user(self) -> Principal:
        """The identity a token-less request gets under the ``no-token-accepted`` fault."""
        first = self.directory.first()
        return Principal("delegated", first.id.lower(), first.upn.lower(), self.config.tenant_id.lower(),
                         frozenset({"userauthenticationmethod.readwrite.all"}), first.roles,
                         math.inf, 0.0, "")

    def target(self, request: Request, principal: Principal, action: str) -> tuple[User | None, str, bool]:
        """Resolve ``/me`` or ``/users/{key}`` to ``(user, key for @odata.context, is_self)``."""
        faulty = self.config.faulty
        key = request.path_params.get("user")
        if key is not None and request.url.path.startswith("/v1.0/users('"):
            key = key.replace("''", "'")  # an OData string literal doubles its quotes
        if key is None:
            if principal.is_app and not faulty(FaultName.APP_ON_ME_ALLOWED):
                raise GraphError(400, "BadRequest",
                                 "/me request is only valid with delegated authentication flow.")
            user = self.directory.first() if faulty(FaultName.ME_WRONG_USER) else self.directory.find(principal.oid)
            if user is None:
                raise user_not_found(principal.oid)
            return user, user.id, True
        user = self.directory.find(key)
        if user is None and faulty(FaultName.UNKNOWN_USER_BY_LOCAL_PART):
            user = self.directory.find_by_local_part(key)
        if user is not None and faulty(FaultName.UPN_NOT_RESOLVED) and user.id.lower() != key.lower():
            user = None
        if user is None:
            if action == "list" and faulty(FaultName.UNKNOWN_USER_200):
                return None, key, False
            raise user_not_found(key)
        is_self = not principal.is_app and (
            user.id.lower() == principal.oid or (bool(principal.upn) and user.upn.lower() == principal.upn))
        return user, key, is_self

    # -- handlers ------------------------------------------------------------------------------

    async def list_methods(self, request: Request) -> Response:
        """GET .../phoneMethods: 200 with ``value``."""
        ctx = await self.begin(request, "list")
        phones = self.methods.list(ctx.user) if ctx.user is not None else []
        if self.config.choice("list_order") == "reverse":
            phones.reverse()
        items = [self.phone_json(p, masked=ctx.masked) for p in phones]
        if self.config.faulty(FaultName.LIST_BARE_ARRAY):
            return json_response(200, items)
        page = self.page(request, items)
        return json_response(200, {**self.context(request, ctx, entity=False), **page})

    def page(self, request: Request, items: list[dict[str, object]]) -> dict[str, object]:
        """``value`` (and ``@odata.nextLink`` to the rest) under the ``page_size`` setting (0: everything)."""
        size = self.config.page_size
        if not size:
            return {"value": items}
        token = request.query_params.get("$skiptoken", "0")
        start = int(token) if token.isdigit() else 0
        out: dict[str, object] = {"value": items[start:start + size]}
        if start + size < len(items):
            query = urlencode({**request.query_params, "$skiptoken": str(start + size)}, safe="$")
            out["@odata.nextLink"] = f"{origin(request)}{request.url.path}?{query}"
        return out

    async def count_methods(self, request: Request) -> Response:
        """GET .../phoneMethods/$count: the number of methods as text."""
        ctx = await self.begin(request, "count")
        count = self.methods.count(ctx.user) if ctx.user is not None else 0
        return PlainTextResponse(str(count))

    async def get_method(self, request: Request) -> Response:
        """GET .../phoneMethods/{id}: 200 with the object, or 404."""
        ctx = await self.begin(request, "get")
        method_id = request.path_params["method_id"]
        assert ctx.user is not None
        try:
            phone = self.methods.get(ctx.user, method_id)
        except GraphError:
            if self.config.faulty(FaultName.UNKNOWN_ID_200) and GUID.fullmatch(method_id):
                return json_response(200, {})
            raise
        masked = ctx.masked and not self.config.faulty(FaultName.UNMASKED_ON_GET)
        body = {**self.context(request, ctx, entity=True), **self.phone_json(phone, masked=masked)}
        if self.config.faulty(FaultName.GET_WRONG_SHAPE):
            body["type"] = body.pop("phoneType")
        return json_response(200, body)

    async def create_method(self, request: Request) -> Response:
        """POST .../phoneMethods: 201 with the created object."""
        ctx = await self.begin(request, "create")
        assert ctx.user is not None
        payload = await read_json_object(request, self.config)
        values = self.validated(payload, ctx.user, None, creating=True)
        phone = self.methods.create(ctx.user, values)
        if ctx.refuse_after is not None:
            raise ctx.refuse_after
        status = 200 if self.config.faulty(FaultName.CREATE_RETURNS_200) else 201
        location = f"{origin(request)}/v1.0/users/{ctx.user.id}{PHONE_METHODS}/{phone.method_id}"
        headers = {"Location": location} if self.config.choice("location_header") == "present" else {}
        body = {**self.context(request, ctx, entity=True), **self.phone_json(phone)}
        return json_response(status, body, headers=headers)

    async def update_method(self, request: Request) -> Response:
        """PATCH .../phoneMethods/{id}: 204, empty body."""
        ctx = await self.begin(request, "update")
        assert ctx.user is not None
        payload = await read_json_object(request, self.config)
        slot = self.methods.slot_of(ctx.user, request.path_params["method_id"],
                                    upsert=self.config.faulty(FaultName.PATCH_UPSERT))
        values = self.validated(payload, ctx.user, slot, creating=False)
        phone = self.methods.update(ctx.user, slot, values)
        if ctx.refuse_after is not None:
            raise ctx.refuse_after
        if self.config.faulty(FaultName.UPDATE_RETURNS_200_BODY):
            return json_response(200, {**self.context(request, ctx, entity=True), **self.phone_json(phone)})
        return no_content()

    async def delete_method(self, request: Request) -> Response:
        """DELETE .../phoneMethods/{id}: 204."""
        ctx = await self.begin(request, "delete")
        assert ctx.user is not None
        self.methods.delete(ctx.user, request.path_params["method_id"])
        if self.config.faulty(FaultName.DELETE_ANSWERS_200_WITH_BODY):
            return json_response(200, {**self.context(request, ctx, entity=True), "deleted": True})
        return no_content()

    async def enable_sms(self, request: Request) -> Response:
        """POST .../phoneMethods/{id}/enableSmsSignIn: 204."""
        ctx = await self.begin(request, "enable")
        assert ctx.user is not None
        self.methods.enable_sms(ctx.user, request.path_params["method_id"])
        return no_content()

    async def disable_sms(self, request: Request) -> Response:
        """POST .../phoneMethods/{id}/disableSmsSignIn: 204."""
        ctx = await self.begin(request, "disable")
        assert ctx.user is not None
        self.methods.disable_sms(ctx.user, request.path_params["method_id"])
        return no_content()

    def context(self, request: Request, ctx: Context, *, entity: bool) -> dict[str, object]:
        """The ``@odata.context`` annotation of an answer (none under ``odata_context = "absent"``)."""
        if self.config.choice("odata_context") == "absent":
            return {}
        return {"@odata.context": context_url(origin(request), ctx.user_key, entity=entity)}

    def phone_json(self, phone: Phone, *, masked: bool = False) -> dict[str, object]:
        """A phone method as JSON under the configured choices (mask shape, ``@odata.type``)."""
        shape = self.config.choices.get("mask") or self.config.choice("masked_format")
        body = phone_json(phone, masked=masked, mask_format=shape)
        if self.config.choice("odata_type") == "present":
            body = {"@odata.type": ODATA_TYPE, **body}
        return body

    def validated(self, payload: dict[str, object], user: User, slot: str | None, *,
                  creating: bool) -> PhoneInput:
        """Validate a body; under ``partial-write-on-invalid`` a rejected number is stored before the 400."""
        try:
            return parse_phone_body(payload, creating=creating, settings=self.config)
        except InvalidNumber as exc:
            if self.config.faulty(FaultName.PARTIAL_WRITE_ON_INVALID):
                self.methods.store_rejected(user, slot or exc.slot, exc.raw)
            raise

    async def stats(self, request: Request) -> Response:
        """GET /_emulator/stats: the emulator's own counters (not part of Graph), for test harnesses."""
        throttle = self.throttle
        return json_response(200, {"requests": self.requests, "server_errors": self.server_errors.count,
                                   "client_disconnects": self.server_errors.client_disconnects,
                                   "throttled": throttle.throttled if throttle else 0,
                                   "early_retries": throttle.early_retries if throttle else 0,
                                   "lag_ms": self.config.lag_ms})

    # -- errors --------------------------------------------------------------------------------

    async def graph_error(self, request: Request, exc: Exception) -> Response:
        """Render a :class:`GraphError` as the Graph envelope."""
        assert isinstance(exc, GraphError)
        request_id, client_id = request.scope[IDS_KEY]
        error = exc.rendered(self.config.choices)
        return error_response(error, request_id, client_id, flat=self.config.faulty(FaultName.ERROR_ENVELOPE_FLAT))

    async def http_error(self, request: Request, exc: Exception) -> Response:
        """Render Starlette's routing errors (404 unknown route, 405 wrong method) as Graph envelopes."""
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            error = GraphError(404, "NotFound", f"Resource not found for the segment '{request.url.path}'.")
        elif exc.status_code == 405:
            error = GraphError(405, "MethodNotAllowed",
                               f"The HTTP method '{request.method}' is not allowed on this resource.",
                               headers=exc.headers)
        else:
            error = GraphError(exc.status_code, "BadRequest", str(exc.detail), headers=exc.headers)
        return await self.graph_error(request, error)


def origin(request: Request) -> str:
    """``scheme://host[:port]`` the client used (from the Host header)."""
    host = request.headers.get("host")
    if not host:
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{request.scope.get('scheme', 'http')}://{host}"


def dispatch(handlers: dict[str, Handler]) -> Handler:
    """One endpoint serving several methods of a path (HEAD is served like GET)."""
    if "GET" in handlers:
        handlers = {**handlers, "HEAD": handlers["GET"]}

    async def endpoint(request: Request) -> Response:
        """Serve ``request`` with the handler of its method."""
        return await handlers[request.method](request)

    return endpoint


def routes(emulator: Emulator) -> list[Route]:
    """The routes for both addressing forms (``/me`` and ``/users/{user}``)."""
    table: list[Route] = []
    for prefix in PREFIXES:
        base = prefix + PHONE_METHODS
        item = base + "/{method_id}"
        table += [
            Route(base, dispatch({"GET": emulator.list_methods, "POST": emulator.create_method}),
                  methods=["GET", "POST"]),
            Route(base + "/$count", emulator.count_methods, methods=["GET"]),
            Route(item, dispatch({"GET": emulator.get_method, "PATCH": emulator.update_method,
                                  "DELETE": emulator.delete_method}), methods=["GET", "PATCH", "DELETE"]),
        ]
        for action, handler in (("enableSmsSignIn", emulator.enable_sms),
                                ("disableSmsSignIn", emulator.disable_sms)):
            table.append(Route(f"{item}/{action}", handler, methods=["POST"]))
            table.append(Route(f"{item}/microsoft.graph.{action}", handler, methods=["POST"]))
    table.append(Route(STATS_PATH, emulator.stats, methods=["GET"]))
    return table


def create_app(config: EmulatorConfig) -> Starlette:
    """Build the emulator's Starlette application for ``config`` (fresh directory state)."""
    emulator = Emulator(config)
    app = Starlette(
        routes=routes(emulator),
        middleware=[Middleware(GraphMiddleware, errors=emulator.server_errors)],
        exception_handlers={GraphError: emulator.graph_error, HTTPException: emulator.http_error},
    )
    app.router.redirect_slashes = False
    app.state.emulator = emulator
    return app
