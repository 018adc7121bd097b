"""Reviews' writes: one function per thing a customer, an owner or the platform admin means
to do. Each owns its transaction and writes its ``ReviewLog`` row in it.

* Only a reservation that was picked up can be reviewed, once (409 ``not_picked_up``,
  409 ``already_reviewed``); the customer holding its secret link may edit the review for
  ``REVIEW_EDIT_DAYS`` days and delete it at any time.
* A photo goes through the one upload validator, then ``livestock.media.prepared_photo``
  keeps an upright, resized JPEG copy without EXIF.
* A new review is told to the capabilities as ``review.created`` (shops/events.py: ids
  and rating, no text) inside its transaction, for the owner's push once notify listens.
* The owner replies once per review (the reply can be edited) and may report a review for
  abuse: it is hidden until the platform admin decides in /admin/. An honest bad review is
  never deleted by the shop.

Locks: reservation → review (``FOR UPDATE OF`` each row alone), nothing else; this sits
after "reservation" in the project's order (pickup/services/__init__.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livestock import media
from pickup.models import Reservation
from reviews import rules
from reviews.models import Review, ReviewLog
from shops import events
from shops.errors import Conflict, InvalidInput, NotFound
from shops.models import Shop
from shops.validation import clean_text

RawInput = object


@dataclass(frozen=True)
class Actor:
    """Who acts on a review: a signed-in user (owner, admin), or a label alone."""

    user: AbstractBaseUser | None = None
    label: str = ""


CUSTOMER = Actor(label="customer")


# --- checks ----------------------------------------------------------------------------


def _check_rating(value: RawInput) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(_("별점은 1부터 5까지의 정수로 골라 주세요."), code="invalid_rating")
    return value


def _check_text(value: RawInput) -> str:
    return clean_text(
        value,
        label=_("리뷰 내용"),
        max_length=settings.REVIEW_MAX_TEXT,
        multiline=True,
    )


def _log(review: Review, action: str, actor: Actor, now: datetime) -> None:
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    ReviewLog.objects.create(
        review_id=review.pk,
        shop_id=review.shop_id,
        action=action,
        actor=user,
        actor_label=actor.label[:80],
        at=now,
    )


def _locked_reservation(reservation: Reservation) -> Reservation:
    locked = Reservation.objects.select_for_update(of=("self",)).filter(pk=reservation.pk).first()
    if locked is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    return locked


def _locked_review_of(reservation: Reservation) -> Review:
    review = (
        Review.objects.select_for_update(of=("self",)).filter(reservation_id=reservation.pk).first()
    )
    if review is None:
        raise NotFound(_("이 예약으로 쓴 리뷰가 없습니다."), code="review_not_found")
    return review


def _locked_shop_review(shop: Shop, review_id: RawInput) -> Review:
    if isinstance(review_id, bool) or not isinstance(review_id, int) or not 0 < review_id < 2**62:
        raise NotFound(_("리뷰를 찾을 수 없습니다."), code="review_not_found")
    review = (
        Review.objects.select_for_update(of=("self",)).filter(pk=review_id, shop_id=shop.pk).first()
    )
    if review is None:
        raise NotFound(_("리뷰를 찾을 수 없습니다."), code="review_not_found")
    return review


def edit_deadline(review: Review) -> datetime:
    return review.created_at + timedelta(days=settings.REVIEW_EDIT_DAYS)


def can_edit(review: Review, now: datetime | None = None) -> bool:
    return (now or timezone.now()) <= edit_deadline(review)


# --- the customer ----------------------------------------------------------------------


def write_review(
    *,
    reservation: Reservation,
    rating: RawInput,
    text: RawInput,
    photo: UploadedFile | None = None,
    now: datetime | None = None,
) -> Review:
    """The customer who picked up rates it (1–5), says a few words, maybe adds a photo."""
    now = now or timezone.now()
    rating = _check_rating(rating)
    text = _check_text(text)
    prepared = media.prepared_photo(photo, name="review.jpg") if photo is not None else None
    with transaction.atomic():
        locked = _locked_reservation(reservation)
        if locked.status != Reservation.Status.PICKED_UP:
            raise Conflict(_("수령을 마친 예약만 리뷰를 쓸 수 있습니다."), code="not_picked_up")
        if Review.objects.filter(reservation_id=locked.pk).exists():
            raise _already_reviewed()
        review = Review(
            shop_id=locked.shop_id,
            listing_id=locked.listing_id,
            reservation=locked,
            item_name=locked.item_name,
            nickname=rules.mask_nickname(locked.name),
            rating=rating,
            text=text,
            created_at=now,
            updated_at=now,
        )
        if prepared is not None:
            review.photo.save(prepared.name, prepared, save=False)
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:  # a twin request got there first
            raise _already_reviewed() from None
        _log(review, ReviewLog.Action.WRITTEN, CUSTOMER, now)
        events.record(
            type=events.REVIEW_CREATED,
            shop_id=locked.shop_id,
            shop_slug=locked.shop.slug,
            data={
                "review_id": review.pk,
                "rating": review.rating,
                "listing_id": review.listing_id,
                "item_name": review.item_name,
                "has_photo": review.has_photo,
            },
        )
    return review


def _already_reviewed() -> Conflict:
    return Conflict(
        _("이 예약으로 이미 리뷰를 썼습니다. 쓴 리뷰는 예약 페이지에서 고칠 수 있습니다."),
        code="already_reviewed",
    )


def edit_review(
    *,
    reservation: Reservation,
    rating: RawInput,
    text: RawInput,
    photo: UploadedFile | None = None,
    remove_photo: bool = False,
    now: datetime | None = None,
) -> Review:
    """The customer changes their review, within ``REVIEW_EDIT_DAYS`` days of writing it."""
    now = now or timezone.now()
    rating = _check_rating(rating)
    text = _check_text(text)
    prepared = media.prepared_photo(photo, name="review.jpg") if photo is not None else None
    with transaction.atomic():
        locked = _locked_reservation(reservation)
        review = _locked_review_of(locked)
        if not can_edit(review, now):
            raise Conflict(
                _("리뷰는 쓴 날부터 %(days)d일 동안만 고칠 수 있습니다.")
                % {"days": settings.REVIEW_EDIT_DAYS},
                code="edit_window_over",
            )
        old_photo = review.photo.name if review.photo else ""
        review.rating = rating
        review.text = text
        review.updated_at = now
        if prepared is not None:
            review.photo.save(prepared.name, prepared, save=False)
        elif remove_photo:
            review.photo = ""
        review.save()
        _log(review, ReviewLog.Action.EDITED, CUSTOMER, now)
        if old_photo and old_photo != (review.photo.name if review.photo else ""):
            transaction.on_commit(partial(_delete_file, old_photo), robust=True)
    return review


def delete_review(*, reservation: Reservation, now: datetime | None = None) -> int:
    """The customer takes their review down (any time); its photo goes with it. Returns the
    deleted review's id."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_reservation(reservation)
        review = _locked_review_of(locked)
        photo = review.photo.name if review.photo else ""
        review_id = review.pk
        _log(review, ReviewLog.Action.DELETED, CUSTOMER, now)
        review.delete()
        if photo:
            transaction.on_commit(partial(_delete_file, photo), robust=True)
    return review_id


def _delete_file(name: str) -> None:
    Review._meta.get_field("photo").storage.delete(name)


# --- the owner -------------------------------------------------------------------------


def reply_to_review(
    *, shop: Shop, review_id: RawInput, text: RawInput, actor: Actor, now: datetime | None = None
) -> Review:
    """The owner answers a review; answering again replaces the one reply."""
    now = now or timezone.now()
    text = clean_text(
        text,
        label=_("답글"),
        max_length=settings.REVIEW_MAX_REPLY,
        required=True,
        multiline=True,
    )
    with transaction.atomic():
        review = _locked_shop_review(shop, review_id)
        review.reply_text = text
        review.replied_at = now
        review.seen_by_owner_at = review.seen_by_owner_at or now
        review.save(update_fields=["reply_text", "replied_at", "seen_by_owner_at"])
        _log(review, ReviewLog.Action.REPLIED, actor, now)
    return review


def report_review(
    *, shop: Shop, review_id: RawInput, reason: RawInput, actor: Actor, now: datetime | None = None
) -> Review:
    """The owner reports a review as abuse (insults, someone else's personal data, spam):
    it is hidden until the platform admin decides. Reporting it again changes nothing."""
    now = now or timezone.now()
    reason = clean_text(reason, label=_("신고 사유"), max_length=300, required=True)
    with transaction.atomic():
        review = _locked_shop_review(shop, review_id)
        if review.status != Review.Status.VISIBLE:
            return review
        review.status = Review.Status.REPORTED
        review.report_reason = reason
        review.reported_at = now
        review.reported_by = actor.user if actor.user and actor.user.is_authenticated else None
        review.decided_at = None
        review.seen_by_owner_at = review.seen_by_owner_at or now
        review.save(
            update_fields=[
                "status",
                "report_reason",
                "reported_at",
                "reported_by",
                "decided_at",
                "seen_by_owner_at",
            ]
        )
        _log(review, ReviewLog.Action.REPORTED, actor, now)
    return review


def mark_reviews_seen(*, shop: Shop, now: datetime | None = None) -> int:
    """The owner has seen the console's list: its new reviews are new no more."""
    now = now or timezone.now()
    return Review.objects.filter(shop_id=shop.pk, seen_by_owner_at__isnull=True).update(
        seen_by_owner_at=now
    )


# --- the platform admin ----------------------------------------------------------------


def decide_report(
    *, review_id: int, hide: bool, actor: Actor, now: datetime | None = None
) -> Review:
    """The platform admin's decision on a reported review: hide it for good, or show it
    again (a bad but honest review stays)."""
    now = now or timezone.now()
    with transaction.atomic():
        review = Review.objects.select_for_update(of=("self",)).filter(pk=review_id).first()
        if review is None:
            raise NotFound(_("리뷰를 찾을 수 없습니다."), code="review_not_found")
        review.status = Review.Status.HIDDEN if hide else Review.Status.VISIBLE
        review.decided_at = now
        review.save(update_fields=["status", "decided_at"])
        _log(review, ReviewLog.Action.HIDDEN if hide else ReviewLog.Action.RESTORED, actor, now)
    return review
