"""Owner console shell: which shop to run."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shops.auth import shops_for_user


@login_required
def console_home(request: HttpRequest) -> HttpResponse:
    shops = list(shops_for_user(request.user))
    if len(shops) == 1:
        return redirect("owner:shop_console", slug=shops[0].slug)
    return render(request, "owner/choose_shop.html", {"shops": shops})
