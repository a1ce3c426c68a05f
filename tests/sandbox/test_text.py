"""Telegram's HTML and MarkdownV2 parse modes: entities with UTF-16 offsets and TDLib's refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.errors import ApiError
from sandbox.html import escape, parse_html
from sandbox.markdown import parse_markdown, parse_markdown_v2
from sandbox.text import ParseError, detect_entities, format_text, utf16_len


def test_basic_tags_become_entities() -> None:
    text, entities = parse_html("<b>bold</b> and <i>it</i>, <u>u</u> <s>s</s> <code>c</code>")
    assert text == "bold and it, u s c"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 9, "length": 2},
        {"type": "underline", "offset": 13, "length": 1},
        {"type": "strikethrough", "offset": 15, "length": 1},
        {"type": "code", "offset": 17, "length": 1},
    ]


def test_offsets_are_utf16_code_units() -> None:
    text, entities = parse_html("😀 é <b>x</b> 𝄞<i>y</i>")
    assert text == "😀 é x 𝄞y"
    assert entities == [{"type": "bold", "offset": 5, "length": 1}, {"type": "italic", "offset": 9, "length": 1}]
    assert utf16_len("😀") == 2


def test_aliases_case_and_nesting_order() -> None:
    text, entities = parse_html("<B><em>x</em></B><strong>y</strong><ins>z</ins><del>w</del><strike>v</strike>")
    assert text == "xyzwv"
    assert [e["type"] for e in entities] == ["bold", "italic", "bold", "underline", "strikethrough", "strikethrough"]


def test_character_references() -> None:
    text, entities = parse_html("&lt;&gt;&amp;&quot;&#65;&#x42; &nbsp; & x &copy")
    assert text == '<>&"AB &nbsp; & x &copy'
    assert entities == []


def test_links_pre_spoiler_blockquote_and_emoji() -> None:
    html = (
        '<a href="https://example.com">site</a> <a href="example.org/x">o</a> '
        '<pre><code class="language-python">x=1</code></pre> <pre>raw</pre> '
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler> '
        "<blockquote>q</blockquote><blockquote expandable>e</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    text, entities = parse_html(html)
    assert text == "site o x=1 raw st qe 👍"
    by_type = {(e["type"], e["offset"]): e for e in entities}
    assert by_type[("text_link", 0)]["url"] == "https://example.com/"
    assert by_type[("text_link", 5)]["url"] == "http://example.org/x"
    assert by_type[("pre", 7)] == {"type": "pre", "offset": 7, "length": 3, "language": "python"}
    assert by_type[("pre", 11)] == {"type": "pre", "offset": 11, "length": 3}
    assert ("spoiler", 15) in by_type and ("spoiler", 16) in by_type
    assert ("blockquote", 18) in by_type and ("expandable_blockquote", 19) in by_type
    assert by_type[("custom_emoji", 21)]["custom_emoji_id"] == "5368324170671202286"


def test_empty_tags_make_no_entity() -> None:
    assert parse_html("<b></b>x") == ("x", [])


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x < y", 'Unsupported start tag "" at byte offset 2'),
        ("é <p>", 'Unsupported start tag "p" at byte offset 3'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=x/y>z</a>", "Unexpected end of name token at byte offset 8"),
        ("<b =x>y</b>", 'Empty attribute name in the tag "b" at byte offset 0'),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
        ("<tg-emoji emoji-id=abc>x</tg-emoji>", "Invalid custom emoji identifier specified"),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
    ],
)
def test_refusals_match_telegram(html: str, message: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_html(html)
    assert str(exc.value) == message


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_escaped_text_round_trips(text: str) -> None:
    assert parse_html(escape(text)) == (text, [])


def test_format_text_trims_and_shifts_entities() -> None:
    text, entities = format_text("  \n<b>hi</b> there \n", "HTML", None)
    assert text == "hi there"
    assert entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_format_text_refusals() -> None:
    with pytest.raises(ApiError) as exc:
        format_text("<b>x", "HTML", None)
    assert (
        exc.value.description
        == "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    with pytest.raises(ApiError) as exc:
        format_text("<b> </b>\u200b", "html", None)
    assert exc.value.description == "Bad Request: text must be non-empty"
    with pytest.raises(ApiError) as exc:
        format_text("x", "Fancy", None)
    assert exc.value.description == "Bad Request: unsupported parse_mode"


def test_explicit_entities_are_kept_without_parse_mode() -> None:
    text, entities = format_text("<b>raw</b>", None, [{"type": "italic", "offset": 3, "length": 3}])
    assert text == "<b>raw</b>"
    assert entities == [{"type": "italic", "offset": 3, "length": 3}]


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2(r"*b* _i_ __u__ ~s~ ||sp|| `c` [l](https://t.me) \. ```py" "\nx\n```")
    assert text == "b i u s sp c l . x\n"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
        "pre",
    ]
    assert entities[-1]["language"] == "py"
    assert entities[6]["url"] == "https://t.me/"


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("1.5", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("*x", "Can't find end of Bold entity at byte offset 0"),
        ("ab _x", "Can't find end of Italic entity at byte offset 3"),
        ("[x](http://a", "Can't find end of a URL at byte offset 4"),
    ],
)
def test_markdown_v2_refusals(markdown: str, message: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_markdown_v2(markdown)
    assert str(exc.value) == message


def test_legacy_markdown() -> None:
    text, entities = parse_markdown("*b* _i_ `c` [x](https://a.io)")
    assert text == "b i c x"
    assert [e["type"] for e in entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(ParseError):
        parse_markdown("*open")


def test_detected_entities_of_typed_text() -> None:
    entities = detect_entities("/start abc123 @asha #cs101 mail me@x.org https://t.me/edubot /help@edubot_bot")
    kinds = [(e["type"], e["offset"], e["length"]) for e in entities]
    assert ("bot_command", 0, 6) in kinds
    assert ("mention", 14, 5) in kinds
    assert ("hashtag", 20, 6) in kinds
    assert ("email", 32, 8) in kinds
    assert ("url", 41, 19) in kinds
    assert ("bot_command", 61, 16) in kinds
    assert detect_entities("a/b and 3/4") == []
