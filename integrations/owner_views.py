"""Owner console: the shop's webhooks (subscribe, secret shown once, rotate, pause, delivery
log, "다시 보내기") and its API tokens (scopes, shown once, revoke).

Plain forms that post; a secret or token is shown in the answer to the POST that made it
(never stored readable for the page, never in a redirect), with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from integrations import selectors, services
from integrations.models import Delivery
from shops import services as shop_services
from shops.auth import MANAGING_ROLES, console_shop
from shops.errors import DomainError, InvalidInput
from shops.events import EVENT_TYPES
from shops.feedback import for_form
from shops.models import ApiToken, Shop, TokenScope

EVENT_LABELS = {
    "stock.changed": gettext_lazy("재고 변경"),
    "listing.created": gettext_lazy("상품 등록"),
    "listing.updated": gettext_lazy("상품 수정"),
    "listing.ended": gettext_lazy("판매 종료"),
    "reservation.created": gettext_lazy("예약 접수"),
    "reservation.ready": gettext_lazy("준비 완료"),
    "reservation.picked_up": gettext_lazy("수령 완료"),
    "reservation.cancelled": gettext_lazy("예약 취소"),
    "reservation.no_show": gettext_lazy("노쇼"),
}


def _page(
    request: HttpRequest,
    shop: Shop,
    *,
    revealed: dict | None = None,
    status: int = 200,
    webhook_url: str = "",
):
    tokens = list(ApiToken.objects.filter(shop_id=shop.pk).order_by("-created_at"))
    response = render(
        request,
        "owner/integrations.html",
        {
            "shop": shop,
            "endpoints": selectors.shop_endpoints(shop),
            "disabled": selectors.disabled_endpoints(shop),
            "events": [(e, str(EVENT_LABELS.get(e, e))) for e in EVENT_TYPES],
            "scopes": TokenScope.choices,
            "tokens": tokens,
            "revealed": revealed,
            "webhook_url": webhook_url,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def integrations_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, console_shop(request, slug, MANAGING_ROLES))


@login_required
@require_POST
def add_webhook(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        endpoint = services.create_endpoint(
            shop=shop, url=request.POST.get("url", ""), events=request.POST.getlist("events")
        )
    except DomainError as exc:
        messages.error(request, exc.detail, extra_tags=for_form("webhook"))
        return _page(request, shop, status=422, webhook_url=request.POST.get("url", "")[:2000])
    return _page(
        request,
        shop,
        revealed={
            "label": _("새 웹훅의 서명 비밀키"),
            "value": endpoint.secret,
            "url": endpoint.url,
        },
    )


@login_required
@require_POST
def webhook_action(request: HttpRequest, slug: str, endpoint_id: int, action: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        if action == "rotate":
            endpoint = services.rotate_secret(shop=shop, endpoint_id=endpoint_id)
            return _page(
                request,
                shop,
                revealed={
                    "label": _("교체한 서명 비밀키 (이전 키도 당분간 함께 서명합니다)"),
                    "value": endpoint.secret,
                    "url": endpoint.url,
                },
            )
        if action == "pause":
            services.pause_endpoint(shop=shop, endpoint_id=endpoint_id)
            messages.success(request, _("웹훅을 일시 중지했습니다. 이벤트는 쌓아 둡니다."))
        elif action == "resume":
            services.resume_endpoint(shop=shop, endpoint_id=endpoint_id)
            messages.success(request, _("웹훅을 다시 켰습니다. 쌓인 이벤트를 순서대로 보냅니다."))
        elif action == "delete":
            services.delete_endpoint(shop=shop, endpoint_id=endpoint_id)
            messages.success(request, _("웹훅 주소를 삭제했습니다."))
        else:
            raise Http404("action")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("owner:integrations", slug=shop.slug)


@login_required
def webhook_log(request: HttpRequest, slug: str, endpoint_id: int) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    endpoint = selectors.shop_endpoint(shop, endpoint_id)
    if endpoint is None:
        raise Http404("webhook")
    return render(
        request,
        "owner/webhook_log.html",
        {
            "shop": shop,
            "endpoint": endpoint,
            "attempts": selectors.recent_attempts(endpoint),
            "pending": Delivery.Status.PENDING,
            "since_default": timezone.localtime().strftime("%Y-%m-%dT00:00"),
        },
    )


@login_required
@require_POST
def resend(request: HttpRequest, slug: str, endpoint_id: int) -> HttpResponse:
    """ "다시 보내기": one delivery (``delivery``) or everything since a time (``since``)."""
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        delivery_id = request.POST.get("delivery", "")
        if delivery_id.isdigit():
            services.resend_delivery(
                shop=shop, endpoint_id=endpoint_id, delivery_id=int(delivery_id)
            )
            messages.success(request, _("다시 보내도록 줄을 세웠습니다."))
        else:
            try:
                since = datetime.fromisoformat(request.POST.get("since", "")[:40])
            except ValueError:
                raise InvalidInput(
                    _("언제부터 다시 보낼지 시각을 입력해 주세요."), code="invalid_since"
                ) from None
            queued = services.resend_since(shop=shop, endpoint_id=endpoint_id, since=since)
            messages.success(
                request, _("%(count)d건을 다시 보내도록 줄을 세웠습니다.") % {"count": queued}
            )
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("owner:webhook_log", slug=shop.slug, endpoint_id=endpoint_id)


@login_required
@require_POST
def add_token(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        token, raw = shop_services.issue_api_token(
            shop=shop, name=request.POST.get("name", ""), scopes=request.POST.getlist("scopes")
        )
    except DomainError as exc:
        messages.error(request, exc.detail, extra_tags=for_form("token"))
        return _page(request, shop, status=422)
    return _page(
        request,
        shop,
        revealed={"label": _("새 API 토큰 (%(name)s)") % {"name": token.name}, "value": raw},
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, slug: str, token_id: int) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        token = shop_services.revoke_api_token(shop=shop, token_id=token_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("'%(name)s' 토큰을 폐기했습니다.") % {"name": token.name})
    return redirect("owner:integrations", slug=shop.slug)
