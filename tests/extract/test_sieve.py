"""The attribution sieve's shared helpers, on a hand-built state."""

from __future__ import annotations

from falsafa.extract.sieve import (
    MentionRef,
    SieveState,
    gap_after,
    mentions_before,
    oblique,
    opens_sentence,
    recent,
    recent_detail,
)
from falsafa.extract.text import Layout
from tests.extract.conftest import extract, speaker_name


def _state(text: str, names: dict[str, int]) -> SieveState:
    """A state whose mentions are the given one-word names (word -> cluster)."""
    layout = Layout.of(text)
    mentions = [
        MentionRef(k, k, names[w.text], False)
        for k, w in enumerate(layout.words)
        if w.text in names
    ]
    return SieveState(
        layout,
        [],
        mentions,
        {m.w0: m for m in mentions},
        ["unknown"] * (max(names.values()) + 1),
        None,
        [False] * len(layout.words),
        [],
        [m.w0 for m in mentions],
        [w.start for w in layout.words],
        [],
    )


def _index(state: SieveState, word: str, nth: int = 0) -> int:
    return [k for k, w in enumerate(state.layout.words) if w.text == word][nth]


def test_gap_after_is_the_text_up_to_the_next_word() -> None:
    state = _state("Holmes laughed. Then he sat.\n", {"Holmes": 0})
    assert gap_after(state, _index(state, "laughed")) == ". "


def test_a_possessive_or_a_preposition_makes_a_mention_oblique() -> None:
    state = _state(
        "Watson took Holmes's hand. He went to Mary.\n", {"Holmes's": 0, "Mary": 1, "Watson": 2}
    )
    by_cluster = {m.cluster: m for m in state.mentions}
    assert oblique(state, by_cluster[0])
    assert oblique(state, by_cluster[1])
    assert not oblique(state, by_cluster[2])


def test_for_after_a_clause_break_is_a_conjunction_not_a_preposition() -> None:
    state = _state(
        "She waited; for Brandon came in. He brought flowers for Mary. "
        "She stayed--for Anne had gone--and wept.\n",
        {"Brandon": 0, "Mary": 1, "Anne": 2},
    )
    by_cluster = {m.cluster: m for m in state.mentions}
    assert not oblique(state, by_cluster[0])
    assert oblique(state, by_cluster[1])
    assert oblique(state, by_cluster[2])  # a dash opens an aside, not a clause


def test_opens_sentence_allows_one_connective() -> None:
    state = _state(
        "Mary sat. And Holmes rose, but Watson stayed.\n", {"Mary": 0, "Holmes": 1, "Watson": 2}
    )
    assert opens_sentence(state, _index(state, "Mary"))
    assert opens_sentence(state, _index(state, "Holmes"))
    assert not opens_sentence(state, _index(state, "Watson"))


def test_recent_lists_characters_most_recent_first_with_strength() -> None:
    state = _state("Mary sat with Watson. Holmes rose.\n", {"Mary": 0, "Watson": 1, "Holmes": 2})
    end = len(state.layout.words)
    assert recent(state, end) == [(2, True), (1, False), (0, True)]
    assert [(c, topic) for c, _strong, _pos, topic in recent_detail(state, end)] == [
        (2, True),
        (1, False),
        (0, True),
    ]


def test_mentions_before_go_back_nearest_first_within_reach() -> None:
    state = _state(
        "Anne met Bob. Carl met Anne. Then Dora left.\n",
        {"Anne": 0, "Bob": 1, "Carl": 2, "Dora": 3},
    )
    then = _index(state, "Then")
    assert [m.cluster for m in mentions_before(state, then, 10)] == [0, 2, 1, 0]
    assert [m.cluster for m in mentions_before(state, then, 2)] == [0, 2]


# Whom a "he said" frame reads as the sentence subject or its topic, end to end.
def test_a_name_after_the_conjunction_for_is_a_subject() -> None:
    text = (
        "“I shall go to London,” said Willoughby.\n\n"
        "Marianne wept all the morning, and Elinor sat with her.\n\n"
        "“Who can this be?” said Elinor.\n\n"
        "Marianne had said nobody would come; for Colonel Brandon did come in, "
        "and Elinor saw the care in his look.\n\n"
        "“I met Mrs. Jennings in Bond Street,” said he, “and she sent me on.”\n"
    )
    assert speaker_name(extract(text), "Bond Street") == "Colonel Brandon"


def test_the_owner_of_a_sentences_subject_is_its_topic() -> None:
    text = (
        "“You killed her!” said Curly to Tootles.\n\n"
        "They turned from him. Tootles' face was very white, but there was a "
        "dignity about him now.\n\n"
        "“I did it,” he said, reflecting.\n"
    )
    assert speaker_name(extract(text), "I did it") == "Tootles"
