"""The CLI and the JSON contract the scorer reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from falsafa.extract import ExtractorUnavailable, available_extractor
from falsafa.extract.builtin import BuiltinExtractor
from falsafa.extract.cli import main

TEXT = (
    "\ufeffCHAPTER I\r\n\r\nMr. Bennet sat by the fire.\r\n\r\n"
    "“Have you heard?” said Mrs. Bennet to him.\r\n\r\n“No,” said Mr. Bennet.\r\n"
)


def test_json_is_exactly_the_scorer_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    assert main(["--json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"characters", "quotes"}
    for c in doc["characters"]:
        assert set(c) == {"id", "name", "aliases", "mention_count"}
        assert isinstance(c["aliases"], list) and isinstance(c["mention_count"], int)
    ids = {c["id"] for c in doc["characters"]}
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    for q in doc["quotes"]:
        assert set(q) == {"start", "end", "speaker", "confidence"}
        assert text[q["start"]] == "“" and q["speaker"] in ids
        assert q["confidence"] is None or 0.0 <= q["confidence"] <= 1.0
    names = {c["id"]: c["name"] for c in doc["characters"]}
    assert [names[q["speaker"]] for q in doc["quotes"]] == ["Mrs. Bennet", "Mr. Bennet"]


def test_plain_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "book.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "Mr. Bennet" in out and "quotes" in out and "mentions" in out


def test_booknlp_without_models_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "book.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert main(["--extractor", "booknlp", "--booknlp-models", str(tmp_path), str(path)]) == 3
    assert "entities_google_bert_uncased_L-6_H-768_A-12-v1.0.model" in capsys.readouterr().err


def test_factory() -> None:
    assert isinstance(available_extractor("builtin", None), BuiltinExtractor)
    with pytest.raises(ExtractorUnavailable, match="model directory"):
        available_extractor("booknlp", None)
    with pytest.raises(ExtractorUnavailable, match="unknown"):
        available_extractor("spacy", None)


def test_a_windows_1252_file_is_read_as_the_service_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Curly quotes and "é" in Windows-1252: bytes 0x93, 0x94 and 0xe9, not UTF-8.
    text = TEXT.lstrip("\ufeff").replace("Mrs. Bennet", "Mrs. Bennet of Longbourn, née Gardiner")
    path = tmp_path / "book.txt"
    path.write_bytes(text.encode("cp1252"))
    assert main(["--json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = {c["id"]: c["name"] for c in doc["characters"]}
    assert [names[q["speaker"]] for q in doc["quotes"]] == ["Mrs. Bennet", "Mr. Bennet"]
    read = text.replace("\r\n", "\n")  # as the scorer reads the file
    for q in doc["quotes"]:
        assert read[q["start"]] == "“"


def test_an_unreadable_file_is_refused_with_the_service_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes(b"\x1f\x8b\x08\x00 compressed")
    assert main([str(path)]) == 2
    assert "the file is binary (compressed or NUL bytes), not plain text" in capsys.readouterr().err
