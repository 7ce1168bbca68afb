"""The 订单与信用 tab of the customer archive (registered with kehu.customers.tabs; loaded by htmx)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kehu.core.errors import ForbiddenError, ScopeError
from kehu.customers.models import ReadChannel
from kehu.customers.services import customer_read_record
from kehu.orders.selectors import customer_orders_tab


@login_required
@require_GET
def customer_orders_tab_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        tab = customer_orders_tab(actor=request.user, customer_id=pk)
    except ScopeError:
        raise Http404 from None
    except ForbiddenError as exc:
        raise PermissionDenied(exc.message) from None
    # Reading the customer's orders and credit is reading its archive: logged like the archive page.
    customer_read_record(customer=tab.customer, actor=request.user, channel=ReadChannel.PAGE)
    return render(request, "orders/_customer_orders.html", {"tab": tab})
