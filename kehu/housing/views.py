"""Thin web views of the commissioned-housing module: parse input, call one service or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from kehu.core.errors import ForbiddenError, ScopeError
from kehu.housing import selectors as sel


def _project(request, pk):
    try:
        return sel.project_get(actor=request.user, pk=pk)
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from None
    except ScopeError:
        raise Http404 from None


@login_required
def project_list(request):
    try:
        projects = sel.project_list(actor=request.user)
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from None
    return render(request, "housing/project_list.html", {"projects": projects})


@login_required
def project_detail(request, pk):
    project = _project(request, pk)
    return render(request, "housing/project_detail.html",
                  {"project": project, "ranking": sel.commissioner_ranking(project)})


@login_required
def control_table_view(request, pk):
    project = _project(request, pk)
    return render(request, "housing/control_table.html", {
        "project": project, "grids": sel.control_table(actor=request.user, project=project),
        "summary": sel.control_summary(project)})
