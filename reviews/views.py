"""The customer's review on the reservation page (/r/<token>/): plain forms that post and
redirect back, so writing, editing and deleting work without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pickup import reservation_selectors
from pickup.models import Reservation
from reviews import limits, rules, selectors, services
from shops.auth import client_ip
from shops.errors import DomainError
from shops.feedback import for_form


def _back(token: str) -> HttpResponse:
    return redirect(reverse("pickup:reservation_page", kwargs={"token": token}) + "#review")


def _review_form_tag(reservation) -> str:
    """Next to the form when the page shows it again; otherwise in the page's list."""
    if reservation.status != Reservation.Status.PICKED_UP:
        return ""
    review = selectors.review_of_reservation(reservation)
    return for_form("review") if review is None or services.can_edit(review) else ""


@require_POST
def review_submit(request: HttpRequest, token: str) -> HttpResponse:
    reservation = reservation_selectors.reservation_by_token(token)
    if reservation is None:
        raise Http404("reservation")
    fields = {
        "reservation": reservation,
        "rating": rules.form_rating(request.POST.get("rating")),
        "text": request.POST.get("text", ""),
        "photo": request.FILES.get("photo"),
    }
    try:
        limits.check_review_rate(client_ip=client_ip(request), reservation_id=reservation.pk)
        if selectors.review_of_reservation(reservation) is None:
            services.write_review(**fields)
            done = _("리뷰를 올렸습니다. 고마워요!")
        else:
            services.edit_review(**fields, remove_photo=request.POST.get("remove_photo") == "on")
            done = _("리뷰를 고쳤습니다.")
    except DomainError as exc:
        messages.error(request, exc.detail, extra_tags=_review_form_tag(reservation))
    else:
        messages.success(request, done)
    return _back(token)


@require_POST
def review_delete(request: HttpRequest, token: str) -> HttpResponse:
    reservation = reservation_selectors.reservation_by_token(token)
    if reservation is None:
        raise Http404("reservation")
    try:
        limits.check_review_rate(client_ip=client_ip(request), reservation_id=reservation.pk)
        services.delete_review(reservation=reservation)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("리뷰를 지웠습니다."))
    return _back(token)
