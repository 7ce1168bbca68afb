"""Kehu policy engine: pack schema, validation and evaluation. Pure Python — it must never import Django.

Typical use (the Django side fetches metrics in one set-based query, then writes results in bulk)::

    pack = load_pack("policies/hb-chemicals.yaml")
    results = evaluate_scheme(pack.scheme("polyolefin_star"), facts, period="2024-05")
    terms = benefits_for(pack, "polyolefin_star", results[0].grade)
"""

from .benefits import benefits_for, dimension_benefits_for
from .deadlines import due_at
from .errors import AdminValueMissing, EvaluationError, PackError, PackIssue, PolicyEngineError
from .evaluate import CustomerFacts, GradeResult, Override, evaluate_scheme, result_from_stored, texts_rebuildable
from .loader import available_packs, load_pack, load_pack_text, load_packs
from .model import Benefits, Pack, Scheme, Term
from .sql import compile_case_sql

__all__ = [
    "AdminValueMissing",
    "Benefits",
    "CustomerFacts",
    "EvaluationError",
    "GradeResult",
    "Override",
    "Pack",
    "PackError",
    "PackIssue",
    "PolicyEngineError",
    "Scheme",
    "Term",
    "available_packs",
    "benefits_for",
    "compile_case_sql",
    "dimension_benefits_for",
    "due_at",
    "evaluate_scheme",
    "load_pack",
    "load_pack_text",
    "load_packs",
    "result_from_stored",
    "texts_rebuildable",
]
