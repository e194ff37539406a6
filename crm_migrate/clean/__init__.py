"""Normalisers, validation and the clean pipeline (map -> normalise -> validate -> dedupe -> match)."""

from __future__ import annotations
