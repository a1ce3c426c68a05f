"""Splitting long messages into Telegram-sized pieces, and escaping."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.render import esc, split_text, utf16_len


def test_short_text_is_one_piece() -> None:
    assert split_text("hello") == ["hello"]
    assert split_text("") == []


def test_splits_on_line_boundaries() -> None:
    lines = [f"line {i:04d} " + "x" * 40 for i in range(300)]
    pieces = split_text("\n".join(lines))
    assert len(pieces) > 1
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces).split("\n") == lines  # no line was cut


def test_counts_utf16_units_like_telegram() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units, 3000 code points
    pieces = split_text(text)
    assert len(pieces) == 2
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert "".join(pieces) == text


@given(st.lists(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300), max_size=60),
       st.integers(min_value=20, max_value=500))
def test_pieces_fit_and_keep_every_word(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    pieces = split_text(text, limit)
    assert all(0 < utf16_len(p) <= limit for p in pieces)
    assert "".join(text.split()) == "".join("".join(pieces).split())


def test_escape() -> None:
    assert esc("<b>Rao & Sons</b>") == "&lt;b&gt;Rao &amp; Sons&lt;/b&gt;"
