"""The dev-set figures must not fall below those recorded in bench/results/extraction_dev.json."""

from __future__ import annotations

import importlib.util
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.extract.conftest import shared_dir

RECORDED = Path(__file__).resolve().parents[2] / "bench" / "results" / "extraction_dev.json"
RATES = ("char_recall", "char_precision", "quote_recall", "quote_precision", "attribution")
COUNTS = ("merged", "split")


def recorded() -> dict[str, float]:
    figures: dict[str, float] = json.loads(RECORDED.read_text(encoding="utf-8"))["figures"]
    return figures


def _score_one(args: tuple[str, str]) -> dict[str, Any]:
    scorer_path, gold_path = args
    spec = importlib.util.spec_from_file_location("score_extraction", scorer_path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from falsafa.extract.builtin import BuiltinExtractor

    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    pred = json.loads(json.dumps(BuiltinExtractor().extract(gold["text"]).to_score_json()))
    result: dict[str, Any] = mod.score_book(gold, pred)
    return result


def test_dev_figures_hold() -> None:
    shared = shared_dir()
    gold_dir = shared / "data" / "litbank" / "dev"
    scorer = shared / "tools" / "score_extraction.py"
    if not gold_dir.is_dir() or not scorer.is_file():
        pytest.skip(f"shared data not found at {shared} (set FALSAFA_SHARED_DIR)")
    golds = sorted(gold_dir.glob("*.json"))
    with ProcessPoolExecutor(2) as pool:
        rows = list(pool.map(_score_one, [(str(scorer), str(g)) for g in golds]))
    tot = {k: sum(r[k] for r in rows) for k in rows[0] if k != "book"}

    def ratio(a: str, b: str) -> float:
        return tot[a] / tot[b] if tot[b] else 0.0

    now = {
        "char_recall": ratio("main_found", "gold_main"),
        "char_precision": ratio("pred_matched", "pred"),
        "merged": tot["merged"],
        "split": tot["split"],
        "quote_recall": ratio("quotes_found", "gold_quotes"),
        "quote_precision": ratio("pred_quotes_ok", "pred_quotes"),
        "attribution": ratio("attributed", "attributable"),
    }
    want = recorded()
    print(" ".join(f"{k}={now[k]:.3f}" for k in now), file=sys.stderr)
    for k in RATES:
        assert now[k] >= want[k] - 0.02, f"{k} fell to {now[k]:.3f} (recorded: {want[k]})"
    for k in COUNTS:
        assert now[k] <= want[k] + 2, f"{k} rose to {now[k]} (recorded: {int(want[k])})"
