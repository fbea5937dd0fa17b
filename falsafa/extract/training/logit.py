"""A conditional logit: one softmax over each quote's candidates.

Usage::

    model = fit_choices(groups, c=1.0)     # groups: [(candidate features, gold index)]

Fitted with scipy's L-BFGS (scipy comes with scikit-learn, the training
extra) on a sparse design matrix; the result is a :class:`LinearModel` whose
``softmax`` gives each candidate's share. L2 regularisation keeps rare
features small; the optimisation is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import optimize, sparse

from falsafa.extract.scoring import Features, LinearModel

__all__ = ["Group", "fit_choices"]

Group = tuple[Sequence[Features], int]


def fit_choices(groups: Sequence[Group], c: float = 1.0) -> LinearModel:
    """Weights maximising the log-likelihood of each group's gold candidate."""
    names = sorted({k for feats, _ in groups for f in feats for k in f})
    if not names:
        return LinearModel({}, 0.0)
    index = {k: i for i, k in enumerate(names)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    starts: list[int] = []
    gold: list[int] = []
    r = 0
    for feats, y in groups:
        starts.append(r)
        gold.append(r + y)
        for f in feats:
            for k, v in f.items():
                rows.append(r)
                cols.append(index[k])
                vals.append(v)
            r += 1
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(r, len(names)))
    starts_a = np.array(starts)
    gold_a = np.array(gold)
    sizes = np.diff(np.append(starts_a, r))
    owner = np.repeat(np.arange(len(starts)), sizes)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        top = np.maximum.reduceat(s, starts_a)
        e = np.exp(s - top[owner])
        z = np.add.reduceat(e, starts_a)
        p = e / z[owner]
        nll = float(np.sum(np.log(z) + top - s[gold_a]))
        g = x.T @ p - np.asarray(x[gold_a].sum(axis=0)).ravel()
        return nll + 0.5 * float(w @ w) / c, g + w / c

    w0 = np.zeros(len(names))
    res = optimize.minimize(loss, w0, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    weights = {k: round(float(v), 5) for k, v in zip(names, res.x, strict=True) if abs(v) > 1e-6}
    return LinearModel(weights, 0.0)
