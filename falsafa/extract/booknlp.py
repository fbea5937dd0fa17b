"""BookNLP as an optional extractor, and the converter from its output files.

Usage::

    from falsafa.extract.booknlp import BookNLPExtractor, convert_output
    result = convert_output(text, book_json, entities_tsv, quotes_tsv)   # pure
    extractor = BookNLPExtractor(Path("/models/booknlp"))   # ExtractorUnavailable if not ready
    result = extractor.extract(text)

BookNLP names its English models after the BERT they fine-tune and, left to
itself, downloads them from a university web server and the Hugging Face hub.
We never let it: the model files must already be in ``model_dir`` (see
:func:`required_files`), the Hugging Face cache is pointed into
``model_dir/huggingface`` with offline mode forced, and BookNLP is run with
its "custom" model paths.

Without BookNLP's ``.tokens`` file we do not know where its token ids sit in
the text, so quotes and mentions are placed by searching for their tokens in
order: a cursor walks forward through the text, and each item is looked for
a short way past the previous one.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import tempfile
from bisect import bisect_left, insort
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from falsafa.extract.model import Character, Extraction, ExtractorUnavailable, Mention, Quote

__all__ = ["MODEL_FILES", "BookNLPExtractor", "convert_files", "convert_output", "required_files"]

MODEL_FILES: dict[str, tuple[str, str, str]] = {
    "big": (
        "entities_google_bert_uncased_L-6_H-768_A-12-v1.0.model",
        "coref_google_bert_uncased_L-12_H-768_A-12-v1.0.model",
        "speaker_google_bert_uncased_L-12_H-768_A-12-v1.0.1.model",
    ),
    "small": (
        "entities_google_bert_uncased_L-4_H-256_A-4-v1.0.model",
        "coref_google_bert_uncased_L-2_H-256_A-4-v1.0.model",
        "speaker_google_bert_uncased_L-8_H-256_A-4-v1.0.1.model",
    ),
}
"""BookNLP's English model files (entity, coref, speaker), as its source names them."""

_GENDER = {"he/him/his": "male", "she/her": "female"}


def required_files(model_dir: Path, size: str = "big") -> list[Path]:
    """Every file BookNLP needs in ``model_dir`` for a model size."""
    return [model_dir / name for name in MODEL_FILES[size]]


def _hf_base(model_file: str) -> str:
    # BookNLP derives the BERT it loads from the file name:
    # entities_google_bert_uncased_L-6_H-768_A-12-v1.0.model -> google/bert_uncased_L-6_H-768_A-12
    stem = model_file.split("_", 1)[1]
    return stem.replace("google_bert", "google/bert").rsplit("-v1", 1)[0]


class BookNLPExtractor:
    """Run an installed BookNLP with local models only, then convert its output."""

    name = "booknlp"

    def __init__(self, model_dir: Path, size: Literal["big", "small"] = "big") -> None:
        self.model_dir = Path(model_dir)
        self.size = size
        self.check()

    def check(self) -> None:
        """Raise ExtractorUnavailable naming exactly what is missing."""
        problems = []
        if importlib.util.find_spec("booknlp") is None:
            problems.append(
                "the 'booknlp' package is not installed (pip install 'falsafa[booknlp]')"
            )
        missing = [p for p in required_files(self.model_dir, self.size) if not p.is_file()]
        if missing:
            problems.append(
                f"BookNLP {self.size} model files missing from {self.model_dir}: "
                + ", ".join(p.name for p in missing)
            )
        hub = self.model_dir / "huggingface" / "hub"
        bases = sorted({_hf_base(n) for n in MODEL_FILES[self.size]})
        absent = [b for b in bases if not (hub / ("models--" + b.replace("/", "--"))).is_dir()]
        if absent:
            problems.append(
                f"Hugging Face models missing from the cache {hub}: " + ", ".join(absent)
            )
        if problems:
            raise ExtractorUnavailable("; ".join(problems) + ". Nothing is downloaded at run time.")

    def extract(self, text: str) -> Extraction:
        self.check()
        os.environ["HF_HOME"] = str(self.model_dir / "huggingface")
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from booknlp.booknlp import BookNLP

        entity, coref, speaker = required_files(self.model_dir, self.size)
        params = {
            "pipeline": "entity,quote,coref",
            "model": "custom",
            "entity_model_path": str(entity),
            "coref_model_path": str(coref),
            "quote_attribution_model_path": str(speaker),
            "model_path": str(self.model_dir),
        }
        with tempfile.TemporaryDirectory() as td:
            src = Path(td) / "book.txt"
            src.write_text(text, encoding="utf-8")
            BookNLP("en", params).process(str(src), td, "book")
            return convert_files(text, Path(td), "book")


def convert_files(text: str, out_dir: Path, book_id: str) -> Extraction:
    """Read ``book_id``.book/.entities/.quotes from ``out_dir`` and convert."""
    return convert_output(
        text,
        json.loads((out_dir / f"{book_id}.book").read_text(encoding="utf-8")),
        (out_dir / f"{book_id}.entities").read_text(encoding="utf-8"),
        (out_dir / f"{book_id}.quotes").read_text(encoding="utf-8"),
    )


def _rows(tsv: str) -> list[dict[str, str]]:
    return list(csv.DictReader(tsv.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))


class _Aligner:
    """Places BookNLP token ids in the text by searching tokens in order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ids: list[int] = []
        self.spans: dict[int, tuple[int, int]] = {}

    def place(self, first_id: int, tokens: list[str]) -> bool:
        if not tokens:
            return False
        if all(first_id + i in self.spans for i in range(len(tokens))):
            return True
        k = bisect_left(self.ids, first_id) - 1
        cursor, gap = (
            (self.spans[self.ids[k]][1], first_id - self.ids[k]) if k >= 0 else (0, first_id)
        )
        pos = cursor
        found: list[tuple[int, int]] = []
        for i, tok in enumerate(tokens):
            if first_id + i in self.spans:
                pos = self.spans[first_id + i][1]
                found.append(self.spans[first_id + i])
                continue
            limit = pos + (gap * 12 + 200 if i == 0 else 40 + len(tok))
            at = self.text.find(tok, pos, limit)
            if at < 0:
                return False
            found.append((at, at + len(tok)))
            pos = at + len(tok)
        for i, span in enumerate(found):
            if first_id + i not in self.spans:
                self.spans[first_id + i] = span
                insort(self.ids, first_id + i)
        return True

    def span(self, a: int, b: int) -> tuple[int, int] | None:
        if a in self.spans and b in self.spans:
            return self.spans[a][0], self.spans[b][1]
        return None


def convert_output(
    text: str, book: dict[str, Any], entities_tsv: str, quotes_tsv: str
) -> Extraction:
    """BookNLP's output for ``text`` as an :class:`Extraction` (pure)."""
    ents = _rows(entities_tsv)
    quotes = _rows(quotes_tsv)
    items: list[tuple[int, int, str, list[str]]] = []
    for i, e in enumerate(ents):
        items.append((int(e["start_token"]), 1, f"e{i}", e["text"].split()))
    for i, q in enumerate(quotes):
        items.append((int(q["quote_start"]), 0, f"q{i}", q["quote"].split()))
    items.sort()
    aligner = _Aligner(text)
    for first, _kind, _key, toks in items:
        aligner.place(first, toks)

    chars = [c for c in book.get("characters", []) if c.get("mentions", {}).get("proper")]
    cid = {int(c["id"]): f"b{c['id']}" for c in chars}
    first_seen: dict[str, int] = {}
    mentions: list[Mention] = []
    for e in ents:
        ref = int(e["COREF"])
        if ref not in cid or e["cat"] != "PER":
            continue
        sp = aligner.span(int(e["start_token"]), int(e["end_token"]))
        if sp is None:
            continue
        kind: Literal["proper", "nominal", "pronoun"] = (
            "proper" if e["prop"] == "PROP" else "pronoun" if e["prop"] == "PRON" else "nominal"
        )
        mentions.append(Mention(sp[0], sp[1], text[sp[0] : sp[1]], cid[ref], kind))
        first_seen.setdefault(cid[ref], sp[0])
    out_quotes: list[Quote] = []
    for q in quotes:
        sp = aligner.span(int(q["quote_start"]), int(q["quote_end"]))
        if sp is None:
            continue
        speaker = cid.get(int(q["char_id"])) if q.get("char_id", "").lstrip("-").isdigit() else None
        out_quotes.append(Quote(sp[0], sp[1], text[sp[0] : sp[1]], speaker))
    out_quotes.sort(key=lambda x: x.start)
    mentions.sort(key=lambda m: m.start)
    characters = []
    ranked = sorted(chars, key=lambda c: -int(c.get("count", 0)))
    for rank, c in enumerate(ranked, 1):
        names: Counter[str] = Counter()
        for m in c["mentions"]["proper"]:
            names[" ".join(m["n"].split())] += int(m["c"])
        ordered = [n for n, _ in names.most_common()]
        g = c.get("g") or {}
        gender = _GENDER.get(g.get("argmax", ""), "unknown") if isinstance(g, dict) else "unknown"
        characters.append(
            Character(
                id=cid[int(c["id"])],
                name=ordered[0],
                aliases=tuple(ordered[1:]),
                mention_count=int(c.get("count", 0)),
                gender=gender,  # type: ignore[arg-type]
                pronouns=g.get("argmax") if isinstance(g, dict) else None,
                descriptors=_words(c.get("mod", []), aligner),
                actions=_words(c.get("agent", []), aligner),
                first_offset=first_seen.get(cid[int(c["id"])], 0),
                rank=rank,
            )
        )
    return Extraction(
        characters=tuple(characters),
        quotes=tuple(out_quotes),
        mentions=tuple(mentions),
        extractor="booknlp",
    )


def _words(items: list[dict[str, Any]], aligner: _Aligner) -> tuple[tuple[str, int], ...]:
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for it in items:
        w = str(it["w"]).lower()
        counts[w] += 1
        sp = aligner.spans.get(int(it["i"]))
        if w not in first or (sp and sp[0] < first[w]):
            first[w] = sp[0] if sp else first.get(w, 0)
    return tuple((w, first[w]) for w, _ in counts.most_common(20))
