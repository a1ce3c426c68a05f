"""What an operator types to `edubot config`: each setting keeps the kind of its default."""

from __future__ import annotations

import pytest

from domain.errors import Invalid
from domain.sysconfig import KEYS, parse_value


@pytest.mark.parametrize(("key", "raw", "value"), [
    ("upload.answer_max_mb", "10", 10), ("upload.answer_max_mb", "2.5", 2.5),
    ("exam.review_after_close", "false", False), ("sla.reminders", "[0.25, 0.75]", [0.25, 0.75]),
    ("plans.default", "Centum", "Centum"), ("plans.default", '"Premium MCQ"', "Premium MCQ"),
    ("notifications.quiet_hours", '["21:00", "07:00"]', ["21:00", "07:00"]),
    ("notifications.quiet_hours", "null", None),
])
def test_values_of_the_defaults_kind(key: str, raw: str, value: object) -> None:
    assert parse_value(key, raw) == value


@pytest.mark.parametrize(("key", "raw", "says"), [
    ("upload.answer_max_mb", "big", "takes a number"), ("upload.answer_max_mb", "-1", "cannot be negative"),
    ("exam.review_after_close", "1", "takes true or false"), ("sla.reminders", "0.5", "takes a list"),
    ("no.such.key", "1", "There is no setting no.such.key"),
])
def test_values_refused_with_a_sentence(key: str, raw: str, says: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_value(key, raw)
    assert says in refused.value.message.format(**refused.value.params)


def test_every_default_parses_as_itself() -> None:
    import json

    for key, spec in KEYS.items():
        assert parse_value(key, json.dumps(spec.default)) == spec.default
