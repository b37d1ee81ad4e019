"""The emulator's ``page_size`` setting: lists answer a page at a time behind ``@odata.nextLink`` (legal OData).

Used by the suite's paged-list tests (issue 18 item 4); off by default.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from graph_phone_emulator.config import ConfigError, config_from_mapping, load_config

MOBILE_ID = "3179e48a-750b-4051-897c-87b9720928f7"


def test_a_list_is_answered_a_page_at_a_time(start) -> None:
    api = start(page_size=1)
    phones = (("mobile", "+1 2065550170"), ("alternateMobile", "+1 2065550171"), ("office", "+1 2065550172"))
    for kind, number in phones:
        assert api.create("adele", {"phoneNumber": number, "phoneType": kind}).status_code == 201
    first = api.list("adele").json()
    seen = [p["phoneNumber"] for p in first["value"]]
    link = first.get("@odata.nextLink")
    pages = 1
    while link:
        assert link.startswith(api.base + "/"), link  # same origin, same base path
        page = api.session.get(link, headers={"Authorization": f"Bearer {api.admin_token}"}, timeout=10)
        assert page.status_code == 200, page.text[:300]
        body = page.json()
        assert len(body["value"]) == 1
        seen += [p["phoneNumber"] for p in body["value"]]
        link = body.get("@odata.nextLink")
        pages += 1
    assert pages == 3 and sorted(seen) == ["+1 2065550170", "+1 2065550171", "+1 2065550172"]
    assert "$skiptoken" in urlsplit(first["@odata.nextLink"]).query


def test_without_page_size_one_page_holds_everything(start) -> None:
    api = start()
    assert api.create("adele", {"phoneNumber": "+1 2065550170", "phoneType": "mobile"}).status_code == 201
    assert api.create("adele", {"phoneNumber": "+1 2065550171", "phoneType": "office"}).status_code == 201
    body = api.list("adele").json()
    assert len(body["value"]) == 2 and "@odata.nextLink" not in body


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_page_size_must_be_a_non_negative_integer(bad) -> None:
    raw = {"auth": {"tenant_id": "t", "secret": "s" * 32},
           "users": [{"key": "a", "id": "00000000-0000-4000-8000-000000000001", "upn": "a@b"}]}
    with pytest.raises(ConfigError, match="page_size"):
        config_from_mapping(raw, {"page_size": bad})
    assert load_config(None, {"page_size": 2}).page_size == 2
