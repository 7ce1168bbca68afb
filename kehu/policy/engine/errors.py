"""Errors raised by the policy engine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PackIssue:
    """One problem found in a pack file: where it is and what is wrong."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyEngineError(Exception):
    """Base class of every error the engine raises."""


class PackError(PolicyEngineError):
    """A pack failed validation; `issues` lists every problem found (never only the first)."""

    def __init__(self, issues: Iterable[PackIssue]) -> None:
        self.issues: tuple[PackIssue, ...] = tuple(sorted(issues, key=lambda i: (i.file, i.line, i.message)))
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"策略包校验失败，共 {len(self.issues)} 处问题：\n{lines}")


class AdminValueMissing(PolicyEngineError):
    """A scheme uses a figure the regulation leaves to the administrator, and none was supplied."""

    def __init__(self, scheme_code: str, missing: Iterable[tuple[str, str, str]]) -> None:
        # missing: (admin key, article, what it is for)
        self.scheme_code = scheme_code
        self.missing: tuple[tuple[str, str, str], ...] = tuple(missing)
        details = "；".join(f"{key}（{article}：{purpose}）" for key, article, purpose in self.missing)
        super().__init__(
            f"分级方案 {scheme_code} 需要管理员设定的数值，制度条文未给出具体数字，不能代为假定：{details}"
        )


class EvaluationError(PolicyEngineError):
    """Inputs to an evaluation are inconsistent with the scheme (unknown grade, bad override, bad admin value …)."""
