"""Blueprint exams: the blueprint a teacher types, drawing each student's paper from it, and shuffling.

A blueprint says how many questions to draw of which kind, for example ``CO1:3, CO2/hard:2, SQL:4, any:1``
(see :func:`parse_blueprint`). :func:`draw` picks a paper for one student: distinct questions, each rule
getting exactly its count of questions that match it, no question serving two rules. Rules may overlap
(``CO1:2`` and ``easy:3`` both want the easy CO1 questions), so the draw is an assignment problem: a
random greedy pass, most specific rule first, and when that gets stuck an exact augmenting-path search
(a maximum flow from rules to questions) that always succeeds when the blueprint can be met at all.
:func:`check` says beforehand which rules cannot be met and how many questions they can get.

Every random choice comes from ``random.Random(seed)``: the same seed gives the same paper, so a paper
can be drawn again from its seed; :func:`permutation` shuffles questions or options the same way.
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import N_, Invalid

BANDS = ("easy", "medium", "hard")
MAX_COUNT = 200  # questions one blueprint item may ask for

EMPTY_BLUEPRINT = N_("The blueprint is empty: write items such as CO1:3, CO2/hard:2, SQL:4, any:1.")
NO_COUNT = N_("{item} has no count: write how many questions after a colon, for example CO1:3.")
BAD_COUNT = N_("In {item} the count must be a whole number from 1 to {limit}.")
NO_FILTER = N_("{item} does not say which questions: put a CO, a topic, easy, medium, hard or any before "
               "the count.")
TWO_COS = N_("{item} names two COs ({first} and {second}); one item draws from one CO.")
TWO_BANDS = N_("{item} names two difficulty levels ({first} and {second}); one item has at most one.")
SHORTAGE = N_("Not enough questions for {rule}: it asks for {wanted} and the question bank can give it "
              "{available} alongside the rest of the blueprint.")

_SEPARATORS = re.compile(r"[,;\n]")
_COUNT_SEPARATORS = ":="
_CO = re.compile(r"^co[\s_-]*(\d{1,3})$", re.IGNORECASE)
_BAND_WORDS = {"easy": "easy", "medium": "medium", "hard": "hard", "आसान": "easy", "मध्यम": "medium",
               "कठिन": "hard"}
_ANY = frozenset({"any", "*"})
_EASY_BELOW = Decimal("0.4")
_MEDIUM_BELOW = Decimal("0.7")


def difficulty_band(value: Decimal | None) -> str | None:
    """The band of a question's difficulty (0–1, higher is harder): below 0.4 easy, below 0.7 medium, else hard."""
    if value is None or not value.is_finite():
        return None
    if value < _EASY_BELOW:
        return "easy"
    return "medium" if value < _MEDIUM_BELOW else "hard"


@dataclass(frozen=True)
class PoolItem:
    """A question a paper may be drawn from, with what a rule can ask of it."""

    question_id: int
    co: str | None
    topic: str
    band: str | None


@dataclass(frozen=True)
class Rule:
    """One blueprint item: ``count`` questions matching every filter given (none given: any question).

    ``co`` matches ``CO1``, ``co1`` or ``CO 1`` alike. ``topic`` is matched ignoring case, surrounding
    spaces and repeated spaces, with ``_`` standing for a space (``Data_Models`` matches ``data models``).
    """

    count: int
    co: str | None = None
    topic: str | None = None
    band: str | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"a rule asks for at least one question, not {self.count}")
        if self.band is not None and self.band not in BANDS:
            raise ValueError(f"a band is one of {', '.join(BANDS)}, not {self.band!r}")

    def describe(self) -> str:
        """The filters as a teacher reads them: ``CO2 / hard``, ``SQL``, ``any``."""
        parts = [p for p in (self.co, self.topic, self.band) if p is not None]
        return " / ".join(parts) if parts else "any"

    def matches(self, item: PoolItem) -> bool:
        if self.co is not None and (item.co is None or _co_key(item.co) != _co_key(self.co)):
            return False
        if self.topic is not None and _topic_key(item.topic) != _topic_key(self.topic):
            return False
        return self.band is None or (item.band is not None and item.band.casefold() == self.band)


def _co_key(text: str) -> str:
    m = _CO.match(text.strip())
    return f"CO{int(m.group(1))}" if m else text.strip().casefold()


def _topic_key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


class BlueprintError(Invalid):
    """A blueprint that is malformed, or that the question bank cannot fill."""

    def __init__(self, message: str, shortages: Sequence[Shortage] = (), **params: object) -> None:
        super().__init__(message, **params)
        self.shortages = list(shortages)


def parse_blueprint(text: str) -> list[Rule]:
    """The rules of a blueprint as a teacher types it.

    Items are separated by commas, semicolons or new lines; each is ``FILTER:COUNT`` (or ``FILTER=COUNT``).
    FILTER is made of parts joined by ``/``: a CO (``CO1``, ``co 1``), a difficulty (easy, medium, hard;
    आसान, मध्यम, कठिन), ``any`` or ``*``, and anything else is the topic (``I/O`` stays one topic: the
    topic parts are joined back with ``/``). The count is a whole number from 1 to 200.
    Raises :class:`BlueprintError` naming the item that is wrong.
    """
    rules: list[Rule] = []
    for piece in _SEPARATORS.split(text):
        item = " ".join(piece.split())
        if item:
            rules.append(_parse_item(item))
    if not rules:
        raise BlueprintError(EMPTY_BLUEPRINT)
    return rules


def _parse_item(item: str) -> Rule:
    at = max(item.rfind(sep) for sep in _COUNT_SEPARATORS)
    count_text = item[at + 1:].strip() if at >= 0 else ""
    if not count_text:
        raise BlueprintError(NO_COUNT, item=item)
    if not count_text.isdecimal() or not 1 <= int(count_text) <= MAX_COUNT:
        raise BlueprintError(BAD_COUNT, item=item, limit=MAX_COUNT)
    co: str | None = None
    band: str | None = None
    topic: list[str] = []
    said = False  # any/* counts as saying which questions
    for part in (p.strip() for p in item[:at].split("/")):
        if not part:
            continue
        said = True
        word = part.casefold()
        m = _CO.match(part)
        if m:
            code = f"CO{int(m.group(1))}"
            if co is not None and code != co:
                raise BlueprintError(TWO_COS, item=item, first=co, second=code)
            co = code
        elif word in _BAND_WORDS:
            level = _BAND_WORDS[word]
            if band is not None and level != band:
                raise BlueprintError(TWO_BANDS, item=item, first=band, second=level)
            band = level
        elif word not in _ANY:
            topic.append(part)
    if not said:
        raise BlueprintError(NO_FILTER, item=item)
    return Rule(int(count_text), co, "/".join(topic) if topic else None, band)


@dataclass(frozen=True)
class Shortage:
    """A rule the pool cannot fill: it wants ``wanted`` questions and can get ``available``.

    ``available`` is the most the rule can get while the other rules take as many questions as they can;
    when it is the only shortage, lowering its count to ``available`` makes the blueprint feasible.
    """

    rule: Rule
    wanted: int
    available: int


def check(rules: Sequence[Rule], pool: Sequence[PoolItem]) -> list[Shortage]:
    """The rules that cannot be met from ``pool`` (in the blueprint's order); empty when a paper can be drawn."""
    match = _Matching(rules, pool, list(range(len(pool))))
    match.fill(range(len(rules)))
    if match.complete():
        return []
    best = match.flow()
    shortages = []
    for r, rule in enumerate(rules):
        without = match.copy()
        without.release(r)
        without.fill(o for o in range(len(rules)) if o != r)
        available = best - without.flow()
        if available < rule.count:
            shortages.append(Shortage(rule, rule.count, available))
    return shortages


def draw(rules: Sequence[Rule], pool: Sequence[PoolItem], seed: int) -> list[int]:
    """The question ids of one paper, in a shuffled order: each rule gets exactly ``count`` matching questions.

    Deterministic for a given seed (and the same rules and pool in the same order). Raises
    :class:`BlueprintError` when the pool cannot fill the blueprint (see :func:`check`).
    """
    rng = random.Random(seed)
    order = list(range(len(pool)))
    rng.shuffle(order)
    match = _Matching(rules, pool, order)
    specific_first = sorted(range(len(rules)), key=lambda r: (len(match.candidates[r]), -rules[r].count, r))
    for r in specific_first:
        match.take_free(r)
    if not match.complete():
        match.fill(specific_first)
    if not match.complete():
        shortages = check(rules, pool)
        first = shortages[0]
        raise BlueprintError(SHORTAGE, shortages, rule=first.rule.describe(), wanted=first.wanted,
                             available=first.available)
    paper = [pool[i].question_id for i in match.taken()]
    rng.shuffle(paper)
    return paper


def permutation(n: int, seed: int) -> list[int]:
    """A permutation of ``range(n)`` that depends only on ``seed`` (question or option order)."""
    if n < 0:
        raise ValueError(f"cannot permute {n} things")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order


class _Matching:
    """Questions assigned to rules: a flow from rules (capacity ``count``) to questions (capacity 1).

    ``candidates[r]`` lists the pool positions matching rule ``r`` in the order they are tried.
    :meth:`fill` augments rule by rule until each is full or stuck; a rule that finds no augmenting path
    never finds one later in the same pass (as in Kuhn's matching), so one pass gives a maximum flow.
    """

    def __init__(self, rules: Sequence[Rule], pool: Sequence[PoolItem], order: Sequence[int]) -> None:
        ids = [item.question_id for item in pool]
        if len(set(ids)) != len(ids):
            raise ValueError("the pool lists a question twice")
        self.wanted = [rule.count for rule in rules]
        self.candidates = [[i for i in order if rule.matches(pool[i])] for rule in rules]
        self.owner = [-1] * len(pool)
        self.load = [0] * len(rules)

    def copy(self) -> _Matching:
        other = object.__new__(_Matching)
        other.wanted = self.wanted
        other.candidates = self.candidates
        other.owner = list(self.owner)
        other.load = list(self.load)
        return other

    def complete(self) -> bool:
        return self.load == self.wanted

    def flow(self) -> int:
        return sum(self.load)

    def taken(self) -> list[int]:
        return [i for i, r in enumerate(self.owner) if r >= 0]

    def release(self, r: int) -> None:
        self.owner = [-1 if o == r else o for o in self.owner]
        self.load[r] = 0

    def take_free(self, r: int) -> None:
        for i in self.candidates[r]:
            if self.load[r] >= self.wanted[r]:
                return
            if self.owner[i] < 0:
                self.owner[i] = r
                self.load[r] += 1

    def fill(self, rules: Iterable[int]) -> None:
        for r in rules:
            while self.load[r] < self.wanted[r] and self._augment(r):
                pass

    def _augment(self, start: int) -> bool:
        """Give rule ``start`` one more question, moving others between rules along the way if need be."""
        came_from: dict[int, tuple[int, int]] = {start: (-1, -1)}
        queue = deque([start])
        while queue:
            r = queue.popleft()
            for i in self.candidates[r]:
                holder = self.owner[i]
                if holder < 0:
                    self._shift(came_from, r, i)
                    self.load[start] += 1
                    return True
                if holder not in came_from:
                    came_from[holder] = (r, i)
                    queue.append(holder)
        return False

    def _shift(self, came_from: dict[int, tuple[int, int]], r: int, free: int) -> None:
        """``r`` takes the free question; each rule on the path hands the question it gave up to the one before."""
        self.owner[free] = r
        while True:
            previous, question = came_from[r]
            if previous < 0:
                return
            self.owner[question] = previous
            r = previous
