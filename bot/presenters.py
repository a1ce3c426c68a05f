"""Attainment and marks as Telegram HTML in the reader's language: the CO/PO report, a paper's Bloom levels,
a student's CO profile (``/progress``), and the message sent when marks are published.

Tables are ``<pre>`` blocks at most about 34 characters wide, so columns stay aligned on a phone.
Numbers read the same everywhere: levels as integers, attainments with two decimals, percentages as
whole numbers — cut, not rounded, where they are compared with a threshold ("at or above"), so that
59.9 % never shows as 60 % next to a threshold of 60 it missed. Every word goes through
:func:`bot.i18n.translate`; values are escaped. A text may exceed one message for very large courses:
:func:`pieces` splits it without breaking a ``<pre>`` block.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from bot.i18n import translate
from domain.attainment import COMPONENTS, PCT_PLACES, AttainmentResult, CoResult, q
from domain.errors import N_
from domain.render import TELEGRAM_TEXT_LIMIT, esc, split_text, utf16_len

PO_PER_LINE = 3
BAR_CELLS = 10  # a 100 % share of marks is this many blocks wide

# ---- message ids ---------------------------------------------------------------------------------

ABSENT = N_("absent")
MARKS_HEADLINE = N_("Marks of {assessment} ({course}) for {name}: {total}/{max} — class average {avg}/{max}")
MARKS_HEADLINE_NO_AVERAGE = N_("Marks of {assessment} ({course}) for {name}: {total}/{max}")
MARKS_HEADLINE_ABSENT = N_("Marks of {assessment} ({course}) for {name}: absent — class average {avg}/{max}")
MARKS_HEADLINE_ABSENT_NO_AVERAGE = N_("Marks of {assessment} ({course}) for {name}: absent")
QUESTION_MARKS = N_("{question}: {marks}/{max}")
QUESTION_ABSENT = N_("{question}: absent")

BLOOM_LEVELS = {
    1: N_("Remember"),
    2: N_("Understand"),
    3: N_("Apply"),
    4: N_("Analyse"),
    5: N_("Evaluate"),
    6: N_("Create"),
}

# Column heads of the CO table (short: the table must fit a phone) and the legend that explains them.
_LEVEL = N_("L")
_DIRECT = N_("Dir")
_INDIRECT = N_("Ind")
_FINAL = N_("Fin")


# ---- rows the callers hand in --------------------------------------------------------------------


class BloomLevel(Protocol):
    """One Bloom level of a paper (``domain.services.attainment.BloomShare`` is one)."""

    @property
    def bloom(self) -> int | None: ...  # 1 Remember … 6 Create; None: the items' CO is not a course outcome

    @property
    def items(self) -> int: ...

    @property
    def share_pct(self) -> Decimal: ...  # of the paper's marks, 0–100


@dataclass(frozen=True)
class BloomRow:
    bloom: int | None
    items: int
    share_pct: Decimal


class ProfileRow(Protocol):
    """A student's score on one CO in one component (``domain.services.attainment.StudentScore`` is one).

    Absent for all of the CO's items in the component: ``marks``, ``pct`` and ``at_threshold`` are None.
    """

    @property
    def co(self) -> str: ...

    @property
    def component(self) -> str: ...

    @property
    def marks(self) -> Decimal | None: ...  # obtained

    @property
    def max_marks(self) -> Decimal: ...  # maximum of the items the student was present for

    @property
    def pct(self) -> Decimal | None: ...  # score %

    @property
    def at_threshold(self) -> bool | None: ...  # met: the score is at or above the threshold


@dataclass(frozen=True)
class ProfileScore:
    co: str
    component: str
    marks: Decimal | None
    max_marks: Decimal
    pct: Decimal | None
    at_threshold: bool | None


@dataclass(frozen=True)
class QuestionMark:
    """A student's marks on one question of a published assessment; ``marks`` is ``None`` when absent."""

    label: str
    marks: Decimal | None
    max_marks: Decimal


# ---- the attainment report -----------------------------------------------------------------------


def attainment_text(result: AttainmentResult, course_label: str, language: str) -> str:
    """The CO table, the mapped POs/PSOs, the parameters in one line, and which COs miss the target."""
    p = result.params
    lines = [translate(N_("<b>CO attainment of {course}</b>"), language, course=course_label)]
    if not result.cos:
        lines.append(translate(N_("This course has no course outcomes yet."), language))
        return "\n".join(lines)
    if result.surveyed:
        lines.append(translate(N_("{students} students with marks. Final = {direct} × direct + {indirect} × exit "
                                  "survey."), language, students=result.students, direct=_num(p.direct_weight),
                               indirect=_num(1 - p.direct_weight)))
    else:
        lines.append(translate(N_("{students} students with marks. No exit survey yet, so final = direct."),
                               language, students=result.students))
    lines.append("")
    lines.extend(_co_table(result, language))
    level, direct, indirect, final = (translate(m, language) for m in (_LEVEL, _DIRECT, _INDIRECT, _FINAL))
    if result.surveyed:
        lines.append(translate(N_("%: students at or above {threshold}%, {level}: level, {direct}: direct, "
                                  "{indirect}: indirect (exit survey), {final}: final."), language,
                               threshold=_num(p.threshold_pct), level=level, direct=direct, indirect=indirect,
                               final=final))
    else:
        lines.append(translate(N_("%: students at or above {threshold}%, {level}: level, {final}: final."),
                               language, threshold=_num(p.threshold_pct), level=level, final=final))
    lines.append("")
    lines.extend(_po_block(result, language))
    lines.append("")
    weights = ", ".join(f"{c} {_num(w)}" for c, w in p.weights.items())
    lines.append(translate(N_("Threshold {threshold}%; levels 1/2/3 from {l1}/{l2}/{l3}%; weights {weights}; "
                              "target level {target}."), language, threshold=_num(p.threshold_pct),
                           l1=_num(p.levels_pct[0]), l2=_num(p.levels_pct[1]), l3=_num(p.levels_pct[2]),
                           weights=weights, target=_num(p.target_level)))
    below = [co.code for co in result.cos if co.final is not None and co.final < p.target_level]
    unassessed = [co.code for co in result.cos if co.final is None]
    if below:
        lines.append(translate(N_("Below the target level {target}: {cos}."), language, target=_num(p.target_level),
                               cos=", ".join(below)))
    elif len(unassessed) < len(result.cos):
        lines.append(translate(N_("Every assessed CO reaches the target level {target}."), language,
                               target=_num(p.target_level)))
    if unassessed:
        lines.append(translate(N_("Not assessed yet (no marks): {cos}."), language, cos=", ".join(unassessed)))
    return "\n".join(lines)


def co_chart_caption(result: AttainmentResult, course_label: str, language: str) -> str:
    """The caption of the CO chart's photo (the chart itself is labelled in English)."""
    return translate(N_("CO attainment of {course}: CIE and SEE levels and the final value against the target "
                        "level {target}."), language, course=course_label, target=_num(result.params.target_level))


def po_chart_caption(course_label: str, language: str) -> str:
    """The caption of the PO/PSO chart's photo."""
    return translate(N_("PO and PSO attainment of {course}; grey: not mapped to a CO of the course, or no marks "
                        "yet."), language, course=course_label)


def workbook_caption(course_label: str, language: str) -> str:
    """The caption of the attainment spreadsheet."""
    return translate(N_("Every number of the attainment of {course}, step by step, so the arithmetic can be "
                        "checked by hand."), language, course=course_label)


def _components(result: AttainmentResult) -> list[str]:
    present = {c for co in result.cos for c in co.components}
    return [c for c in COMPONENTS if c in present] + sorted(present - set(COMPONENTS))


def _co_table(result: AttainmentResult, language: str) -> list[str]:
    components = _components(result)
    level = translate(_LEVEL, language)
    head = ["CO"] + ["%", level] * len(components)
    tail = [_DIRECT, _INDIRECT, _FINAL] if result.surveyed else [_FINAL]
    head += [translate(m, language) for m in tail]
    rows = [head] + [_co_cells(co, components, result.surveyed) for co in result.cos]
    wide = frozenset([*range(1, 1 + 2 * len(components), 2), 1 + 2 * len(components)])  # between the groups
    aligned = _align(rows, left=1, wide=wide)
    # A first header line naming each component above its "% L" pair.
    starts = _starts(rows, wide)
    top = ""
    for n, comp in enumerate(components):
        start = starts[1 + 2 * n]
        top = top + " " * max(start - _width(top), 1 if top else 0) + comp
    return ["<pre>" + esc(top)] + [esc(line) for line in aligned[:-1]] + [esc(aligned[-1]) + "</pre>"]


def _co_cells(co: CoResult, components: Sequence[str], surveyed: bool) -> list[str]:
    cells = [co.code]
    for comp in components:
        part = co.components.get(comp)
        cells += [_pct(part.pct), str(part.level)] if part else ["-", "-"]
    values = [co.direct, co.indirect, co.final] if surveyed else [co.final]
    return cells + [_att(v) if v is not None else "-" for v in values]


def _po_block(result: AttainmentResult, language: str) -> list[str]:
    mapped = [po for po in result.pos if po.mapped]
    if not mapped:
        return [translate(N_("No PO or PSO is mapped to this course's COs yet."), language)]
    cells = [(po.code, _att(po.value) if po.value is not None else "-") for po in mapped]
    code_width = max(_width(c) for c, _ in cells)
    value_width = max(len(v) for _, v in cells)
    entries = [f"{_ljust(c, code_width)} {v.rjust(value_width)}" for c, v in cells]
    lines = ["  ".join(entries[i:i + PO_PER_LINE]) for i in range(0, len(entries), PO_PER_LINE)]
    body = [esc(line) for line in lines]
    body[0] = "<pre>" + body[0]
    body[-1] += "</pre>"
    return [translate(N_("<b>PO and PSO attainment</b>"), language), *body]


# ---- the Bloom distribution of a paper -----------------------------------------------------------


def bloom_text(rows: Sequence[BloomLevel], assessment: str, language: str) -> str:
    """Items and share of marks per Bloom level (1 Remember … 6 Create), with the higher-order share.

    A row without a level (items whose CO is not among the course's outcomes) is shown as "?".
    """
    head = translate(N_("<b>Bloom levels of {assessment}</b>"), language, assessment=assessment)
    if not any(r.items for r in rows):
        return head + "\n" + translate(N_("{assessment} has no questions yet."), language, assessment=assessment)
    by_level = {r.bloom: r for r in rows}
    table = [["", translate(N_("Level"), language), translate(N_("Items"), language),
              translate(N_("Marks"), language)]]
    bars = [""]
    levels: list[int | None] = list(BLOOM_LEVELS)
    if by_level.get(None) is not None and by_level[None].items:
        levels.append(None)
    for level in levels:
        row = by_level.get(level)
        items, share = (row.items, row.share_pct) if row else (0, Decimal(0))
        name = translate(BLOOM_LEVELS[level], language) if level is not None else translate(
            N_("CO unknown"), language)
        table.append(["?" if level is None else str(level), name, str(items), _share(share) + "%"])
        bars.append("█" * int((share * BAR_CELLS / 100).to_integral_value(ROUND_HALF_UP)) if share > 0 else "")
    aligned = [f"{line} {bar}".rstrip() for line, bar in zip(_align(table, left=2), bars, strict=True)]
    higher = sum((by_level[lv].share_pct for lv in (4, 5, 6) if lv in by_level), Decimal(0))
    return "\n".join([
        head,
        "<pre>" + "\n".join(esc(line) for line in aligned) + "</pre>",
        translate(N_("Higher-order levels (Analyse, Evaluate, Create): {share}% of the marks."), language,
                  share=_share(higher)),
    ])


# ---- one student's CO profile (/progress) --------------------------------------------------------


def profile_text(course_label: str, rows: Sequence[ProfileRow], language: str, *,
                 threshold: Decimal | None = None, name: str | None = None) -> str:
    """Per CO and component: marks, score % and whether it is at or above the threshold (✔) or not (✘)."""
    if name:
        head = translate(N_("<b>{name}</b> in {course}: score per course outcome"), language, name=name,
                         course=course_label)
    else:
        head = translate(N_("<b>{course}</b>: score per course outcome"), language, course=course_label)
    if not rows:
        return head + "\n" + translate(N_("No marks yet."), language)
    absent = translate(ABSENT, language)
    table = []
    for r in sorted(rows, key=lambda r: (_co_order(r.co), _component_order(r.component))):
        if r.pct is None or r.marks is None or not r.max_marks:
            table.append([r.co, r.component, absent, "", ""])
        else:
            table.append([r.co, r.component, f"{_num(r.marks)}/{_num(r.max_marks)}", _pct(r.pct) + "%",
                          "✔" if r.at_threshold else "✘"])
    aligned = [line.rstrip() for line in _align(table, left=2)]
    if threshold is not None:
        legend = translate(N_("✔ at or above the threshold of {threshold}%, ✘ below it."), language,
                           threshold=_num(threshold))
    else:
        legend = translate(N_("✔ at or above the threshold, ✘ below it."), language)
    return "\n".join([head, "<pre>" + "\n".join(esc(line) for line in aligned) + "</pre>", legend])


def _co_order(code: str) -> tuple[int, str]:
    digits = code[2:] if code[:2].upper() == "CO" else ""
    return (int(digits), code) if digits.isdigit() else (10**6, code)


def _component_order(component: str) -> tuple[int, str]:
    return (COMPONENTS.index(component), "") if component in COMPONENTS else (len(COMPONENTS), component)


# ---- marks published ------------------------------------------------------------------------------


def marks_message(*, assessment: str, course: str, name: str, questions: Sequence[QuestionMark],
                  class_average: Decimal | None, language: str) -> str:
    """What a student or parent is told when marks are published: the total, the class average, each question."""
    maximum = sum((item.max_marks for item in questions), Decimal(0))
    present = [item.marks for item in questions if item.marks is not None]
    values = {"assessment": assessment, "course": course, "name": name, "max": _num(maximum)}
    if class_average is not None:
        values["avg"] = _num(q(class_average, PCT_PLACES))
    if present:
        values["total"] = _num(sum(present, Decimal(0)))
        message = MARKS_HEADLINE if class_average is not None else MARKS_HEADLINE_NO_AVERAGE
    else:
        message = MARKS_HEADLINE_ABSENT if class_average is not None else MARKS_HEADLINE_ABSENT_NO_AVERAGE
    lines = [translate(message, language, **values)]
    for item in questions:
        if item.marks is None:
            lines.append("• " + translate(QUESTION_ABSENT, language, question=item.label))
        else:
            lines.append("• " + translate(QUESTION_MARKS, language, question=item.label, marks=_num(item.marks),
                                          max=_num(item.max_marks)))
    return "\n".join(lines)


def _marks_from_params(params: dict[str, Any], language: str) -> str:
    """``marks_message`` from a publishing notification's params (values stored as JSON strings)."""
    def dec(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    questions = [QuestionMark(str(label), dec(marks), dec(mx) or Decimal(0))
                 for label, marks, mx in params.get("questions", [])]
    return marks_message(assessment=str(params["assessment"]), course=str(params["course"]),
                         name=str(params["name"]), questions=questions, class_average=dec(params.get("average")),
                         language=language)


#: Messages built when sent, in the reader's language (``domain.notify.RENDER``): name → (params, language) → text.
RENDERERS: dict[str, Callable[[dict[str, Any], str], str]] = {"marks": _marks_from_params}


# ---- Telegram-sized pieces -----------------------------------------------------------------------


def pieces(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """``text`` in messages of at most ``limit`` UTF-16 units, cut between lines; a ``<pre>`` block cut in
    two is closed at the end of one piece and opened again at the start of the next."""
    if utf16_len(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    current, inside = "", False  # inside: a <pre> is open at the end of ``current``
    for line in text.split("\n"):
        after = _pre_open_after(inside, line)
        candidate = line if not current else current + "\n" + line
        if utf16_len(candidate) + (len("</pre>") if after else 0) <= limit:
            current, inside = candidate, after
            continue
        if current:
            out.append(current + ("</pre>" if inside else ""))
        current = ("<pre>" if inside else "") + line
        inside = after
        if utf16_len(current) + (len("</pre>") if inside else 0) > limit:  # one line too long: plain cut
            *whole, current = split_text(current, limit - len("</pre>"))
            out.extend(whole)
    if current.strip() and current != "<pre>":
        out.append(current + ("</pre>" if inside else ""))
    return out


def _pre_open_after(inside: bool, line: str) -> bool:
    opened, closed = line.rfind("<pre>"), line.rfind("</pre>")
    if opened == closed == -1:
        return inside
    return opened > closed


# ---- formatting ----------------------------------------------------------------------------------


def _num(value: Decimal | int) -> str:
    """A parameter or a mark as typed: ``60``, ``0.3``, ``17.5`` (no trailing zeros, no exponent)."""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _att(value: Decimal) -> str:
    """An attainment (0–3) with two decimals, rounded half-up."""
    return f"{q(value, PCT_PLACES):f}"


def _pct(value: Decimal) -> str:
    """A percentage compared with a threshold: whole, cut (never rounded up past the threshold)."""
    return f"{value.quantize(Decimal(1), rounding=ROUND_DOWN):f}"


def _share(value: Decimal) -> str:
    """A share of marks: a whole percentage, rounded half-up."""
    return f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):f}"


def _width(text: str) -> int:
    """Cells a string takes in a monospace font: combining marks (Devanagari vowel signs, virama) take none."""
    return sum(0 if unicodedata.category(ch) in ("Mn", "Me", "Cf") else 1 for ch in text)


def _ljust(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _rjust(text: str, width: int) -> str:
    return " " * max(width - _width(text), 0) + text


def _column_widths(rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]


def _starts(rows: Sequence[Sequence[str]], wide: frozenset[int] = frozenset()) -> list[int]:
    """Where each column starts in the lines of :func:`_align`."""
    starts, at = [], 0
    for i, width in enumerate(_column_widths(rows)):
        at += (2 if i in wide else 1) if i else 0
        starts.append(at)
        at += width
    return starts


def _align(rows: Sequence[Sequence[str]], *, left: int, wide: frozenset[int] = frozenset()) -> list[str]:
    """Rows as lines of columns one space apart (two before the columns in ``wide``): the first ``left``
    columns flush left, the others flush right."""
    widths = _column_widths(rows)
    lines = []
    for row in rows:
        line = ""
        for i, cell in enumerate(row):
            if i:
                line += "  " if i in wide else " "
            line += _ljust(cell, widths[i]) if i < left else _rjust(cell, widths[i])
        lines.append(line)
    return lines
