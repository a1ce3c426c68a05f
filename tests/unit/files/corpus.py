"""The bad-input corpus (``tests/data/bad``) and the messy-but-valid files (``tests/data/good``).

``expected.json`` in each folder lists the cases. A bad case has ``file``, ``kind`` (roster, marks,
outcomes, questions or holidays), ``mistake`` (what the teacher did), ``checked_by``, and either ``refused`` (the
``FileUnreadable`` subclass :func:`~domain.files.table.read_table` raises and part of its sentence)
or ``problems`` (row as Excel shows it, column as the header spells it or null, and a distinctive
part of the English sentence) with ``detected`` (what :func:`~domain.files.detect.detect_kind` must
say). Roster cases carry ``options`` for ``parse_roster``, question bank cases ``options`` for
``parse_questions`` (``known_cos``, ``irt_metric``) when they need any, holidays cases ``options`` with
``today`` (ISO), the day ``parse_holidays`` counts its window of dates from (:func:`holidays_options`
reads it); marks cases carry ``context``
(the course's USNs, its COs, whether the assessment's questions exist and, when they do,
``existing_items``: label → [max, CO]) for ``parse_marks``; :func:`marks_options` turns it into
keyword arguments.

A case with ``generate`` has no file: :func:`case_bytes` makes it (the 21 MB files), so the
repository stays small.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"


@dataclass(frozen=True)
class Case:
    file: str
    kind: str
    spec: dict[str, Any]
    folder: Path

    @property
    def name(self) -> str:
        return Path(self.file).name

    @property
    def refused(self) -> dict[str, str] | None:
        return self.spec.get("refused")

    @property
    def problems(self) -> list[dict[str, Any]]:
        return list(self.spec.get("problems", []))

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.spec.get("options", {}))

    @property
    def context(self) -> dict[str, Any]:
        return dict(self.spec.get("context", {}))

    def data(self) -> bytes:
        return case_bytes(self)

    def __str__(self) -> str:  # pytest ids
        return self.file


def _load(folder: Path) -> list[Case]:
    spec = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return [Case(c["file"], c["kind"], c, folder) for c in spec["cases"]]


@cache
def bad_cases() -> tuple[Case, ...]:
    return tuple(_load(BAD))


@cache
def good_cases() -> tuple[Case, ...]:
    return tuple(_load(GOOD))


def cases(kind: str | None = None, *, refused: bool | None = None) -> list[Case]:
    """Bad cases of one kind; ``refused=True`` only file-level refusals, ``False`` only row problems."""
    out = [c for c in bad_cases() if kind is None or c.kind == kind]
    if refused is not None:
        out = [c for c in out if (c.refused is not None) == refused]
    return out


def good(kind: str) -> list[Case]:
    """The messy-but-valid cases of one kind."""
    return [c for c in good_cases() if c.kind == kind]


def marks_options(case: Case) -> dict[str, Any]:
    """``parse_marks`` keyword arguments from a marks case's ``context`` (student ids number the USNs from 1)."""
    context = case.context
    existing = context.get("existing_items")
    assert (existing is not None) == context["questions_exist"], case.file
    return {
        "known_usns": {usn: i for i, usn in enumerate(context["known_usns"], start=1)},
        "known_cos": list(context["course_cos"]),
        "existing_items": None if existing is None else {k: (Decimal(v[0]), v[1]) for k, v in existing.items()},
    }


def holidays_options(case: Case) -> dict[str, Any]:
    """``parse_holidays`` keyword arguments from a holidays case's ``options`` (``today`` as a date)."""
    return {"today": dt.date.fromisoformat(case.options["today"])}


def case_bytes(case: Case) -> bytes:
    recipe = case.spec.get("generate")
    if recipe is None:
        return (case.folder / case.file).read_bytes()
    return generate(recipe["header"], recipe["line"], recipe["size"])


def generate(header: str, line: str, size: int) -> bytes:
    """A CSV of at least ``size`` bytes: the header, then ``line`` formatted with n = 1, 2, …"""
    parts = [header.encode() + b"\r\n"]
    total = len(parts[0])
    n = 0
    while total < size:
        n += 1
        chunk = "".join(line.format(n=n * 1000 + i) + "\r\n" for i in range(1000)).encode()
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)
