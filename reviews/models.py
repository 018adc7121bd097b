"""A review by a customer who picked up, and the log of what happened to it.

A review holds no personal data: the reviewer is a masked nickname taken from the
reservation's name when it was written ("김**"), never a phone number, and the link to the
reservation is only there to keep one review per reservation (it is cleared, not cascaded,
if the reservation ever goes), so the review outlives the phone's retention erasure.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from shops.models import Shop


def review_photo_path(review: Review, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower() or ".jpg"
    return f"reviews/{review.shop_id}/{get_random_string(16)}{suffix}"


class ReviewQuerySet(models.QuerySet):
    def public(self) -> ReviewQuerySet:
        """What customers see: everything but reviews reported (hidden pending the platform
        admin's decision) or hidden after it."""
        return self.filter(status=Review.Status.VISIBLE)


class Review(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", _("공개")
        REPORTED = "reported", _("신고됨 (검토 대기, 숨김)")
        HIDDEN = "hidden", _("숨김 (운영자 결정)")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="reviews")
    listing = models.ForeignKey(
        "livestock.Listing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    reservation = models.OneToOneField(
        "pickup.Reservation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review",
    )
    item_name = models.CharField(_("상품"), max_length=200)
    nickname = models.CharField(_("작성자"), max_length=20)
    rating = models.PositiveSmallIntegerField(_("별점"))
    text = models.TextField(_("내용"), blank=True)
    photo = models.ImageField(_("사진"), upload_to=review_photo_path, blank=True)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.VISIBLE
    )
    created_at = models.DateTimeField(_("작성 시각"), default=timezone.now)
    updated_at = models.DateTimeField(_("수정 시각"), default=timezone.now)
    reply_text = models.TextField(_("사장님 답글"), blank=True)
    replied_at = models.DateTimeField(_("답글 시각"), null=True, blank=True)
    seen_by_owner_at = models.DateTimeField(null=True, blank=True)
    report_reason = models.CharField(_("신고 사유"), max_length=300, blank=True)
    reported_at = models.DateTimeField(_("신고 시각"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("신고한 사람"),
    )
    decided_at = models.DateTimeField(_("결정 시각"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("리뷰")
        verbose_name_plural = _("리뷰")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "status", "-created_at"], name="review_shop_recent_idx"),
            models.Index(fields=["listing", "status"], name="review_listing_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"★{self.rating} {self.item_name} ({self.nickname})"

    @property
    def has_photo(self) -> bool:
        return bool(self.photo)


class ReviewLog(models.Model):
    """One row per thing done to a review, written in the same transaction: who (a user or
    "customer"), what, when. It keeps the review's id as a number so it outlives a review
    its customer deleted, and holds no review text."""

    class Action(models.TextChoices):
        WRITTEN = "written", _("작성")
        EDITED = "edited", _("수정")
        DELETED = "deleted", _("삭제 (작성자)")
        REPLIED = "replied", _("답글")
        REPORTED = "reported", _("신고")
        RESTORED = "restored", _("신고 기각·다시 공개")
        HIDDEN = "hidden", _("숨김 확정")

    review_id = models.BigIntegerField()
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=80, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("리뷰 기록")
        verbose_name_plural = _("리뷰 기록")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["review_id"], name="reviewlog_review_idx")]

    def __str__(self) -> str:
        return f"#{self.review_id} {self.action}"
