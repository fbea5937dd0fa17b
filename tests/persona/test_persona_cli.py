"""``falsafa persona --json FILE``: personas and voice lines anyone can score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from falsafa.cli import main

CAROL = Path(__file__).resolve().parents[2] / "falsafa" / "samples" / "a_christmas_carol.txt"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_personas_with_their_lines_and_offsets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "persona", "--json", str(CAROL))
    assert code == 0
    personas = json.loads(out)["personas"]
    code, out, _ = run(capsys, "extract", "--json", str(CAROL))
    spoken = {(q["start"], q["end"]): q["speaker"] for q in json.loads(out)["quotes"]}
    text = CAROL.read_text(encoding="utf-8")

    names = [p["name"] for p in personas]
    assert names[0] == "Scrooge" and len(names) == len(set(names)) <= 12
    scrooge = personas[0]
    assert "Ebenezer Scrooge" in scrooge["aliases"]
    assert len(scrooge["voice_lines"]) >= 10
    for p in personas:
        assert set(p) == {
            "character_id",
            "name",
            "aliases",
            "descriptors",
            "addressed_as",
            "voice_lines",
        }
        for line in p["voice_lines"]:
            # The offsets are the quote's, as the extractor found it, said by
            # this character; the text is that quote's words.
            assert spoken[(line["start"], line["end"])] == p["character_id"]
            span = " ".join(text[line["start"] : line["end"]].strip("\"“”‘’' ").split())
            assert span == line["text"]
            # Framed (1.0) or as sure as the scorer must be for a voice line.
            assert 0.99 <= line["confidence"] <= 1.0


def test_summary_and_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "persona", str(CAROL), "--top", "3")
    assert code == 0 and out.startswith(" 1. Scrooge") and "\n 3. " in out and "\n 4. " not in out
    code, _, err = run(capsys, "persona", str(tmp_path / "missing.txt"))
    assert code == 2 and "persona: cannot read" in err
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    code, _, err = run(capsys, "persona", str(tmp_path / "binary.txt"))
    assert code == 2 and "persona: cannot read" in err
    code, _, err = run(capsys, "persona", "--top", "0", str(CAROL))
    assert code == 2 and "--top must be at least 1" in err
