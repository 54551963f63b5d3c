"""config.json: the depth-limited loader every JSON body goes through, and the NUL finder."""

import json

import pytest

from config.json import JSONTooDeep, loads_limited, nul_paths


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [("1", 0), ('"x"', 0), ("[]", 1), ('{"items": [{"id": 1}]}', 3), (nested(32), 32)],
)
def test_documents_up_to_the_limit_load_as_json_loads_would(text, depth):
    assert loads_limited(text, 32) == json.loads(text)
    assert loads_limited(text, depth) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        nested(33),
        '{"a": ' * 33 + "1" + "}" * 33,
        '[1, {"a": ' + nested(32) + "}]",  # deep inside, after shallow siblings
        nested(1_000),  # beyond what Python's decoder survives: RecursionError, reported the same way
        nested(100_000),
    ],
)
def test_deeper_documents_raise_json_too_deep_a_value_error(text):
    with pytest.raises(JSONTooDeep) as caught:
        loads_limited(text, 32)

    assert isinstance(caught.value, ValueError)  # callers catching ValueError need no change


def test_malformed_and_undecodable_input_keeps_the_decoders_own_value_errors():
    with pytest.raises(json.JSONDecodeError):
        loads_limited("[1,", 32)
    with pytest.raises(UnicodeDecodeError):
        loads_limited(b'{"a": "\xff"}', 32)


def test_decoder_options_are_passed_through():
    def refuse(constant):
        raise ValueError(constant)

    with pytest.raises(ValueError, match="NaN"):
        loads_limited("[NaN]", 32, parse_constant=refuse)


def test_nul_paths_name_every_string_and_key_holding_nul():
    document = {"ok": "fine", "reason": "a\x00b", "items": [{"name": "x"}, {"name": "\x00"}], "k\x00": 1}

    assert sorted(nul_paths(document)) == ["items[1].name", "k\x00", "reason"]
    assert list(nul_paths("\x00")) == [""]
    assert list(nul_paths({"items": [1, 2.5, None, True, "x"]})) == []
