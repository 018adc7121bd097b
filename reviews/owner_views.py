"""Owner console: the shop's reviews, newest first with the new ones marked; one reply per
review (editable) and a report button for abuse. Plain forms that post and redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reviews import selectors, services
from shops.auth import MANAGING_ROLES, console_shop
from shops.errors import DomainError


@login_required
def reviews_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    return _page(request, shop)


def _page(request: HttpRequest, shop, refused: dict | None = None, status: int = 200):
    """The reviews page; ``refused``: a reply or report the services refused, shown on its
    form with what was typed (``form``, ``review_id``, ``text``, ``error``)."""
    reviews = selectors.owner_reviews(shop)
    response = render(
        request,
        "reviews/owner_reviews.html",
        {
            "shop": shop,
            "reviews": reviews,
            "summary": selectors.shop_summary(shop),
            "new_count": sum(1 for r in reviews if r.seen_by_owner_at is None),
            "refused": refused or {},
        },
        status=status,
    )
    if refused is None:
        services.mark_reviews_seen(shop=shop)  # shown once as new, then like the others
    return response


def _actor(request: HttpRequest) -> services.Actor:
    return services.Actor(user=request.user, label=request.user.get_username())


def _back(slug: str, review_id: int) -> HttpResponse:
    return redirect(reverse("owner:reviews", kwargs={"slug": slug}) + f"#review-{review_id}")


def _refused(request: HttpRequest, shop, form: str, review_id: int, text: str, exc: DomainError):
    """On the form, with what was typed; when that form is not on the page (a review gone,
    one already reported), in the messages at the top."""
    review = next((r for r in selectors.owner_reviews(shop) if r.pk == review_id), None)
    if review is None or (form == "report" and review.status != review.Status.VISIBLE):
        messages.error(request, exc.detail)
        return redirect("owner:reviews", slug=shop.slug)
    refused = {"form": form, "review_id": review_id, "text": text, "error": exc.detail}
    return _page(request, shop, refused, status=exc.status)


@login_required
@require_POST
def reply(request: HttpRequest, slug: str, review_id: int) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    text = request.POST.get("text", "")
    try:
        services.reply_to_review(shop=shop, review_id=review_id, text=text, actor=_actor(request))
    except DomainError as exc:
        return _refused(request, shop, "reply", review_id, text[:2000], exc)
    messages.success(request, _("답글을 올렸습니다."))
    return _back(shop.slug, review_id)


@login_required
@require_POST
def report(request: HttpRequest, slug: str, review_id: int) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    reason = request.POST.get("reason", "")
    try:
        services.report_review(shop=shop, review_id=review_id, reason=reason, actor=_actor(request))
    except DomainError as exc:
        return _refused(request, shop, "report", review_id, reason[:600], exc)
    messages.success(request, _("신고했습니다. 운영자가 확인할 때까지 손님에게 보이지 않습니다."))
    return _back(shop.slug, review_id)
