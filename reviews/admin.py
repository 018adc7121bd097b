"""Reviews in /admin/: shop members see their shops' reviews (read-only); the platform
admin (a superuser) decides on reported ones: hide for good, or show again. Every text is
escaped by the admin's own rendering; nothing here marks anything safe."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reviews import services
from reviews.models import Review, ReviewLog
from shops.admin import ReadOnlyAdminMixin, ShopScopedAdmin


class ReviewStatusFilter(admin.SimpleListFilter):
    title = _("상태")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Review.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = (
        "item_name",
        "shop",
        "rating",
        "nickname",
        "status",
        "report_reason",
        "reported_at",
        "created_at",
    )
    list_filter = (ReviewStatusFilter, "rating")
    list_select_related = ("shop",)
    search_fields = ("item_name", "text", "report_reason")
    fields = (
        "shop",
        "item_name",
        "nickname",
        "rating",
        "text",
        "photo",
        "status",
        "reply_text",
        "replied_at",
        "report_reason",
        "reported_at",
        "reported_by",
        "decided_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ("restore_reviews", "hide_reviews")

    def get_actions(self, request: HttpRequest):
        # Only the platform admin decides; shop members may look.
        return super().get_actions(request) if request.user.is_superuser else {}

    def _decide(self, request: HttpRequest, queryset: QuerySet[Review], *, hide: bool) -> int:
        actor = services.Actor(user=request.user, label="admin")
        for review_id in queryset.values_list("pk", flat=True):
            services.decide_report(review_id=review_id, hide=hide, actor=actor)
        return queryset.count()

    @admin.action(description=_("신고 기각: 다시 공개"))
    def restore_reviews(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        count = self._decide(request, queryset, hide=False)
        self.message_user(
            request,
            ngettext(
                "리뷰 %(n)d개를 다시 공개했습니다.", "리뷰 %(n)d개를 다시 공개했습니다.", count
            )
            % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("신고 인정: 숨김 확정"))
    def hide_reviews(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        count = self._decide(request, queryset, hide=True)
        self.message_user(
            request,
            ngettext("리뷰 %(n)d개를 숨겼습니다.", "리뷰 %(n)d개를 숨겼습니다.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ("review_id", "shop", "action", "actor", "actor_label", "at")
    list_filter = ("action",)
    list_select_related = ("shop", "actor")
