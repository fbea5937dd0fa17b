"""Each speaker feature on a scene of a few lines (falsafa.extract.speakers.features)."""

from __future__ import annotations

import pytest

from falsafa.extract.builtin import read_cast, speaker_state
from falsafa.extract.scoring import LinearModel
from falsafa.extract.sieve import NARRATOR
from falsafa.extract.speakers import decode
from falsafa.extract.speakers.book import SpeakerBook
from falsafa.extract.speakers.features import CROSS_SCALE, CrossedModel, crossed

Seen = dict[int, dict[str, dict[str, float]]]


def _candidates(
    text: str, said: list[str] | None = None, shares: list[float] | None = None
) -> Seen:
    """Quote index -> candidate name -> features, the given speakers fed back
    (each chosen with the given share, else with certainty)."""
    reading = read_cast(text)
    names = {i: c.display for i, c in enumerate(reading.clusters)}
    index = {n: i for i, n in names.items()}
    seen: Seen = {}

    def record(qi: int, cands: list[tuple[int, dict[str, float]]]) -> tuple[int | None, float]:
        seen[qi] = {("narrator" if c == NARRATOR else names[c]): f for c, f in cands}
        who = index[said[qi]] if said and qi < len(said) else None
        return who, shares[qi] if shares and qi < len(shares) else 1.0

    decode(SpeakerBook.of(speaker_state(reading)), record)
    return seen


def test_a_named_frame_marks_its_subject_and_no_one_else() -> None:
    seen = _candidates("Mrs. Bennet looked at Mr. Bennet.\n\n“Come in,” said Mr. Bennet.\n")
    assert seen[0]["Mr. Bennet"]["frame.name"] == 1.0
    assert seen[0]["Mrs. Bennet"]["frame.other"] == 1.0
    assert "frame.name" not in seen[0]["Mrs. Bennet"]


def test_a_pronoun_frame_is_its_own_kind() -> None:
    seen = _candidates("Tom Hardy came in with Mary Lennox.\n\n“It is late,” he said.\n")
    assert seen[0]["Tom Hardy"].get("frame.pronoun") == 1.0
    assert "frame.name" not in seen[0]["Tom Hardy"]


def test_the_person_called_by_name_is_marked_as_addressed() -> None:
    seen = _candidates(
        "Jane Bennet sat with Mrs. Bennet.\n\n“Jane, come here,” said Mrs. Bennet.\n"
    )
    assert seen[0]["Jane Bennet"]["vocative.self"] == 1.0
    assert seen[0]["Mrs. Bennet"]["frame.name"] == 1.0


def test_unframed_turns_point_two_paragraphs_back() -> None:
    text = (
        "Holmes lit his pipe while Watson waited.\n\n"
        "“What do you make of it?” asked Holmes.\n\n"
        "“Nothing at all,” said Watson.\n\n"
        "“Look again.”\n"
    )
    seen = _candidates(text, ["Holmes", "Watson"])
    third = seen[2]
    assert third["Holmes"]["nf.turn.second.chained"] == 1.0
    assert third["Watson"]["nf.turn.first.adjacent"] == 1.0
    assert "turn.second.chained" not in third["Watson"]


def test_a_turn_chosen_in_doubt_carries_its_doubt() -> None:
    text = (
        "Holmes lit his pipe while Watson waited.\n\n"
        "“What do you make of it?” asked Holmes.\n\n"
        "“Nothing at all.”\n\n"
        "“Look again.”\n"
    )
    third = _candidates(text, ["Holmes", "Watson"], [1.0, 0.6])[2]
    # Watson's turn was a guess (share 0.6); Holmes's was framed.
    assert third["Watson"]["nf.turn.first.doubt"] == pytest.approx(0.4)
    assert third["Holmes"]["nf.turn.second.chained"] == 1.0
    assert "nf.turn.second.doubt" not in third["Holmes"]


def test_narration_before_the_quote_names_its_speaker() -> None:
    seen = _candidates(
        "Mary Lennox put down her cup.\n\nTom Hardy shook his head. “I will not go.”\n"
    )
    tom = seen[0]["Tom Hardy"]
    assert tom["nf.para.before.last"] == 1.0 and tom["para.first"] == 1.0
    assert "para.before" not in seen[0]["Mary Lennox"]
    assert seen[0]["Mary Lennox"]["prev_para.last"] == 1.0


def test_a_first_person_book_offers_its_narrator() -> None:
    text = (
        "I found my friend Holmes in his room. I sat down and I waited.\n\n"
        "“You have been walking,” said Holmes.\n\n"
        "I smiled at him. “Seven miles!”\n"
    )
    seen = _candidates(text, ["Holmes"])
    narrator = seen[1]["narrator"]
    assert narrator["narrator.me_in_para"] == 1.0 and narrator["narrator.rate"] > 0.5
    assert "narrator" not in seen[1]["Holmes"]


def test_a_continued_speech_points_to_the_previous_turn() -> None:
    text = (
        "Holmes turned to Watson.\n\n"
        "“It was a dark night,” said Holmes, “and the road was long.\n\n"
        "“Then the rain came.”\n"
    )
    seen = _candidates(text, ["Holmes", "Holmes"])
    last = max(seen)
    assert seen[last]["Holmes"]["nf.turn.first.continued"] == 1.0
    assert "turn.first.continued" not in seen[last].get("Watson", {"": 0.0})


def test_named_frames_of_the_run_count_by_parity_both_ways() -> None:
    text = (
        "Emma Woodhouse sat with Harriet Smith by the fire.\n\n"
        "“Who is coming to dinner?”\n\n"
        "“Nobody at all.”\n\n"
        "“Then we shall be dull.”\n\n"
        "“Not at all, my dear,” said Harriet.\n"
    )
    seen = _candidates(text)
    assert seen[1]["Harriet Smith"]["nf.anchor.ahead.even.near"] == 1.0
    assert seen[0]["Harriet Smith"]["nf.anchor.ahead.odd.mid"] == 1.0
    assert "anchor.ahead.even.near" not in seen[0]["Harriet Smith"]


def test_a_speech_over_paragraphs_shares_the_name_its_frame_gives() -> None:
    story = "".join(f"“Part {k} of my story went on.\n\n" for k in range(3))
    text = "Filby sat with George.\n\n" + story + "“And that is all,” said George.\n"
    seen = _candidates(text)
    assert all(seen[k]["George"]["nf.chain.frame"] == 1.0 for k in range(3))
    assert "chain.frame" not in seen[0].get("Filby", {})


def test_the_reply_calling_a_candidate_by_name_marks_them() -> None:
    text = "Meg sat with Jo by the fire.\n\n“It is cold.”\n\n“Yes, Meg, it is,” said Jo.\n"
    seen = _candidates(text)
    assert seen[0]["Meg"]["nf.next.vocative"] == 1.0
    assert "next.vocative" not in seen[0]["Jo"] and "nf.next.vocative" not in seen[0]["Jo"]


def test_he_said_ranks_the_men_last_seen() -> None:
    text = (
        "Tom Hardy walked in with Jack Ford and Mary Lennox. Jack Ford sat down.\n\n"
        "“It is late,” he said.\n"
    )
    seen = _candidates(text)
    assert seen[0]["Jack Ford"]["frame.gender.rank0"] == 1.0
    assert seen[0]["Tom Hardy"]["frame.gender.agree"] == 1.0
    assert seen[0]["Mary Lennox"]["frame.gender.clash"] == 1.0


def test_the_pronouns_of_the_turns_around_weigh_each_gender() -> None:
    text = (
        "Tom Hardy came in with Mary Lennox.\n\n"
        "“Not at all.”\n\n"
        "“Yes it is,” she said.\n\n"
        "“Then we go,” he answered.\n"
    )
    first = _candidates(text)[0]
    assert first["Tom Hardy"]["para+1.gender.clash"] == 1.0
    assert first["Tom Hardy"]["para+2.gender.agree"] == 1.0
    assert first["Mary Lennox"]["para+1.gender.agree"] == 1.0
    assert "para-1.gender.agree" not in first["Mary Lennox"]


def test_a_narrator_saying_i_a_turn_away_is_marked() -> None:
    text = (
        "I met Tom Hardy at the gate, and I was glad of it.\n\n"
        "“Good day.”\n\n"
        "“Good day to you,” I answered.\n"
    )
    first = _candidates(text)[0]
    assert first["narrator"]["para+1.me"] == 1.0
    assert "para+1.me" not in first["Tom Hardy"]


def test_a_noun_phrase_frame_weighs_gender_and_the_other_party() -> None:
    text = (
        "Dick looked up at the passer-by.\n\n"
        "“Shine yer boots, sir?” said Dick.\n\n"
        "“How much?” asked the gentleman.\n"
    )
    dick = _candidates(text, ["Dick"])[1]["Dick"]
    assert dick["np.gender.agree"] == 1.0 and dick["turn.first.adjacent"] == 1.0
    assert "frame.np" not in dick


def test_a_title_frame_marks_the_last_person_named_with_that_title() -> None:
    text = "Count Rostóv came in, and Pierre watched him.\n\n“Yes, my dear,” said the count.\n"
    seen = _candidates(text)[0]
    assert seen["Count Rostóv"]["frame.np.title"] == 1.0
    assert "frame.np.title" not in seen["Pierre"]


def test_a_noun_phrase_that_is_no_title_marks_no_bearer() -> None:
    text = "Pierre came in with the old man.\n\n“Yes, my dear,” said the old gentleman.\n"
    seen = _candidates(text)[0]
    assert any("frame.np" in f for f in seen.values())
    assert not any("frame.np.title" in f for f in seen.values())


def test_a_name_only_talked_about_has_never_spoken() -> None:
    text = (
        "“I have read it,” said Holmes.\n\n"
        "We sat by the fire. The talk turned to the books of Thomas Carlyle.\n\n"
        "“You appear to be astonished.”\n"
    )
    seen = _candidates(text, ["Holmes"])[1]
    assert seen["Thomas Carlyle"]["talker.never"] == 1.0
    assert seen["Holmes"]["talker.recent"] == 1.0 and "talker.never" not in seen["Holmes"]


def test_a_named_frame_later_in_the_paragraph_is_seen_by_its_pronoun_frame() -> None:
    text = (
        "Montraville rode back to town with Belcour. Belcour laughed.\n\n"
        "“She is the sweetest girl in the world,” said he. "
        "Belcour stared. “Did you not notice her?” continued Montraville.\n"
    )
    seen = _candidates(text)[0]
    assert seen["Montraville"]["next.frame.same_para"] == 1.0
    assert seen["Belcour"]["frame.pronoun"] == 1.0 and "next.frame.same_para" not in seen["Belcour"]


def test_a_nested_quote_at_the_end_does_not_close_a_single_quoted_speech() -> None:
    text = (
        "Filby sat with George. Filby lit his pipe.\n\n"
        "'Tell us,' said Filby.\n\n"
        '\'I looked at the lawn and said to myself, "that was not the lawn."\n\n'
        "'But it was the lawn, and the sphinx stood upon it.\n\n"
        "'And so I went on,' said George.\n"
    )
    seen = _candidates(text, ["Filby"])
    assert seen[1]["George"]["chain.frame"] == 1.0 and seen[2]["George"]["chain.frame"] == 1.0
    assert "chain.frame" not in seen[1]["Filby"]


def test_the_last_name_of_a_long_narration_is_marked() -> None:
    text = (
        "Hillyer, Filby and George sat down to dinner.\n\n"
        "“Agreed,” said Hillyer, and the rest of us echoed it. The fire settled "
        "in the grate while we waited. George began his story.\n\n"
        "“I told some of you last Thursday of the machine.”\n"
    )
    seen = _candidates(text, ["Hillyer"])[1]
    assert seen["George"]["prev_para.last"] == 1.0
    assert seen["Hillyer"]["turn.first.adjacent"] == 1.0 and "prev_para.last" not in seen["Hillyer"]


def test_unframed_dialogue_after_narration_alternates_from_its_subject() -> None:
    text = (
        "Tom Ford was sprawling in a deep chair, eating candy. Tom was a fat boy.\n\n"
        "Mr. Pett was sniffing suspiciously.\n\n"
        "“You've been smoking.”\n\n"
        "“Me!”\n\n"
        "“Smoking cigarettes.”\n"
    )
    seen = _candidates(text, ["Mr. Pett", "Tom Ford"])
    assert seen[0]["Mr. Pett"]["nf.prev_para.last"] == 1.0
    assert seen[1]["Mr. Pett"]["nf.turn.first.adjacent"] == 1.0
    assert seen[2]["Mr. Pett"]["nf.turn.second.chained"] == 1.0
    assert "nf.turn.second.chained" not in seen[2]["Tom Ford"]


def test_crossed_adds_each_pair_of_plain_features_as_their_product() -> None:
    f = crossed({"frame.name": 1.0, "recent": 0.5, "talker": 0.2, "nf.recent": 0.5})
    assert f["frame.name&recent"] == pytest.approx(0.5 * CROSS_SCALE)
    assert f["recent&talker"] == pytest.approx(0.1 * CROSS_SCALE)
    assert f["frame.name"] == 1.0 and f["nf.recent"] == 0.5
    assert not any("nf." in k and "&" in k for k in f)
    assert len(f) == 4 + 3


def test_a_crossed_model_scores_plain_features_as_the_model_scores_their_pairs() -> None:
    model = LinearModel(
        {"frame.name": 2.0, "recent": -0.5, "frame.name&recent": 3.0, "nf.recent": 1.0}, 0.25
    )
    plain = [
        {"frame.name": 1.0, "recent": 0.5},
        {"recent": 1.0, "nf.recent": 1.0},
        {"frame.name": 1.0, "talker": 0.3},
    ]
    shares = CrossedModel.of(model).softmax(plain)
    assert shares == model.softmax([crossed(f) for f in plain])
    # The pair weighs in only where both of its features are there.
    assert CrossedModel.of(model).score(plain[0]) == 0.25 + 2.0 - 0.25 + 3.0 * 0.5 * CROSS_SCALE


def test_candidates_carry_their_crossed_features() -> None:
    seen = _candidates("Tom Hardy came in with Mary Lennox.\n\n“It is late,” he said.\n")
    tom = seen[0]["Tom Hardy"]
    assert tom["frame.gender.agree&frame.pronoun"] == pytest.approx(CROSS_SCALE)
    assert "frame.gender.clash&frame.other" in seen[0]["Mary Lennox"]


def test_an_unframed_quote_carries_how_like_each_voice_it_sounds() -> None:
    # Invented: a child and a captain each named by a frame often enough to
    # have a profile; the last turn has no frame and talks like the child.
    scene = (
        "“Oh papa, may I have the little dog, papa, please?” said Polly Brown.\n\n"
        "“Aye, lad, the sea is rough tonight; hold fast, lad,” said Captain Flint.\n\n"
    )
    text = "Polly Brown met Captain Flint on the quay.\n\n" + scene * 12 + "“Papa, the dog!”\n"
    seen = _candidates(text)
    last = seen[max(seen)]
    assert last["Polly Brown"]["voice.gap"] > 0
    assert last["Polly Brown"]["voice.top"] == 1.0
    assert last["Captain Flint"]["voice.gap"] < 0
    assert "voice.top" not in last["Captain Flint"]
    assert last["Polly Brown"]["nf.voice.gap"] == last["Polly Brown"]["voice.gap"]
