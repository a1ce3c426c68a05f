"""The arithmetic of the Telegram limiter (``workers.limiter.decide``), without Redis.

The Lua script is checked against this function in ``tests/integration/test_telegram_sender.py``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.limiter import MICROS, Rule, decide

T = MICROS // 30  # 30 a second
GLOBAL = Rule.per_second(30, burst=2)
CHAT = Rule.per_second(1)
GROUP = Rule.per_second(20 / 60)
NOW = 1_000 * MICROS


def rules_for(chat: int) -> list[Rule]:
    return [GLOBAL, CHAT] + ([GROUP] if chat < 0 else [])


def keys_for(chat: int) -> list[str]:
    return ["global", f"chat:{chat}"] + ([f"group:{chat}"] if chat < 0 else [])


def test_rules_from_rates() -> None:
    assert Rule(33_333, 33_333) == GLOBAL
    assert Rule(MICROS, 0) == CHAT
    assert Rule(3 * MICROS, 0) == GROUP


def test_simultaneous_requests_are_queued_one_interval_apart() -> None:
    tats: list[int | None] = [None]
    delays = []
    for _ in range(5):
        d = decide(NOW, tats, [GLOBAL], horizon_us=60 * MICROS)
        assert d.granted
        delays.append(d.delay_us)
        tats = list(d.tats)
    assert delays == [0, 0, GLOBAL.interval_us, 2 * GLOBAL.interval_us, 3 * GLOBAL.interval_us]


def test_without_horizon_a_request_is_granted_now_or_told_to_wait() -> None:
    first = decide(NOW, [None], [GLOBAL], 0)
    second = decide(NOW, list(first.tats), [GLOBAL], 0)
    third = decide(NOW, list(second.tats), [GLOBAL], 0)
    assert (first.granted, second.granted, third.granted) == (True, True, False)
    assert third.delay_us == GLOBAL.interval_us and third.tats == second.tats, "a refusal takes nothing"


def test_a_busy_chat_takes_no_global_slot() -> None:
    sent = decide(NOW, [None, None], [GLOBAL, CHAT], 60 * MICROS)
    again = decide(NOW + 1000, list(sent.tats), [GLOBAL, CHAT], 60 * MICROS)
    assert not again.granted and again.delay_us == MICROS - 1000
    assert again.tats[0] == sent.tats[0], "the overall queue did not move"


def test_a_chat_waiting_behind_the_global_queue_is_not_delayed_further() -> None:
    queue_end = NOW + 5 * MICROS
    d = decide(NOW, [queue_end, NOW + MICROS], [GLOBAL, CHAT], 60 * MICROS)
    assert d.granted and d.delay_us == queue_end - GLOBAL.tolerance_us - NOW
    assert d.tats == (queue_end + GLOBAL.interval_us, NOW + d.delay_us + MICROS)


def test_beyond_the_horizon_the_wait_is_until_the_slot_is_within_it() -> None:
    d = decide(NOW, [NOW + 10 * MICROS], [GLOBAL], horizon_us=2 * MICROS)
    assert not d.granted and d.delay_us == 10 * MICROS - GLOBAL.tolerance_us - 2 * MICROS


def test_groups_get_twenty_a_minute() -> None:
    tats: list[int | None] = [None, None, None]
    now = NOW
    sent: list[int] = []
    while len(sent) < 4:
        d = decide(now, tats, rules_for(-5), 0)
        if d.granted:
            sent.append(now)
            tats = list(d.tats)
        else:
            now += d.delay_us
    assert [b - a for a, b in itertools.pairwise(sent)] == [3 * MICROS] * 3


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="one TAT"):
        decide(NOW, [], [], 0)


requests = st.lists(
    st.tuples(
        st.integers(0, 400_000),  # µs since the previous request
        st.sampled_from([1, 2, 3, -7, -8]),  # chat
        st.sampled_from([0, 0, 500_000, 60 * MICROS]),  # horizon
    ),
    min_size=1,
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(requests)
def test_no_rule_is_ever_exceeded(reqs: list[tuple[int, int, int]]) -> None:
    """Whatever the traffic, granted send times respect every rule's GCRA bound."""
    state: dict[str, int] = {}
    sends: dict[str, list[int]] = defaultdict(list)
    now = NOW
    for gap, chat, horizon in reqs:
        now += gap
        keys, rules = keys_for(chat), rules_for(chat)
        before = [state.get(k) for k in keys]
        d = decide(now, before, rules, horizon)
        assert d.delay_us >= 0
        if not d.granted:
            assert d.delay_us > 0 and d.tats == tuple(max(now, t or 0) for t in before)
            later, retry = now, d
            for _ in range(3):  # without other traffic, waiting as told gets the slot soon
                later += retry.delay_us
                retry = decide(later, before, rules, horizon)
                if retry.granted:
                    break
            assert retry.granted
            continue
        assert d.delay_us <= horizon
        state.update(zip(keys, d.tats, strict=True))
        for key in keys:
            sends[key].append(now + d.delay_us)
    for key, times in sends.items():
        rule = GLOBAL if key == "global" else GROUP if key.startswith("group") else CHAT
        times.sort()
        # GCRA's bound: messages i < j are at least (j - i) intervals minus the tolerance apart,
        # i.e. t_j - j·interval >= max over i < j of (t_i - i·interval) - tolerance
        highest = None
        for j, t in enumerate(times):
            shifted = t - j * rule.interval_us
            if highest is not None:
                assert shifted >= highest - rule.tolerance_us, key
            highest = shifted if highest is None else max(highest, shifted)
