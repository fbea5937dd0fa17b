"""One trained linear scorer, read from a small JSON file in the package.

Usage::

    model = load_model("speakers")            # falsafa/extract/weights/speakers.json
    logit = model.score({"frame.named": 1.0, "recency": 0.3})
    p = model.probability({"frame.named": 1.0})
    yes = p > model.threshold                 # a yes-or-no scorer's cut (0.5 unless trained)
    shares = model.softmax([features_a, features_b])   # one choice among candidates

The weights are written by ``scripts/train_extractor.py`` (scikit-learn,
a training extra); inference is a dot product over named features, so the
service needs no numerical library and downloads nothing. A feature the file
does not name weighs nothing, and a missing file is an error naming the file
and the command that writes it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

__all__ = ["Features", "LinearModel", "load_model", "shares"]

Features = Mapping[str, float]


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A logistic model: ``bias + sum(weight[name] * value)``."""

    weights: Mapping[str, float]
    bias: float = 0.0
    meta: Mapping[str, Any] = field(default_factory=dict)

    def score(self, features: Features) -> float:
        w = self.weights
        return self.bias + sum(w.get(k, 0.0) * v for k, v in features.items())

    def probability(self, features: Features) -> float:
        return _sigmoid(self.score(features))

    @property
    def threshold(self) -> float:
        """The probability above which a yes-or-no scorer says yes: the
        file's ``threshold`` (chosen in training), else one half."""
        return float(self.meta.get("threshold", 0.5))

    def softmax(self, candidates: Sequence[Features]) -> list[float]:
        """Each candidate's share of one choice among them."""
        return shares([self.score(f) for f in candidates])

    def to_json(self) -> dict[str, Any]:
        return {"bias": self.bias, "weights": dict(sorted(self.weights.items())), **self.meta}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> LinearModel:
        meta = {k: v for k, v in doc.items() if k not in {"bias", "weights"}}
        return cls({str(k): float(v) for k, v in doc["weights"].items()}, float(doc["bias"]), meta)


def shares(logits: Sequence[float]) -> list[float]:
    """The softmax of some scores: each one's share of one choice among them."""
    if not logits:
        return []
    top = max(logits)
    exps = [math.exp(s - top) for s in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def load_model(name: str) -> LinearModel:
    """The packaged weights ``falsafa/extract/weights/<name>.json``."""
    path = resources.files("falsafa.extract") / "weights" / f"{name}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} is missing: run scripts/train_extractor.py to write it"
        ) from None
    return LinearModel.from_json(doc)
