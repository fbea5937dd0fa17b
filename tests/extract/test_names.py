"""Name mentions, alias clusters and the noise that must not become a character."""

from __future__ import annotations

from tests.extract.conftest import extract, holder


def names(text: str) -> list[str]:
    return [c.name for c in extract(text).characters]


def all_names(text: str) -> set[str]:
    return {n.lower() for c in extract(text).characters for n in (c.name, *c.aliases)}


BENNETS = (
    "Mr. Bennet was so odd a mixture of quick parts that his wife could not understand him. "
    "Mrs. Bennet was a woman of mean understanding.\n\n"
    "Mr. Bennet replied that he had not. Mrs. Bennet cried out at once. "
    "Elizabeth Bennet laughed, and Elizabeth said nothing more. Lizzy was his favourite.\n\n"
    "Mr. Bingley came in March, on a Monday. Bingley was a young man.\n"
)


# Two brothers: the elder is "Mr. Ashcombe", the younger "Mr. Henry Ashcombe".
ASHCOMBES = (
    "“Good morning,” said Mr. Ashcombe. Mr. Ashcombe smiled. Mr. Ashcombe "
    "walked on, and Mr. Ashcombe sat down. “Well,” said Mr. Ashcombe.\n\n"
    "Mr. Ashcombe read; Mr. Ashcombe wrote; Mr. Ashcombe slept. "
    "Mr. Ashcombe rose, and Mr. Ashcombe laughed.\n\n"
    "“Brother,” said Mr. Henry Ashcombe, and Mr. Henry Ashcombe sat by "
    "Mr. Ashcombe. Mr. Henry Ashcombe was tired. "
)


def test_titles_keep_husband_and_wife_apart_and_full_names_absorb_parts() -> None:
    result = extract(BENNETS)
    by_name = {c.name: c for c in result.characters}
    assert "Mr. Bennet" in by_name and "Mrs. Bennet" in by_name
    assert by_name["Mr. Bennet"].gender == "male" and by_name["Mrs. Bennet"].gender == "female"
    lizzy = next(c for c in result.characters if "Elizabeth" in (c.name, *c.aliases))
    assert {"Elizabeth Bennet", "Lizzy"} <= {lizzy.name, *lizzy.aliases}
    bingley = next(c for c in result.characters if c.name == "Mr. Bingley")
    assert "Bingley" in bingley.aliases


def test_shared_surname_is_never_published_as_an_alias() -> None:
    # "Bennet" alone would name Mr. and Mrs. Bennet at once.
    text = BENNETS + "\nBennet was tired. Mr. Bennet left, and Mrs. Bennet stayed.\n"
    for c in extract(text).characters:
        assert "Bennet" not in (c.name, *c.aliases)


def test_a_bare_surname_is_the_plain_mans_when_the_rest_go_by_given_names() -> None:
    # The younger brother always goes by "Mr. Henry Ashcombe".
    text = ASHCOMBES + "“Ashcombe, go,” he said.\n"
    result = extract(text)
    assert "Ashcombe" in holder(result, "Mr. Ashcombe").aliases
    assert "Ashcombe" not in holder(result, "Mr. Henry Ashcombe").aliases


def test_noise_months_days_god_places_are_not_characters() -> None:
    text = (
        "In March, on a Monday, Ann Smith went to London. Good God, she thought, London was large.\n\n"
        "“Heaven knows,” said Ann. She lived in Surrey near the Thames, at Netherfield Park.\n\n"
        "Ann Smith looked at the English people in Paris.\n"
    )
    got = all_names(text)
    assert "ann smith" in got
    for noise in (
        "march",
        "monday",
        "god",
        "heaven",
        "london",
        "surrey",
        "thames",
        "netherfield park",
        "english",
        "paris",
        "netherfield",
    ):
        assert noise not in got


def test_headings_front_matter_and_contents_are_skipped() -> None:
    front = (
        "The Project Gutenberg eBook of Some Book, by Walter Scott Author\n\n"
        "*** START OF THE PROJECT GUTENBERG EBOOK SOME BOOK ***\n\n"
    )
    text = front + (
        "CONTENTS\n\n CHAPTER I. Mr. Harding Arrives\n CHAPTER II. Lady Grey\n CHAPTER III. The End\n\n"
        "# CHAPTER I\n\nMR. HARDING ARRIVES\n\n"
        "Tom Jenkins walked up the hill, and Tom Jenkins said nothing to anyone that day at all.\n\n"
        "“Good morning,” said Tom. He smiled.\n\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK SOME BOOK ***\n\nWalter Scott Author licence.\n"
    )
    got = all_names(text)
    assert "tom jenkins" in got
    for noise in (
        "walter scott author",
        "harding",
        "mr. harding",
        "lady grey",
        "project gutenberg",
    ):
        assert noise not in got


def test_nickname_joins_formal_name() -> None:
    text = (
        "Margaret Hale sat by the fire, and Margaret sighed.\n\n"
        "“Never mind,” said Meg, looking at the fire. Meg was the eldest.\n"
    )
    result = extract(text)
    meg = [c for c in result.characters if "Meg" in (c.name, *c.aliases)]
    assert len(meg) == 1 and "Margaret Hale" in (meg[0].name, *meg[0].aliases)


def test_ranking_and_first_offset() -> None:
    result = extract(BENNETS)
    assert result.characters[0].rank == 1
    counts = [c.mention_count for c in result.characters]
    assert counts == sorted(counts, reverse=True)
    first = result.characters[0]
    assert BENNETS[first.first_offset :].startswith(("Mr.", "Mrs.", "Eliz"))


def test_repeated_surname_is_two_mentions_and_titled_surname_joins_it() -> None:
    text = (
        "Scrooge Scrooge signed the book. Mr. Scrooge was a tight-fisted man, and "
        "Scrooge knew it.\n\nScrooge sat alone. Ebenezer Scrooge said nothing.\n"
    )
    people = [c for c in extract(text).characters if "Scrooge" in (c.name, *c.aliases)]
    assert len(people) == 1
    assert "Scrooge Scrooge" not in people[0].aliases
    assert "Mr. Scrooge" in (people[0].name, *people[0].aliases)


def test_bare_surname_beside_mrs_only_is_not_merged_with_her() -> None:
    text = (
        "Fezziwig laughed, and Fezziwig danced. He was a kind man.\n\n"
        "Mrs. Fezziwig smiled. Mrs. Fezziwig was a stout woman.\n"
    )
    clusters = [(c.name, set(c.aliases)) for c in extract(text).characters]
    assert ("Fezziwig", set()) in clusters
    assert ("Mrs. Fezziwig", set()) in clusters


def test_holiday_phrases_are_not_names() -> None:
    text = (
        "It was Christmas Eve, and Tom Brown walked home. The Ghost of Christmas Present "
        "appeared. Christmas Eve was cold.\n\nTom Brown shivered.\n"
    )
    got = all_names(text)
    assert "tom brown" in got
    assert "eve" not in got and "present" not in got


def test_plural_surname_is_the_family_not_a_member() -> None:
    text = (
        "The Claytons lived in England. John Clayton was a young man. The Claytons were "
        "rich, and the Claytons sailed.\n\nMr. Clayton said nothing.\n"
    )
    by_name = {c.name: c for c in extract(text).characters}
    assert "Claytons" in by_name
    assert "Claytons" not in by_name["John Clayton"].aliases


def test_diminutive_full_names_merge_and_miss_joins_a_womans_full_name() -> None:
    text = (
        "John Carter rode west. Captain Jack Carter was a soldier, and John Carter knew it.\n\n"
        "Becky Sharp laughed. Miss Sharp was a clever girl, and Becky Sharp was poor.\n"
    )
    result = extract(text)
    carter = [c for c in result.characters if "Carter" in c.name]
    assert len(carter) == 1
    sharp = [c for c in result.characters if any("Sharp" in n for n in (c.name, *c.aliases))]
    assert len(sharp) == 1 and "Miss Sharp" in (sharp[0].name, *sharp[0].aliases)


def test_titled_surname_shared_by_two_full_names_stays_apart() -> None:
    # "Master" is a boy's title: Mr. Cratchit is neither Peter nor, for certain, Bob.
    text = (
        "Bob Cratchit worked. Master Peter Cratchit ate. Bob Cratchit sang.\n\n"
        "Mr. Cratchit came home. Master Peter Cratchit laughed.\n"
    )
    peter = next(c for c in extract(text).characters if "Peter" in c.name)
    assert "Mr. Cratchit" not in peter.aliases


def test_one_untitled_mention_of_a_common_noun_is_not_a_character() -> None:
    text = (
        "He had learned Algebra at school, and Mary Smith taught him.\n\nMary Smith was patient.\n"
    )
    got = all_names(text)
    assert "algebra" not in got
    assert "mary smith" in got


def test_nationality_or_country_that_keeps_talking_is_a_nickname() -> None:
    text = (
        "The boys sat on the fence in the sun. Irish murmured something to Cal.\n\n"
        "“He's some gaudy to look at,” Irish remarked.\n\n"
        "“That's the way they do it,” Irish agreed, and rolled a cigarette.\n\n"
        "The Irish are a merry people, and Turkey is a far country. The blots were many.\n\n"
        "“With submission, sir,” said Turkey, “I am your right-hand man.”\n\n"
        "“But the blots, Turkey,” I said.\n"
    )
    found = names(text)
    assert "Irish" in found
    assert "Turkey" in found


def test_a_place_only_shouted_as_a_team_name_is_not_a_person() -> None:
    text = (
        "The master wrote a sum on the board and said:\n\n"
        "“Go ahead, Rome! Go ahead, Carthage!”\n\n"
        "Jack tried his best so that the sum came out.\n\n"
        "“Come on now, Rome!”\n"
    )
    assert "Rome" not in names(text)


def test_said_to_and_had_answered_are_evidence_of_a_person() -> None:
    text = (
        "One day a fellow said to Cantwell:\n\n"
        "“I'd give you such a belt in a second.”\n\n"
        "Cantwell had answered:\n\n"
        "“Go and fight your match.”\n"
    )
    assert "Cantwell" in names(text)


def test_madame_st_aubert_is_not_monsieur_st_aubert() -> None:
    text = (
        "St. Aubert loved the country. Monsieur St. Aubert read to his daughter, and he "
        "walked with her in the woods.\n\n"
        "The taste of Madame St. Aubert was conspicuous in the house. Madame St. Aubert "
        "sang, and she played the lute. St. Aubert listened.\n"
    )
    result = extract(text)
    by_name = {c.name: c for c in result.characters}
    assert "Madame St. Aubert" in by_name
    # Plain "St. Aubert" is him, but it names his wife too: counted, not listed.
    assert by_name["Monsieur St. Aubert"].mention_count == 3
    assert not any("St. Aubert" in c.aliases for c in result.characters)
    assert by_name["Madame St. Aubert"].gender == "female"


def test_a_plain_titled_surname_said_far_more_often_is_another_man() -> None:
    # The elder brother is "Mr. Ashcombe"; the younger needs his given name.
    result = extract(ASHCOMBES + "\n")
    elder = holder(result, "Mr. Ashcombe")
    younger = holder(result, "Mr. Henry Ashcombe")
    assert elder.id != younger.id


def test_a_man_brought_in_by_his_full_name_is_the_plain_titled_surname_after() -> None:
    # "Mr. Henry Ashcombe" comes first: the "Mr. Ashcombe" that follows is him.
    text = (
        "“Brother,” said Mr. Henry Ashcombe, and Mr. Henry Ashcombe sat down. "
        "Mr. Henry Ashcombe was tired.\n\n"
        + "“Good morning,” said Mr. Ashcombe. Mr. Ashcombe smiled. Mr. Ashcombe "
        "walked on, and Mr. Ashcombe sat down. “Well,” said Mr. Ashcombe.\n\n" * 3
    )
    result = extract(text)
    assert holder(result, "Mr. Ashcombe").id == holder(result, "Mr. Henry Ashcombe").id
    assert [c.name for c in result.characters if "Ashcombe" in c.name] == ["Mr. Ashcombe"]


def test_a_surname_ending_in_s_is_no_family_for_one_stray_singular() -> None:
    # One misprinted "Mr. Pike" does not make "Pikes" a family's plural.
    text = (
        "Bill Pikes came in. “Ho,” said Pikes. Pikes sat down.\n\n" * 4
        + "Pikes laughed. “Well,” said Mr. Pike. Pikes went out.\n"
    )
    result = extract(text)
    assert holder(result, "Pikes") is holder(result, "Bill Pikes")
    assert sum(1 for c in result.characters if "Pikes" in (c.name, *c.aliases)) == 1


def test_a_titled_full_name_said_once_is_the_plain_titled_surname() -> None:
    text = (
        "“Good morning,” said Mr. Ashcombe. Mr. Ashcombe smiled. Mr. Ashcombe "
        "walked on, and Mr. Ashcombe sat down. “Well,” said Mr. Ashcombe.\n\n"
        "The letter was signed Mr. Henry Ashcombe.\n"
    )
    result = extract(text)
    assert holder(result, "Mr. Ashcombe").id == holder(result, "Mr. Henry Ashcombe").id


def test_a_word_after_colonel_is_a_surname_not_anothers_given_name() -> None:
    text = (
        "Mr. Brampton Hale came in. “Sit down,” said Mr. Hale. Mr. Hale sat.\n\n"
        "“I am glad,” said Colonel Brampton. Colonel Brampton bowed to Mr. Hale, "
        "and Colonel Brampton left. Colonel Brampton was a soldier.\n"
    )
    result = extract(text)
    assert holder(result, "Colonel Brampton").id != holder(result, "Mr. Hale").id


def test_a_titled_diminutive_joins_the_formal_name() -> None:
    text = (
        "Charlotte Vane sat by the fire. “Come here,” said Charlotte Vane. "
        "Charlotte smiled.\n\n"
        "“Lottie!” cried her mother. “Miss Lottie, come,” said the maid, and "
        "Lottie went. Lottie laughed.\n"
    )
    result = extract(text)
    assert holder(result, "Lottie").id == holder(result, "Charlotte Vane").id


def test_bare_surname_of_the_main_bearer_counts_for_him_but_is_no_alias() -> None:
    text = (
        "Tom Mulligan came up the stairs. Tom Mulligan laughed. Mulligan shaved.\n\n"
        "Tom Mulligan sang a song, and Mulligan whistled. Mulligan waved.\n\n"
        "His cousin Harry Mulligan was far away.\n"
    )
    result = extract(text)
    tom = next(c for c in result.characters if c.name == "Tom Mulligan")
    assert tom.mention_count == 6
    # "Mulligan" also names Harry, so listing it would make Tom the family.
    assert "Mulligan" not in tom.aliases


def test_bare_surname_of_the_only_bearer_is_an_alias() -> None:
    text = (
        "Tom Mulligan came up the stairs. Tom Mulligan laughed. Mulligan shaved.\n\n"
        "Mulligan whistled.\n"
    )
    tom = next(c for c in extract(text).characters if c.name == "Tom Mulligan")
    assert "Mulligan" in tom.aliases


def test_bare_surname_shared_with_a_woman_stays_ambiguous() -> None:
    text = (
        "Mr. Morel came home late. Morel sat down. Morel ate. Morel slept.\n\n"
        "Mrs. Morel said nothing to him.\n"
    )
    result = extract(text)
    assert not any("Morel" in c.aliases for c in result.characters)


def test_titled_plural_sisters_are_a_group_that_no_pronoun_stands_for() -> None:
    text = (
        "Lucy Steele came to Barton. Lucy Steele smiled.\n\n"
        "Miss Steeles laughed. “How charming,” said Miss Steeles. Miss Steeles nodded.\n\n"
        "“How very charming,” she cried.\n"
    )
    result = extract(text)
    groups = {c.id for c in result.characters if c.name.endswith("Steeles")}
    assert groups
    she = next(q for q in result.quotes if "very charming" in q.text)
    assert she.speaker not in groups


def test_a_russian_patronymic_tells_the_gender() -> None:
    text = (
        "Sofya Semyonovna Marmeladov came in. Sofya Semyonovna sat down.\n\n"
        "“I am the daughter,” said Sofya Semyonovna.\n\n"
        "Mr. Marmeladov was drunk. “I am a pig,” said Marmeladov. Marmeladov wept.\n\n"
        "“Sit down, Semyon Zaharovitch,” said Sofya Semyonovna. Semyon Zaharovitch sat down.\n"
    )
    result = extract(text)
    daughter = holder(result, "Sofya Semyonovna")
    assert daughter.pronouns == "she/her/hers"
    assert "Mr. Marmeladov" not in daughter.aliases
    assert holder(result, "Semyon Zaharovitch").pronouns == "he/him/his"


def test_miss_and_a_surname_is_the_one_woman_of_that_surname() -> None:
    text = (
        "Lucie Manette came in. Then Lucie sat down, and she smiled. Doctor Manette rose.\n\n"
        "“Father!” said Lucie. Alexandre Manette was her father. Then Lucie wept, and "
        "she hid her face.\n\n"
        "“You are tired,” said Doctor Manette. Lucie Manette nodded.\n\n"
        "“I am not,” said Miss Manette. Miss Manette went out.\n"
    )
    result = extract(text)
    assert holder(result, "Miss Manette") is holder(result, "Lucie")


def test_a_woman_called_miss_and_her_given_name_is_not_miss_and_the_surname() -> None:
    text = (
        "Marianne Dashwood came in. Then Marianne sat down, and she smiled.\n\n"
        "“Come, Miss Marianne,” said John Dashwood. Then Miss Marianne rose, and she went.\n\n"
        "“Where is she?” said Miss Dashwood. Miss Dashwood looked out.\n"
    )
    result = extract(text)
    assert holder(result, "Miss Dashwood") is not holder(result, "Marianne")


def test_mister_and_a_surname_is_not_the_master_of_the_family() -> None:
    text = (
        "Bob Cratchit came home, and Bob kissed his wife. Master Peter Cratchit "
        "plunged a fork into the pan, and Master Peter laughed. Then Peter sat down, "
        "and he smiled.\n\n"
        "“Welcome home, Mr. Cratchit,” said Mrs. Cratchit.\n"
    )
    result = extract(text)
    assert holder(result, "Mr. Cratchit") is holder(result, "Bob")
    assert holder(result, "Master Peter") is not holder(result, "Bob")


def test_miss_and_lady_on_one_word_are_daughter_and_mother() -> None:
    text = (
        "Rose Grant came in. Then Rose sat down, and she smiled.\n\n"
        "Amy Grant stayed out. Amy Grant was cold, and Amy shivered.\n\n"
        "“Good day,” said Miss Grant. Miss Grant laughed. Rose went out.\n\n"
        "“Sit down,” said Lady Grant to her daughter. Lady Grant was old, and she slept.\n\n"
        "Lady Grant woke. “Tea,” said Lady Grant. Miss Grant rang. Rose smiled.\n"
    )
    result = extract(text)
    assert holder(result, "Lady Grant") is not holder(result, "Miss Grant")
    assert holder(result, "Miss Grant") is holder(result, "Rose")


def test_a_kinship_title_on_a_given_name_is_no_married_title() -> None:
    text = (
        "Rosa Hart came in. “Come, Miss Rosa,” said the maid, and Miss Rosa laughed.\n\n"
        "“Aunt Rosa!” cried the boys. Aunt Rosa kissed them, and she sat down.\n\n"
        "Miss Rosa sang. Aunt Rosa was merry, and she danced.\n"
    )
    result = extract(text)
    assert holder(result, "Aunt Rosa") is holder(result, "Miss Rosa")
