"""Template tags other floors' templates use to show reviews without importing this app:
the review box on the reservation page, the star line."""

from __future__ import annotations

from django import template
from django.conf import settings

from reviews import selectors, services

register = template.Library()


@register.inclusion_tag("reviews/_review_form.html", takes_context=True)
def review_box(context, reservation):
    """The reservation page's review: the form once the order was picked up, the review
    written (editable for REVIEW_EDIT_DAYS days) and a delete button."""
    review = selectors.review_of_reservation(reservation)
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "messages": context.get("messages", ()),
        "reservation": reservation,
        "review": review,
        "can_edit": review is None or services.can_edit(review),
        "edit_deadline": services.edit_deadline(review) if review else None,
        "max_text": settings.REVIEW_MAX_TEXT,
        "edit_days": settings.REVIEW_EDIT_DAYS,
        "ratings": [5, 4, 3, 2, 1],
    }


@register.filter
def stars(rating) -> str:
    """★★★★☆ for 4 (the number is always said in words next to it)."""
    try:
        value = max(0, min(5, round(float(rating))))
    except (TypeError, ValueError):
        return ""
    return "★" * value + "☆" * (5 - value)


@register.simple_tag
def new_review_count(shop) -> int:
    """Reviews the owner has not seen in the console yet."""
    return selectors.new_review_count(shop)
