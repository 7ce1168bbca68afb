from __future__ import annotations

from kehu.core.errors import ForbiddenError


def require_perm(actor, perm: str, message: str | None = None) -> None:
    """Services call this: permissions are enforced below the views, so the API and the CLI obey them too."""
    if actor is None or not actor.has_perm(perm):
        raise ForbiddenError(message or f"您没有执行此操作的权限（{perm}）。")
