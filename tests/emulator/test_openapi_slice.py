"""Our OpenAPI description (conformance/spec/openapi/phone-methods.yaml) against Microsoft's own slice.

Microsoft's generated OpenAPI slice (``../shared/spec/graph-openapi-slice.yaml``, beside the repository)
is evidence, not the contract: it models success as ``2XX``, has no ``phoneNumber`` pattern and leaves
several ``$ref`` targets dangling. Where the two descriptions *must* agree, these tests say so:

* the same ``/users/{user-id}/...`` paths, methods, path parameters and operationIds (our ``/me`` forms
  mirror them; Microsoft's namespace-qualified action segments are compared unqualified; ``$count`` is
  deliberately not described by us);
* the same property names, types and referenced types of ``phoneAuthenticationMethod``;
* the fixed method ids (project source: ``strategies.methods.PHONE_METHOD_IDS``);
* documented examples and enum members that must be accepted by our stricter schema.

Tests that need the slice skip when it is absent (a user's clone has no ``shared/`` directory beside
it); the self-consistency tests at the bottom always run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from strategies.methods import PHONE_METHOD_IDS

REPO_ROOT = Path(__file__).resolve().parents[2]
OUR_SPEC = REPO_ROOT / "conformance" / "spec" / "openapi" / "phone-methods.yaml"
MS_SLICE = REPO_ROOT.parent / "shared/spec/graph-openapi-slice.yaml"

HTTP_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options", "trace"})
USERS_PREFIX = "/users/{user-id}"
ME_PREFIX = "/me"
NAMESPACE = "microsoft.graph."
# Paths Microsoft's slice has and we intentionally do not describe (reason in our YAML header).
MS_ONLY_PATHS = frozenset({"/users/{user-id}/authentication/phoneMethods/$count"})


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    """Our description, parsed."""
    return _load(OUR_SPEC)


@pytest.fixture(scope="module")
def ms() -> dict[str, Any]:
    """Microsoft's slice, parsed; skips the test when the file is not beside the repository."""
    if not MS_SLICE.is_file():
        pytest.skip(
            f"Microsoft's OpenAPI slice not found at {MS_SLICE} (it lives in the workspace's shared/spec "
            "directory, not in the repository); comparison skipped"
        )
    return _load(MS_SLICE)


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref`` chains; a dangling reference is returned unresolved."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return node
        seen.add(ref)
        target: Any = doc
        for part in ref[2:].split("/"):
            if not isinstance(target, dict) or part not in target:
                return node
            target = target[part]
        node = target
    return node


def _normalise_path(path: str) -> str:
    """Drop the OData namespace qualifier from bound-action segments (``microsoft.graph.enableSmsSignIn``)."""
    return "/".join(seg.removeprefix(NAMESPACE) for seg in path.split("/"))


def _operations(doc: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    """HTTP method -> operation object of a path item."""
    return {m: op for m, op in doc["paths"][path].items() if m in HTTP_METHODS}


def _path_parameters(doc: dict[str, Any], path: str, method: str) -> dict[str, dict[str, Any]]:
    """Name -> resolved parameter object of the path parameters that apply to one operation."""
    item = doc["paths"][path]
    params = [*item.get("parameters", []), *item[method].get("parameters", [])]
    resolved = (_resolve(doc, p) for p in params)
    return {p["name"]: p for p in resolved if p.get("in") == "path"}


def _flatten_properties(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """All properties of a schema, following ``allOf`` (Microsoft models inheritance that way)."""
    schema = _resolve(doc, schema)
    props: dict[str, dict[str, Any]] = {}
    for part in schema.get("allOf", []):
        props.update(_flatten_properties(doc, part))
    props.update(schema.get("properties", {}))
    return props


def _type_of(doc: dict[str, Any], prop: dict[str, Any]) -> str:
    """A comparable type name: the JSON type, or for a reference the unqualified referenced schema name."""
    if "$ref" in prop:
        return "ref:" + prop["$ref"].rsplit("/", 1)[-1].removeprefix(NAMESPACE)
    return prop.get("type", "?")


def _ms_users_paths(ms: dict[str, Any]) -> dict[str, str]:
    """Normalised path -> Microsoft's original path, without the paths we do not describe."""
    return {_normalise_path(p): p for p in ms["paths"] if p not in MS_ONLY_PATHS}


def _our_users_paths(ours: dict[str, Any]) -> list[str]:
    return [p for p in ours["paths"] if p.startswith(USERS_PREFIX)]


def _ms_phone_method(ms: dict[str, Any]) -> dict[str, Any]:
    return ms["components"]["schemas"]["microsoft.graph.phoneAuthenticationMethod"]


def _reconstructed_enum(name: str) -> list[str] | None:
    """Enum members the slice's header lists for a schema missing from the slice (read from comments).

    The header block is the only machine-independent record of the SDK's members; ``None`` when the
    header layout changed and the list cannot be found.
    """
    lines = iter(MS_SLICE.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if re.fullmatch(rf"#\s+{re.escape(name)} enum members, in order:\s*", line):
            break
    else:
        return None
    members: list[str] = []
    for line in lines:  # continuation lines: "#   a, b, c," until a line that is not a member list
        body = line.removeprefix("#").strip()
        if not line.startswith("#") or not re.fullmatch(r"[A-Za-z]+(\s*,\s*[A-Za-z]+)*\s*,?", body):
            break
        members.extend(m.strip() for m in body.split(",") if m.strip())
    return members or None


# --------------------------------------------------------------------------- comparison with Microsoft


def test_same_users_paths(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Every ``/users`` path of one description exists in the other (namespace qualifier ignored)."""
    assert set(_our_users_paths(ours)) == set(_ms_users_paths(ms))


def test_me_paths_mirror_users_paths(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Each Microsoft ``/users/{user-id}`` path has a ``/me`` twin in ours with the same methods."""
    for normalised in _ms_users_paths(ms):
        me_path = ME_PREFIX + normalised.removeprefix(USERS_PREFIX)
        assert me_path in ours["paths"], f"missing /me form of {normalised}"
        assert set(_operations(ours, me_path)) == set(_operations(ours, normalised)), me_path


def test_same_methods_and_operation_ids(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Same HTTP methods per path, and our ``/users`` operationIds are Microsoft's."""
    for normalised, original in _ms_users_paths(ms).items():
        ms_ops = _operations(ms, original)
        our_ops = _operations(ours, normalised)
        assert set(our_ops) == set(ms_ops), normalised
        for method, ms_op in ms_ops.items():
            assert our_ops[method]["operationId"] == ms_op["operationId"], (method, normalised)


def test_same_path_parameters(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Same path parameter names, all required strings."""
    for normalised, original in _ms_users_paths(ms).items():
        for method in _operations(ms, original):
            ms_params = _path_parameters(ms, original, method)
            our_params = _path_parameters(ours, normalised, method)
            assert set(our_params) == set(ms_params), (method, normalised)
            for name, param in our_params.items():
                assert param.get("required") is True, (method, normalised, name)
                assert _resolve(ours, param["schema"]).get("type") == "string", (method, normalised, name)
                assert _resolve(ms, ms_params[name]["schema"]).get("type") == "string"


def test_request_bodies_required_where_microsofts_are(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Operations with a required JSON body in Microsoft's slice have one in ours, and vice versa."""
    for normalised, original in _ms_users_paths(ms).items():
        for method, ms_op in _operations(ms, original).items():
            our_op = _operations(ours, normalised)[method]
            ms_body = ms_op.get("requestBody")
            our_body = our_op.get("requestBody")
            assert (ms_body is None) == (our_body is None), (method, normalised)
            if ms_body is not None:
                our_body = _resolve(ours, our_body)
                assert our_body.get("required") is True and ms_body.get("required") is True
                assert "application/json" in our_body["content"]


def test_success_codes_concretise_2xx(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Microsoft's ``2XX`` becomes exactly one concrete 2xx; bodies where Microsoft's 2XX has content.

    Exception: Microsoft's PATCH ``2XX`` declares a body, the reference page documents 204 (facts §6).
    """
    for normalised, original in _ms_users_paths(ms).items():
        for method, ms_op in _operations(ms, original).items():
            our_responses = _operations(ours, normalised)[method]["responses"]
            ours_2xx = [code for code in our_responses if str(code).startswith("2")]
            assert len(ours_2xx) == 1, (method, normalised, ours_2xx)
            ms_2xx = _resolve(ms, ms_op["responses"]["2XX"])
            our_2xx = _resolve(ours, our_responses[ours_2xx[0]])
            if method == "patch":
                assert ours_2xx == ["204"] and "content" not in our_2xx
                continue
            assert ("content" in ms_2xx) == ("content" in our_2xx), (method, normalised)


def test_errors_use_an_odata_error_envelope(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Microsoft's ``default`` error response becomes 4xx responses carrying an ``error`` object."""
    for normalised, original in _ms_users_paths(ms).items():
        for method, ms_op in _operations(ms, original).items():
            assert "default" in ms_op["responses"]
            our_responses = _operations(ours, normalised)[method]["responses"]
            errors = {code: r for code, r in our_responses.items() if str(code).startswith("4")}
            assert {"400", "401", "403", "404", "429"} <= set(errors), (method, normalised)
            for code, response in errors.items():
                schema = _resolve(ours, _resolve(ours, response)["content"]["application/json"]["schema"])
                assert schema["required"] == ["error"], (method, normalised, code)
                main = _resolve(ours, schema["properties"]["error"])
                assert set(main["required"]) == {"code", "message"}


def test_phone_method_property_names_and_types(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Same non-annotation properties with the same types / referenced type names."""
    ms_props = _flatten_properties(ms, _ms_phone_method(ms))
    our_props = _flatten_properties(ours, ours["components"]["schemas"]["phoneAuthenticationMethod"])
    our_plain = {name: prop for name, prop in our_props.items() if not name.startswith("@")}
    assert set(our_plain) == set(ms_props)
    for name, ms_prop in ms_props.items():
        ms_type = _type_of(ms, ms_prop)
        our_prop = our_plain[name]
        if ms_type.startswith("ref:"):
            assert _type_of(ours, our_prop) == ms_type, name
        else:
            assert _resolve(ours, our_prop).get("type") == ms_type, name


def test_create_and_update_bodies_name_only_microsofts_properties(
    ours: dict[str, Any], ms: dict[str, Any]
) -> None:
    """Our closed request bodies use a subset of Microsoft's property names (plus ``@odata.type``)."""
    ms_props = set(_flatten_properties(ms, _ms_phone_method(ms)))
    for name in ("phoneAuthenticationMethodCreate", "phoneAuthenticationMethodUpdate"):
        schema = ours["components"]["schemas"][name]
        assert schema["additionalProperties"] is False
        assert set(schema["properties"]) - {"@odata.type"} <= ms_props - {"id", "smsSignInState"}


def test_microsofts_documented_examples_match_our_pattern(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """The example numbers in Microsoft's ``phoneNumber`` description are valid under our pattern."""
    description = _flatten_properties(ms, _ms_phone_method(ms))["phoneNumber"]["description"]
    examples = re.findall(r"\+\d+ \d+(?:x\d+)?", description)
    assert len(examples) >= 2, description
    pattern = re.compile(ours["components"]["schemas"]["phoneNumber"]["pattern"])
    for example in examples:
        assert pattern.fullmatch(example), example


def test_enums_agree_with_the_sdk_reconstruction(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Our enums against the members the slice's header reconstructs from Microsoft's Python SDK."""
    schemas = ours["components"]["schemas"]
    phone_types = _reconstructed_enum("authenticationPhoneType")
    sign_in_states = _reconstructed_enum("authenticationMethodSignInState")
    if phone_types is None or sign_in_states is None:
        pytest.skip("the slice's header no longer lists the reconstructed enum members")
    # phoneType: the three documented members; the SDK adds only the evolvable-enum sentinel.
    assert set(phone_types) - set(schemas["authenticationPhoneType"]["enum"]) == {"unknownFutureValue"}
    assert schemas["authenticationMethodSignInState"]["enum"] == sign_in_states


def test_fixed_ids_are_strings_in_microsofts_model(ours: dict[str, Any], ms: dict[str, Any]) -> None:
    """Microsoft types ``id`` as a string; our enum of the fixed ids is compatible with that."""
    ms_id = _flatten_properties(ms, _ms_phone_method(ms))["id"]
    assert ms_id["type"] == "string"
    assert all(isinstance(v, str) for v in ours["components"]["schemas"]["phoneMethodId"]["enum"])


# --------------------------------------------------------------------------- self-consistency (always run)


def test_fixed_ids_are_the_projects(ours: dict[str, Any]) -> None:
    """The id enum is exactly the three fixed ids of ``strategies.methods`` (contract §2)."""
    assert sorted(ours["components"]["schemas"]["phoneMethodId"]["enum"]) == sorted(PHONE_METHOD_IDS.values())


def test_phone_number_pattern_is_the_contracts_valid_grammar(ours: dict[str, Any]) -> None:
    """Seed examples match; representative invalid and gray values (contract §1) do not."""
    pattern = re.compile(ours["components"]["schemas"]["phoneNumber"]["pattern"])
    for valid in ("+1 5555551234", "+1 5555551234x123", "+1 2065555554", "+44 2071838750", "+353 1234"):
        assert pattern.fullmatch(valid), valid
    for not_valid in (
        "",
        " ",
        "5555551234",
        "+",
        "+1",
        "+1 ",
        "+1 555abc1234",
        "+1 5555551234x",
        "+1 5555551234x12x3",
        "+15555551234",
        "+1 555-555-1234",
        " +1 5555551234",
        "+1 5555551234X123",
        "+01 5555551234",
        "+1 123",
    ):
        assert not pattern.fullmatch(not_valid), not_valid


def test_every_operation_is_secured_and_has_concrete_codes(ours: dict[str, Any]) -> None:
    """Global bearer security; no ``default``/wildcard responses; every operation has an operationId."""
    assert ours["security"] == [{"bearerAuth": []}]
    scheme = ours["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    ids: list[str] = []
    for path in ours["paths"]:
        for method, op in _operations(ours, path).items():
            ids.append(op["operationId"])
            assert op["responses"], (method, path)
            assert all(re.fullmatch(r"[1-5][0-9][0-9]", str(c)) for c in op["responses"]), (method, path)
    assert len(ids) == len(set(ids)) == 14


def test_our_description_is_valid_openapi_3_0(ours: dict[str, Any]) -> None:
    """The document validates as OpenAPI 3.0 (when openapi-spec-validator is installed)."""
    validator = pytest.importorskip("openapi_spec_validator")
    assert ours["openapi"] == "3.0.3"
    validator.validate(ours)
