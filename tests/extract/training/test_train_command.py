"""scripts/train_extractor.py end to end on one book of each corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.extract.conftest import shared_dir

ROOT = Path(__file__).resolve().parents[3]


def test_the_command_writes_weights_and_cross_validated_figures(tmp_path: Path) -> None:
    data = shared_dir() / "data"
    if not (data / "pdnc" / "train").is_dir():
        pytest.skip(f"shared data not found at {data}")
    run = [
        sys.executable,
        str(ROOT / "scripts" / "train_extractor.py"),
        "--data", str(data), "--limit", "1",
        "--weights", str(tmp_path / "w"), "--results", str(tmp_path / "cv.json"),
    ]  # fmt: skip
    out = subprocess.run(run, capture_output=True, text=True, timeout=600, check=True).stdout
    weights = json.loads((tmp_path / "w" / "speakers.json").read_text())
    assert weights["weights"] and "frame.name" in weights["weights"]
    figures = json.loads((tmp_path / "cv.json").read_text())["cv"]
    assert figures["pdnc"]["books"] == 1 and 0.0 < figures["pdnc"]["attribution"] <= 1.0
    assert "pdnc" in out and "gold speaker among candidates" in out
    again = subprocess.run(
        [*run[:-4], "--no-cv", "--weights", str(tmp_path / "w2")],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    assert again.returncode == 0
    assert (tmp_path / "w2" / "speakers.json").read_bytes() == (
        tmp_path / "w" / "speakers.json"
    ).read_bytes()
