"""Falsafa backend: upload a novel, talk with its characters."""

__version__ = "0.1.0"
