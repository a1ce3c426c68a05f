"""Course-outcome and program-outcome attainment, as PRODUCT.md defines it — the types, the parameters,
and a plain-Python reference implementation.

The product computes attainment in SQL over the marks (``domain.services.attainment``); this module
is the readable definition the SQL is tested against, number for number.

1. A student's score on a CO in a component = marks on that CO's items ÷ the maximum of the items
   they were present for. Absent for all of them: left out of that CO.
2. CO attainment % = students scoring at or above the threshold ÷ students counted.
3. Level 3, 2, 1 at or above the level bands (default 70, 60, 50 %), else 0.
4. Direct = w_CIE·level_CIE + w_SEE·level_SEE; when one component has no data the other weighs 1.
5. Indirect = mean exit-survey rating (1–3). Final = 0.8·direct + 0.2·indirect when rated, else direct.
6. PO/PSO = Σ(final CO × correlation) ÷ Σ correlation over the COs mapped to it that have a final value.

Comparisons are exact (rationals); derived values are rounded half-up to ``PLACES`` decimals where
stated, so the SQL and this reference agree to the last digit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

COMPONENTS = ("CIE", "SEE")
PLACES = Decimal("0.0001")
PCT_PLACES = Decimal("0.01")


def q(value: Fraction | Decimal, places: Decimal = PLACES) -> Decimal:
    """Round half-up (as PostgreSQL's ``round(numeric, n)`` does for positive numbers)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(places, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Params:
    threshold_pct: Decimal = Decimal(60)
    levels_pct: tuple[Decimal, Decimal, Decimal] = (Decimal(50), Decimal(60), Decimal(70))  # levels 1, 2, 3
    weights: Mapping[str, Decimal] = field(default_factory=lambda: {"CIE": Decimal("0.3"), "SEE": Decimal("0.7")})
    direct_weight: Decimal = Decimal("0.8")
    target_level: Decimal = Decimal(2)

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> Params:
        """From the organization's settings (``attainment.*`` system config keys)."""
        levels = [Decimal(str(v)) for v in values.get("attainment.levels_pct", [50, 60, 70])]
        weights = {k: Decimal(str(v)) for k, v in values.get("attainment.weights", {"CIE": 0.3, "SEE": 0.7}).items()}
        return cls(
            threshold_pct=Decimal(str(values.get("attainment.threshold_pct", 60))),
            levels_pct=(levels[0], levels[1], levels[2]),
            weights=weights,
            direct_weight=Decimal(str(values.get("attainment.direct_weight", 0.8))),
            target_level=Decimal(str(values.get("attainment.target_level", 2))),
        )

    def as_json(self) -> dict[str, Any]:
        return {"threshold_pct": str(self.threshold_pct), "levels_pct": [str(v) for v in self.levels_pct],
                "weights": {k: str(v) for k, v in self.weights.items()}, "direct_weight": str(self.direct_weight),
                "target_level": str(self.target_level)}


def level_for(at_threshold: int, counted: int, levels_pct: Sequence[Decimal]) -> int:
    """The level for ``at_threshold`` of ``counted`` students: "at or above" each band, exactly."""
    level = 0
    for n, band in enumerate(levels_pct, start=1):
        if Fraction(at_threshold * 100, counted) >= Fraction(band):
            level = n
    return level


@dataclass(frozen=True)
class ComponentResult:
    component: str
    students: int  # counted: present for at least one of the CO's items
    at_threshold: int
    pct: Decimal  # rounded to 0.01
    level: int


@dataclass(frozen=True)
class CoResult:
    code: str
    description: str
    bloom: int
    components: dict[str, ComponentResult]
    direct: Decimal | None
    indirect: Decimal | None  # mean rating, rounded
    final: Decimal | None  # rounded


@dataclass(frozen=True)
class PoResult:
    code: str
    name: str
    kind: str  # PO or PSO
    value: Decimal | None  # rounded
    mapped: tuple[tuple[str, int], ...]  # (CO code, correlation)


@dataclass(frozen=True)
class AttainmentResult:
    course_id: int
    params: Params
    cos: list[CoResult]
    pos: list[PoResult]
    students: int  # distinct students with any mark in the course
    surveyed: bool

    def co(self, code: str) -> CoResult:
        return next(c for c in self.cos if c.code == code)

    def po(self, code: str) -> PoResult:
        return next(p for p in self.pos if p.code == code)


# ---- the reference implementation -----------------------------------------------------------------


@dataclass(frozen=True)
class MarkRow:
    student: int
    component: str
    co: str
    marks: Decimal | None  # None: absent
    max_marks: Decimal


@dataclass(frozen=True)
class Outcome:
    code: str
    description: str = ""
    bloom: int = 1


@dataclass(frozen=True)
class Program:
    code: str
    name: str = ""
    kind: str = "PO"


def reference(
    course_id: int,
    marks: Iterable[MarkRow],
    outcomes: Sequence[Outcome],
    programs: Sequence[Program],
    mapping: Mapping[tuple[str, str], int],  # (CO code, PO code) → correlation 1–3
    ratings: Mapping[str, Sequence[int]],  # CO code → survey ratings
    params: Params,
) -> AttainmentResult:
    got: dict[tuple[str, str, int], Fraction] = defaultdict(Fraction)
    out_of: dict[tuple[str, str, int], Fraction] = defaultdict(Fraction)
    students: set[int] = set()
    for m in marks:
        students.add(m.student)
        if m.marks is None:
            continue
        key = (m.co, m.component, m.student)
        got[key] += Fraction(m.marks)
        out_of[key] += Fraction(m.max_marks)
    threshold = Fraction(params.threshold_pct)
    cos: list[CoResult] = []
    finals: dict[str, Decimal] = {}
    for o in outcomes:
        comps: dict[str, ComponentResult] = {}
        for comp in COMPONENTS:
            scores = [got[k] / out_of[k] for k in out_of if k[0] == o.code and k[1] == comp and out_of[k] > 0]
            if not scores:
                continue
            at = sum(1 for s in scores if s * 100 >= threshold)
            comps[comp] = ComponentResult(comp, len(scores), at, q(Fraction(at * 100, len(scores)), PCT_PLACES),
                                          level_for(at, len(scores), params.levels_pct))
        direct: Decimal | None = None
        if comps:
            if len(comps) == len(COMPONENTS):
                direct = sum((params.weights[c] * comps[c].level for c in COMPONENTS), Decimal(0))
            else:
                direct = Decimal(next(iter(comps.values())).level)
        rated = ratings.get(o.code) or []
        indirect = q(Fraction(sum(rated), len(rated))) if rated else None
        final: Decimal | None = None
        if direct is not None:
            final = q(params.direct_weight * direct + (1 - params.direct_weight) * indirect) \
                if indirect is not None else q(direct)
            finals[o.code] = final
        cos.append(CoResult(o.code, o.description, o.bloom, comps, direct, indirect, final))
    pos: list[PoResult] = []
    for p in programs:
        mapped = tuple((o.code, mapping[(o.code, p.code)]) for o in outcomes if (o.code, p.code) in mapping)
        counted = [(finals[c], w) for c, w in mapped if c in finals]
        value = q(sum((Fraction(f) * w for f, w in counted), Fraction(0)) / sum(w for _, w in counted)) \
            if counted else None
        pos.append(PoResult(p.code, p.name, p.kind, value, mapped))
    return AttainmentResult(course_id, params, cos, pos, len(students), any(ratings.get(o.code) for o in outcomes))
