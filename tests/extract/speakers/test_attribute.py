"""Who says each quote, end to end with the packaged weights, on small scenes.

The scenes are invented or cited; each shows a kind of evidence the scorer
should weigh (the feature-level tests are in test_features.py).
"""

from __future__ import annotations

from tests.extract.conftest import addressee_name, extract, speaker_name


def test_pronoun_frame_in_a_dialogue_is_the_other_party() -> None:
    text = (
        "Lord Henry lay on the divan, and Basil Hallward stood by his easel.\n\n"
        "“It is my best work,” said Basil Hallward.\n\n"
        "“You must send it to the Grosvenor,” said Lord Henry.\n\n"
        "“I don't think I shall send it anywhere,” he answered.\n"
    )
    assert speaker_name(extract(text), "anywhere") == "Basil Hallward"


def test_bare_surname_shared_by_a_family_is_the_man() -> None:
    text = (
        "Mr. Temple was a kind man. Charlotte Temple was his only daughter, and Charlotte "
        "loved him. Mr. Temple walked out with a young officer.\n\n"
        "“You are a benevolent fellow,” said the officer.\n\n"
        "“You cannot oblige me more,” said Temple.\n"
    )
    assert speaker_name(extract(text), "oblige me") == "Mr. Temple"


def test_pronoun_prefers_the_sentence_subject_over_a_nearer_aside() -> None:
    text = (
        "Mrs. Hall lit the fire. As soon as the bacon was under way, and Millie, "
        "her maid, had been brisked up, she carried the cloth into the parlour.\n\n"
        "Mrs. Hall looked at the guest. “Can I take your hat?” she said.\n"
    )
    assert speaker_name(extract(text), "take your hat") == "Mrs. Hall"


def test_paragraph_narration_names_the_speaker() -> None:
    text = "Mary Lennox put down her cup.\n\nTom Hardy shook his head slowly. “I will not go.”\n"
    assert speaker_name(extract(text), "I will not go") == "Tom Hardy"


def test_first_person_narrator_named_by_vocatives() -> None:
    text = (
        "I found my friend Holmes in his room. He looked me over.\n\n"
        "“You have been walking, Watson,” said Holmes.\n\n"
        "“Seven miles!” I answered.\n\n"
        "“Too far, Watson,” he said.\n"
    )
    result = extract(text)
    assert speaker_name(result, "Seven miles") == "Watson"


def test_vocative_gives_addressee_and_turn_taking_fills_untagged_lines() -> None:
    text = (
        "Holmes lit his pipe while Watson waited.\n\n"
        "“Watson, what do you make of it?” asked Holmes.\n\n"
        "“Nothing at all,” said Watson.\n\n"
        "“Look again.”\n\n"
        "“I see a hat.”\n\n"
        "“Precisely.”\n"
    )
    result = extract(text)
    first = next(q for q in result.quotes if "make of it" in q.text)
    assert result.character(first.addressee or "") is not None
    assert result.character(first.addressee or "").name == "Watson"  # type: ignore[union-attr]
    assert speaker_name(result, "Look again") == "Holmes"
    assert speaker_name(result, "I see a hat") == "Watson"
    assert speaker_name(result, "Precisely") == "Holmes"
    assert any(r.kind == "speaks_to" for r in result.relations)
    assert any(r.kind == "co_occurs" for r in result.relations)


def test_pronoun_subject_is_resolved_by_gender() -> None:
    text = (
        "Mr. Darcy stood by the window while Miss Elizabeth Bennet read.\n\n"
        "“It is late,” she said.\n\n"
        "“Is it?” he replied.\n"
    )
    result = extract(text)
    assert "Elizabeth Bennet" in (speaker_name(result, "late") or "")
    assert speaker_name(result, "Is it") == "Mr. Darcy"


def test_a_sister_in_law_is_found_like_any_noun_phrase_speaker() -> None:
    text = (
        "Rudolf sat at breakfast with Robert and Rose. Robert went out.\n\n"
        "Above them Countess Amelia smiled from her portrait.\n\n"
        "“You have done nothing,” said my sister-in-law.\n\n"
        "“My dear Rose,” I answered, “why should I do anything?”\n"
    )
    assert speaker_name(extract(text), "done nothing") == "Rose"


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


def test_the_person_addressed_answers_next() -> None:
    text = (
        "Meg, Jo, Beth and Amy sat by the fire. Jo lay on the rug.\n\n"
        "“Jo does use such slang words!” observed Amy.\n\n"
        "“Don't, Jo. It's so boyish!” said Meg.\n\n"
        "“That's why I do it.”\n"
    )
    assert speaker_name(extract(text), "why I do it") == "Jo"


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


def test_a_titled_name_after_the_quote_keeps_its_frame() -> None:
    text = (
        "Mrs. Lennox came out.\n\n"
        "Mary stood shivering. The wailing grew wilder. "
        "“What is it? What is it?” Mrs. Lennox gasped.\n"
    )
    assert speaker_name(extract(text), "What is it") == "Mrs. Lennox"


def test_the_person_heard_speaks_not_the_hearer() -> None:
    text = (
        "Mrs. Lennox stood on the veranda with the officer. Mary watched them.\n\n"
        "“Is it so very bad?” Mary heard her say.\n"
    )
    assert speaker_name(extract(text), "so very bad") == "Mrs. Lennox"


def test_the_voice_of_a_person_is_that_person() -> None:
    text = (
        "Eliza and Georgiana sat by the fire with their mother. The door opened.\n\n"
        "“Boh! Where is she?” cried the voice of John Reed; then he paused.\n\n"
        "“Where the dickens is she!” he continued.\n"
    )
    result = extract(text)
    assert speaker_name(result, "Boh!") == "John Reed"
    assert speaker_name(result, "dickens") == "John Reed"


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


def test_said_the_count_is_the_count_last_named() -> None:
    text = (
        "Count Rostóv came in with Natásha. Pierre stood by the window, and Pierre "
        "watched the snow.\n\n"
        "“What snow!” said Pierre.\n\n"
        "Natásha laughed. Pierre smiled at her.\n\n"
        "“Yes, yes, my dear,” said the count.\n"
    )
    assert speaker_name(extract(text), "my dear") == "Count Rostóv"


def test_a_name_called_inside_a_nested_quote_is_not_the_listener() -> None:
    text = (
        "Bob Cratchit sat by the fire with his wife. Fred, the nephew, had been kind, "
        "and Fred had said so.\n\n"
        "“On which,” said Bob, “I told him. ‘I am heartily sorry for it, Fred,’ "
        "said I, ‘and so is my good wife.’ How he knew that, I don't know.”\n\n"
        "“Knew what, my dear?”\n\n"
        "“It happened in the year ‘34. Do you remember the case, Gregson?” said Holmes.\n"
    )
    result = extract(text)
    assert addressee_name(result, "On which") != "Fred"
    assert addressee_name(result, "the year") == "Gregson"


def test_a_speech_turning_to_a_second_listener_addresses_them() -> None:
    text = (
        "Fergus and Gilbert came in. Rose gave them tea.\n\n"
        "“That's my brave boy!--and Fergus, what have you been doing?” said Mrs. Markham.\n\n"
        "“You are off to the war?” said Anna.\n\n"
        "“And Lise, your wife?” said Anna. “And Prince Vasili?”\n\n"
        "“Badger-baiting,” said Fergus.\n"
    )
    result = extract(text)
    assert addressee_name(result, "Fergus") == "Fergus"
    assert addressee_name(result, "Lise") != "Lise"
    assert addressee_name(result, "Vasili") != "Prince Vasili"


def test_her_mother_without_a_surname_is_the_married_mother_of_the_family() -> None:
    text = (
        "Mr. Bennet and Mrs. Bennet sat with Lizzy.\n\n"
        "Mrs. Long came in, and Lizzy greeted her. Mrs. Long sat down.\n\n"
        "“I hope Mr. Bingley will like it, Lizzy,” said Mr. Bennet.\n\n"
        "“We cannot know what he likes,” said her mother.\n"
    )
    result = extract(text)
    assert speaker_name(result, "cannot know") == "Mrs. Bennet"


def test_pronoun_frame_is_read_again_once_the_turn_before_is_known() -> None:
    text = (
        "Lord Henry looked at the portrait Basil had painted.\n\n"
        "“It is your best work, Basil,” said Lord Henry.\n\n"
        "“I shall not send it anywhere,” Basil answered.\n\n"
        "Lord Henry raised his eyebrows. “Not send it anywhere? Why?”\n\n"
        "“You will laugh at me,” he replied.\n"
    )
    result = extract(text)
    assert speaker_name(result, "laugh at me") == "Basil"


def test_noun_phrase_speaker_named_later_is_not_a_name_inside_a_quote() -> None:
    text = (
        "Dick stood at the corner with his box.\n\n"
        "“How much?” asked a gentleman.\n\n"
        "“Ten cents,” said Dick. “This coat belonged to General Washington.”\n\n"
        "“That is steep,” said the gentleman.\n\n"
        "Mr. Greyson paid him and walked away.\n"
    )
    result = extract(text)
    assert speaker_name(result, "That is steep") == "Mr. Greyson"


def test_noun_phrase_speaker_is_who_the_other_side_addresses() -> None:
    text = (
        "Rudolf sat at breakfast with Robert and Rose. Robert went out.\n\n"
        "Above them Countess Amelia smiled from her portrait.\n\n"
        "“You have done nothing,” said the young woman.\n\n"
        "“My dear Rose,” said Rudolf, “why should I do anything?”\n"
    )
    result = extract(text)
    assert speaker_name(result, "done nothing") == "Rose"
