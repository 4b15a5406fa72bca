"""Text that UTF-8 cannot encode (half a surrogate pair) is refused by name, never stored."""

from __future__ import annotations

import pytest

from vulndesk.domain import values
from vulndesk.domain.errors import InvalidInput


def test_validators_refuse_a_lone_surrogate_naming_the_field() -> None:
    for check in (values.text, values.long_text):
        with pytest.raises(InvalidInput, match="surrogate") as caught:
            check("description", "half \ud800 a pair")
        assert caught.value.field == "description"
    assert values.long_text("body", "a pair \U0001f600 is one character") != ""


def test_the_path_of_the_first_unencodable_string_in_parsed_json() -> None:
    assert values.unencodable_path({"a": "ok", "b": ["fine", {"c": "\udc00"}]}) == "b.1.c"
    assert values.unencodable_path({"details": {"trigger_location": "\ud83d"}}) == (
        "details.trigger_location"
    )
    assert values.unencodable_path("\ud800") == "body"
    assert values.unencodable_path({"k\ud800": "v"}) == "k\\ud800"
    assert values.unencodable_path({"a": ["x", 1, None, {"b": "\U0001f600"}]}) is None
