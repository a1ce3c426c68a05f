"""Per-organization system configuration: the keys, their defaults and descriptions.

New organizations get every key seeded; a key added later reads its default until an admin sets it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import N_, Invalid
from domain.model.org import SystemConfig


@dataclass(frozen=True)
class ConfigKey:
    key: str
    default: Any
    description: str


KEYS: dict[str, ConfigKey] = {
    k.key: k
    for k in (
        ConfigKey("exam.grace_period_minutes", 5, "minutes after an attempt's duration before it is auto-submitted"),
        ConfigKey("exam.review_after_close", True, "show students the review of wrong answers only after the window"),
        ConfigKey("exam.practice_questions", 10, "quiz polls in one /practice session"),
        ConfigKey("leaderboard.size", 10, "entries on a leaderboard"),
        ConfigKey("plans.default", "Premium", "the plan of a student who has no subscription"),
        ConfigKey("upload.answer_max_mb", 5, "largest answer-sheet page a student may send (MB)"),
        ConfigKey("upload.answer_pages_max", 20, "pages of written answers a student may send for one exam"),
        ConfigKey("upload.answer_types", ["image/jpeg", "image/png", "application/pdf"], "answer-sheet file types"),
        ConfigKey("upload.sheet_max_mb", 20, "largest roster, marks or question-bank file (MB)"),
        ConfigKey("invite.ttl_days", 7, "days an invite stays valid"),
        ConfigKey("invite.max_attempts_per_hour", 10, "wrong invite codes a user may try per hour"),
        ConfigKey("parents.max_per_student", 4, "parents who may link to one student"),
        ConfigKey("sla.reminders", [0.5, 0.9], "fractions of working time at which the evaluator is reminded"),
        ConfigKey("notifications.quiet_hours", None, "default quiet hours [start, end] in local time, or none"),
        ConfigKey("attainment.threshold_pct", 60, "a student attains a CO at or above this score (%)"),
        ConfigKey("attainment.levels_pct", [50, 60, 70], "attainment % needed for levels 1, 2, 3"),
        ConfigKey("attainment.weights", {"CIE": 0.3, "SEE": 0.7}, "weights of the components in direct attainment"),
        ConfigKey("attainment.direct_weight", 0.8, "weight of direct attainment when a survey exists"),
        ConfigKey("attainment.target_level", 2, "target CO level drawn on charts"),
    )
}


async def seed(session: AsyncSession, org_id: int) -> None:
    rows = [{"org_id": org_id, "key": k.key, "value": k.default, "description": k.description} for k in KEYS.values()]
    await session.execute(insert(SystemConfig).values(rows).on_conflict_do_nothing())


async def get(session: AsyncSession, org_id: int, key: str) -> Any:
    value = (
        await session.execute(select(SystemConfig.value).where(SystemConfig.org_id == org_id, SystemConfig.key == key))
    ).scalar_one_or_none()
    if value is None:
        return KEYS[key].default
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else "nothing (null)"


def parse_value(key: str, raw: str) -> Any:
    """A setting's new value from what an operator typed (JSON, or plain text for a text setting), of
    the same kind as its default; a setting whose default is null takes null or a list."""
    if key not in KEYS:
        raise Invalid(N_("There is no setting {key}. The settings: {known}."), key=key, known=", ".join(KEYS))
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    default = KEYS[key].default
    expected = _kind(default) if default is not None else None
    wrong = _kind(value) != expected if expected is not None else value is not None and not isinstance(value, list)
    if wrong:
        raise Invalid(N_("{key} takes {kind} (its default is {default}), not {value}."), key=key,
                      kind=expected or "a list or null", default=json.dumps(default), value=raw[:60])
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise Invalid(N_("{key} cannot be negative: {value}."), key=key, value=raw[:60])
    return value


async def set_value(session: AsyncSession, org_id: int, key: str, value: Any) -> None:
    """Set one setting of an organization (in the caller's transaction)."""
    stmt = insert(SystemConfig).values(org_id=org_id, key=key, value=value, description=KEYS[key].description)
    await session.execute(stmt.on_conflict_do_update(index_elements=["org_id", "key"], set_={"value": value}))


async def all_values(session: AsyncSession, org_id: int) -> dict[str, Any]:
    """Every setting's value for the organization (the default where none is stored)."""
    stored: dict[str, Any] = dict((await session.execute(select(SystemConfig.key, SystemConfig.value).where(
        SystemConfig.org_id == org_id))).all())
    return {k: stored[k] if stored.get(k) is not None else c.default for k, c in KEYS.items()}
