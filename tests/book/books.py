"""The shared books and PDNC texts the layout tests read (skipped when absent)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED

BOOKS = SHARED / "data" / "books"
PDNC_TRAIN = SHARED / "data" / "pdnc" / "train"

BOOK_STEMS = sorted(p.stem for p in BOOKS.glob("*.txt")) or ["a_christmas_carol"]
PDNC_STEMS = sorted(p.stem for p in PDNC_TRAIN.glob("*.json")) or ["missing"]


def read_book(stem: str) -> str:
    path = BOOKS / f"{stem}.txt"
    if not path.exists():
        pytest.skip(f"shared books not found at {BOOKS} (set FALSAFA_SHARED_DIR)")
    return path.read_text(encoding="utf-8")


def read_pdnc(stem: str) -> str:
    path = PDNC_TRAIN / f"{stem}.json"
    if not path.exists():
        pytest.skip(f"PDNC texts not found at {PDNC_TRAIN} (set FALSAFA_SHARED_DIR)")
    text: str = json.loads(path.read_text(encoding="utf-8"))["text"]
    return text
