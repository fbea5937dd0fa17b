"""Round-seven rules, each on a small inline scene: lists and addresses are
no vocatives, a narrator is named only by a clear vote, one named speaker per
paragraph, "the voice of X", "heard her say", and a title's full stop inside
a speech frame."""

from __future__ import annotations

from tests.extract.conftest import extract, speaker_name


def test_a_name_in_an_address_or_a_list_is_not_addressed() -> None:
    text = (
        "Holmes and Gregson looked at the card. Lestrade came in.\n\n"
        "“13, Duncan Street, Houndsditch. A weary way from here,” said Holmes.\n\n"
        "“You may be sure that Gregson, Lestrade, and Co. will take the credit,” said Holmes.\n\n"
        "“Well, Gregson, what now?” said Holmes.\n"
    )
    result = extract(text)
    by_text = {q.text: q for q in result.quotes}
    names = {c.id: c.name for c in result.characters}
    address = next(q for t, q in by_text.items() if "Houndsditch" in t)
    listed = next(q for t, q in by_text.items() if "Lestrade" in t)
    spoken_to = next(q for t, q in by_text.items() if "what now" in t)
    assert names.get(address.addressee or "") != "Houndsditch"
    assert names.get(listed.addressee or "") != "Lestrade"
    assert names.get(spoken_to.addressee or "") == "Gregson"


def test_one_stray_vocative_does_not_name_a_talkative_narrator() -> None:
    turns = "".join(
        f"“Line {k} of mine,” I said.\n\n“Line {k} of his,” said Holmes.\n\n" for k in range(6)
    )
    text = (
        "Holmes met me at the door.\n\n"
        + turns
        + "“Take the cab to 13, Duncan Street, Houndsditch,” said Holmes.\n\n"
        + "“Very well,” I said.\n"
    )
    result = extract(text)
    names = {c.id: c.name for c in result.characters}
    mine = [q for q in result.quotes if "of mine" in q.text]
    assert mine
    assert all(names.get(q.speaker or "") != "Houndsditch" for q in mine)


def test_a_named_frame_names_the_pronoun_frame_of_its_paragraph() -> None:
    text = (
        "Montraville rode back to town in the evening with Belcour. Belcour laughed.\n\n"
        "“She is the sweetest girl in the world,” said he, as he entered the inn. "
        "Belcour stared. “Did you not notice her?” continued Montraville.\n"
    )
    assert speaker_name(extract(text), "sweetest girl") == "Montraville"


def test_the_voice_of_a_person_is_that_person() -> None:
    text = (
        "Eliza and Georgiana sat by the fire with their mother. The door opened.\n\n"
        "“Boh! Where is she?” cried the voice of John Reed; then he paused.\n\n"
        "“Where the dickens is she!” he continued.\n"
    )
    result = extract(text)
    assert speaker_name(result, "Boh!") == "John Reed"
    assert speaker_name(result, "dickens") == "John Reed"


def test_the_person_heard_speaks_not_the_hearer() -> None:
    text = (
        "Mrs. Lennox stood on the veranda with the officer. Mary watched them.\n\n"
        "“Is it so very bad?” Mary heard her say.\n"
    )
    assert speaker_name(extract(text), "so very bad") == "Mrs. Lennox"


def test_a_titled_name_after_the_quote_keeps_its_frame() -> None:
    text = (
        "Mrs. Lennox came out.\n\n"
        "Mary stood shivering. The wailing grew wilder. "
        "“What is it? What is it?” Mrs. Lennox gasped.\n"
    )
    assert speaker_name(extract(text), "What is it") == "Mrs. Lennox"


def test_poor_so_and_so_pities_the_absent_but_my_poor_addresses() -> None:
    text = (
        "Emma sat with her father after the wedding. Mr. Woodhouse sighed.\n\n"
        "“Poor Miss Taylor!--I wish she were here again,” said Mr. Woodhouse.\n\n"
        "“My poor Emma, you are tired,” said Mr. Woodhouse.\n"
    )
    result = extract(text)
    names = {c.id: c.name for c in result.characters}
    pity = next(q for q in result.quotes if "Poor Miss Taylor" in q.text)
    tired = next(q for q in result.quotes if "you are tired" in q.text)
    assert names.get(pity.addressee or "") != "Miss Taylor"
    assert names.get(tired.addressee or "") == "Emma"


def test_letters_after_a_name_are_no_person() -> None:
    text = (
        "The card read JAMES MORTIMER, M.R.C.S., and Holmes turned it over. "
        "M.R.C.S. meant a surgeon, said Holmes. Holmes smiled at M.R.C.S. again.\n"
    )
    names = [c.name for c in extract(text).characters]
    assert not any(set(n.replace(" ", "").replace(".", "")) <= set("MRCS") for n in names)
    assert "Holmes" in names


def test_the_person_addressed_answers_next() -> None:
    text = (
        "Meg, Jo, Beth and Amy sat by the fire. Jo lay on the rug.\n\n"
        "“Jo does use such slang words!” observed Amy.\n\n"
        "“Don't, Jo. It's so boyish!” said Meg.\n\n"
        "“That's why I do it.”\n"
    )
    assert speaker_name(extract(text), "why I do it") == "Jo"


def test_a_name_answering_what_name_is_not_addressed() -> None:
    text = (
        "Dick blacked the gentleman's boots while Frank watched.\n\n"
        "“What name?” asked Dick.\n\n"
        "“Greyson,--office, 125 Fulton Street.”\n\n"
        "“All right, sir,” said Dick.\n\n"
        "Mr. Greyson paid him. Mr. Greyson walked on to his office.\n"
    )
    result = extract(text)
    names = {c.id: c.name for c in result.characters}
    answer = next(q for q in result.quotes if "Fulton" in q.text)
    assert "Greyson" not in names.get(answer.addressee or "", "")


def test_a_speech_over_several_paragraphs_is_one_turn() -> None:
    story = "".join(
        f"“Part {k} of my long story went on and on about the machine.\n\n" for k in range(4)
    )
    text = (
        "Filby and Hillyer sat by the fire with George.\n\n"
        "“Tell us,” said Filby.\n\n" + story + "“And that is all,” said George.\n\n"
        "“Nonsense,” said Filby.\n"
    )
    result = extract(text)
    for k in range(4):
        assert speaker_name(result, f"Part {k} of") == "George"


def test_a_nested_quote_at_the_end_does_not_close_a_single_quoted_speech() -> None:
    text = (
        "Filby sat with George. Filby lit his pipe.\n\n"
        "'Tell us,' said Filby.\n\n"
        '\'I looked at the lawn and said to myself, "that was not the lawn."\n\n'
        "'But it was the lawn, and the sphinx stood upon it.\n\n"
        "'And so I went on,' said George.\n"
    )
    result = extract(text)
    assert speaker_name(result, "I looked at the lawn") == "George"
    assert speaker_name(result, "But it was the lawn") == "George"


def test_a_long_narration_after_a_speech_hands_the_turn_to_its_subject() -> None:
    text = (
        "Hillyer, Filby and George sat down to dinner.\n\n"
        "“Is it agreed?” asked Filby.\n\n"
        "“Agreed,” said Hillyer, and the rest of us echoed it. The candles burned "
        "low in the smoking-room and the fire settled in the grate while we waited "
        "in the dark for a long time. George began his story as I have set it down.\n\n"
        "“I told some of you last Thursday of the principles of the machine.”\n"
    )
    assert speaker_name(extract(text), "last Thursday") == "George"


def test_a_title_said_alone_names_a_narrator_through_the_one_bearer() -> None:
    turns = "".join(
        f"“Point {k} of mine,” I said.\n\n“Well, Doctor, point {k} of mine,” said Holmes.\n\n"
        for k in range(3)
    )
    text = (
        "“Dr. Watson, Mr. Sherlock Holmes,” said Stamford, introducing us.\n\n"
        "Holmes looked up from his test-tubes.\n\n" + turns
    )
    assert speaker_name(extract(text), "Point 1 of mine") == "Dr. Watson"


def test_a_noun_phrase_speaker_keeps_one_person_over_a_long_speech() -> None:
    story = "".join(f"“Part {k} of the inquiry went on and on at the house.\n\n" for k in range(5))
    text = (
        "Holmes and Gregson sat by the fire. Stangerson was upstairs.\n\n"
        "“I next called at the house,” continued the detective. "
        "“The mother was very pale.\n\n" + story + "“And that was all,” said Gregson.\n\n"
        "“Capital!” said Holmes.\n"
    )
    result = extract(text)
    speakers = {speaker_name(result, f"Part {k} of") for k in range(5)}
    assert len(speakers) == 1


def test_a_name_answering_tell_us_your_name_is_not_addressed() -> None:
    text = (
        "My father's family name being Pirrip, I called myself Pip. Pip was small.\n\n"
        "“Tell us your name!” said the man. “Quick!”\n\n"
        "“Pip, sir.”\n"
    )
    result = extract(text)
    names = {c.id: c.name for c in result.characters}
    answer = next(q for q in result.quotes if q.text == "“Pip, sir.”")
    assert names.get(answer.addressee or "") != "Pip"


def test_a_sister_in_law_is_found_like_any_noun_phrase_speaker() -> None:
    text = (
        "Rudolf sat at breakfast with Robert and Rose. Robert went out.\n\n"
        "Above them Countess Amelia smiled from her portrait.\n\n"
        "“You have done nothing,” said my sister-in-law.\n\n"
        "“My dear Rose,” I answered, “why should I do anything?”\n"
    )
    assert speaker_name(extract(text), "done nothing") == "Rose"
