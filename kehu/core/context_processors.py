from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from kehu.core.navigation import nav_items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for item in nav_items():
        if item.permission and not user.has_perm(item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        badge = item.badge(user) if item.badge else 0
        current = request.path.startswith(url) if url != "/" else request.path == "/"
        items.append({"label": item.label, "url": url, "badge": badge, "current": current})
    return {"nav_items": items}
