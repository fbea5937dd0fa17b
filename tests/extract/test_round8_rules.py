"""Round-eight rules, each on a small inline scene."""

from __future__ import annotations

from tests.extract.conftest import extract, speaker_name


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
