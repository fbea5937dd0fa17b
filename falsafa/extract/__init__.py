"""Character extraction: who the characters are, their names, who says what.

Usage::

    from falsafa.extract import available_extractor
    extractor = available_extractor("builtin", None)
    result = extractor.extract(text)

``"builtin"`` always works (pure Python, no downloads). ``"booknlp"`` needs
the ``booknlp`` package and its model files in ``booknlp_model_dir``; when
either is missing, :class:`ExtractorUnavailable` says exactly what.
"""

from __future__ import annotations

from pathlib import Path

from falsafa.extract.model import (
    Character,
    Extraction,
    Extractor,
    ExtractorUnavailable,
    Mention,
    Quote,
    Relation,
)

__all__ = [
    "Character",
    "Extraction",
    "Extractor",
    "ExtractorUnavailable",
    "Mention",
    "Quote",
    "Relation",
    "available_extractor",
]


def available_extractor(name: str, booknlp_model_dir: Path | None) -> Extractor:
    """The extractor called ``name``, ready to run, or ExtractorUnavailable."""
    if name == "builtin":
        from falsafa.extract.builtin import BuiltinExtractor

        return BuiltinExtractor()
    if name == "booknlp":
        if booknlp_model_dir is None:
            raise ExtractorUnavailable(
                "the booknlp extractor needs a model directory (--booknlp-models DIR); "
                "see falsafa.extract.booknlp.required_files() for what it must hold"
            )
        from falsafa.extract.booknlp import BookNLPExtractor

        return BookNLPExtractor(booknlp_model_dir)
    raise ExtractorUnavailable(f"unknown extractor {name!r}: choose 'builtin' or 'booknlp'")
