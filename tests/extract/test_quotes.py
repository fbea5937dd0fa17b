"""Quote spans for each dialogue convention real books use."""

from __future__ import annotations

from falsafa.extract.quotes import dialogue_style, find_quotes
from falsafa.extract.text import Layout


def spans(text: str) -> list[str]:
    return [text[q.start : q.end] for q in find_quotes(Layout.of(text))]


def test_curly_double_quotes_with_tag_between() -> None:
    text = "“My dear Mr. Bennet,” said his lady to him one day, “have you heard?”\n"
    assert spans(text) == ["“My dear Mr. Bennet,”", "“have you heard?”"]


def test_straight_double_quotes() -> None:
    text = 'He looked up. "Come here," said Tom. "Now."\n'
    assert spans(text) == ['"Come here,"', '"Now."']


def test_quote_spanning_paragraphs_repeats_opening_mark() -> None:
    text = "“First part of a long speech,\nstill going.\n\n“Second paragraph of it.”\n"
    assert spans(text) == [
        "“First part of a long speech,\nstill going.",
        "“Second paragraph of it.”",
    ]


def test_nested_single_quotes_stay_inside() -> None:
    text = "“He told me, ‘Go away,’ and left,” said Ann.\n"
    assert spans(text) == ["“He told me, ‘Go away,’ and left,”"]


def test_single_quote_dialogue_ignores_apostrophes() -> None:
    text = (
        "‘I don’t know,’ said Mary. ‘It’s the boys’ dog.’\n\n"
        "‘Don’t you?’ said Tom.\n\n‘No, I’m sure I don’t.’\n\n‘Well then.’\n"
    )
    layout = Layout.of(text)
    assert dialogue_style(layout) == "single"
    assert spans(text) == [
        "‘I don’t know,’",
        "‘It’s the boys’ dog.’",
        "‘Don’t you?’",
        "‘No, I’m sure I don’t.’",
        "‘Well then.’",
    ]


def test_straight_single_quotes_and_elisions() -> None:
    text = "'Let me see 'em,' said the man.\n\n'No,' said Ann.\n\n'Why?' said he.\n\n'Because.'\n"
    assert spans(text)[:2] == ["'Let me see 'em,'", "'No,'"]


def test_em_dash_dialogue_stops_at_the_tag() -> None:
    text = (
        "Buck Mulligan peeped.\n\n—Back to barracks! he said sternly.\n\n"
        "—Thanks, old chap, he said eagerly. That will do nicely.\n\n—Yes, my love?\n\n—How long?\n"
    )
    assert spans(text) == [
        "—Back to barracks!",
        "—Thanks, old chap,",
        "That will do nicely.",
        "—Yes, my love?",
        "—How long?",
    ]


def test_double_hyphen_dialogue() -> None:
    text = "His mother said:\n\n--O, Stephen will apologize.\n\nDante said:\n\n--O, if not, the eagles will come.--\n\n--What is your name?\n"
    assert spans(text) == [
        "--O, Stephen will apologize.",
        "--O, if not, the eagles will come.--",
        "--What is your name?",
    ]


def test_crlf_and_bom_offsets_index_the_text_as_given() -> None:
    text = "\ufeffChapter 1\r\n\r\n“Hello,” said Ann.\r\n\r\n“Goodbye,” said Tom.\r\n"
    got = find_quotes(Layout.of(text))
    assert [text[q.start : q.end] for q in got] == ["“Hello,”", "“Goodbye,”"]
    assert got[0].start == text.index("“Hello")


def test_scare_quotes_are_not_speech() -> None:
    text = "They lived at the “grand hotel” by the lake, and Ann said, “It is grand.”\n"
    assert spans(text) == ["“It is grand.”"]


def test_a_nickname_in_quotes_is_no_speech() -> None:
    text = (
        "“You are going for a big wolf,” said “Uncle.” “Mind you don’t let her go.”\n\n"
        "“Uncle” looked round disapprovingly.\n\n"
        "Wendy said “tea first” quickly, and Michael said, “Yes.”\n"
    )
    assert spans(text) == [
        "“You are going for a big wolf,”",
        "“Mind you don’t let her go.”",
        "“tea first”",
        "“Yes.”",
    ]
