"""Audit jobs. Pruning is never scheduled: an administrator runs it on purpose, and it refuses anything younger
than the retention period (`./kehuctl manage kehu_job run audit.prune --arg before=2025-06-01`)."""

from __future__ import annotations

from datetime import date

from kehu.audit.retention import audit_prune
from kehu.core.jobs import kehu_job


@kehu_job(name="audit.prune")
def audit_prune_job(*, before: str = "", dry_run: str | bool = False) -> dict:
    """清理保存期以前的审计记录（拒绝保存期内的日期）/ prune audit records older than the retention period."""
    day = date.fromisoformat(before) if before else None
    dry = dry_run if isinstance(dry_run, bool) else str(dry_run).lower() in {"1", "true", "yes"}
    return audit_prune(before=day, dry_run=dry)
