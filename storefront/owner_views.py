"""Owner console shell: which shop to run; where shared links bring visitors from; the QR poster."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from livestock import selectors as stock_selectors
from shops import selectors, sharing
from shops import services as shop_services
from shops.auth import console_shop, shops_for_user
from shops.errors import DomainError
from shops.models import Membership, ShareChannel
from storefront import og_image, previews
from storefront.forms import ShopDetailsForm

MANAGEMENT = (Membership.Role.OWNER, Membership.Role.MANAGER)
POSTER_TYPES = {"png": "image/png", "pdf": "application/pdf"}


@login_required
def console_home(request: HttpRequest) -> HttpResponse:
    shops = list(shops_for_user(request.user))
    if len(shops) == 1:
        return redirect("owner:shop_console", slug=shops[0].slug)
    return render(request, "owner/choose_shop.html", {"shops": shops})


@login_required
def sharing_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug)
    canonical = request.build_absolute_uri(shop.get_absolute_url())
    version = stock_selectors.current_version(shop.pk) or 0
    preview = previews.build_preview(shop, list(stock_selectors.active_listings(shop.pk)))
    links = [
        {"label": ShareChannel(channel).label, "url": sharing.share_url(canonical, channel)}
        for channel in sharing.SHARE_CHANNELS
    ]
    return render(
        request,
        "owner/sharing.html",
        {
            "shop": shop,
            "stats": selectors.share_stats(shop),
            "links": links,
            "preview_url": previews.image_path(shop, version, preview),
            "attribution_days": settings.SHARE_ATTRIBUTION_DAYS,
        },
    )


@login_required
def qr_poster(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """An A5 poster with the shop's QR code (``?ref=qr``) for the counter and partner cafés."""
    shop = console_shop(request, slug)
    if fmt not in POSTER_TYPES:
        raise Http404("format")
    page_url = request.build_absolute_uri(shop.get_absolute_url())
    body = og_image.render_poster(
        shop.name,
        sharing.share_url(page_url, ShareChannel.QR),
        fmt=fmt,
        headline=_("동네 %(radius)s 픽업")
        % {"radius": previews.radius_label(shop.service_radius_m)},
        tagline=_("오늘 들어온 상품, 남은 수량 그대로"),
        call_to_action=_("휴대폰 카메라로 찍어 보세요"),
        details=[_("예약하고 가게나 가까운 카페에서 픽업"), _("픽업 할인 · 당일 수령")],
        display_url=page_url.split("://", 1)[-1],
        brand=_("동네5km"),
    )
    response = HttpResponse(body, content_type=POSTER_TYPES[fmt])
    response["Content-Disposition"] = f'inline; filename="{shop.slug}-qr-poster.{fmt}"'
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def shop_details(request: HttpRequest, slug: str) -> HttpResponse:
    """Owners and managers rewrite the banner, hours text, policy and links; staff cannot."""
    shop = console_shop(request, slug, roles=MANAGEMENT)
    initial = {name: getattr(shop, name) for name in shop_services.SHOP_DETAIL_FIELDS}
    form = ShopDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            shop_services.update_shop_details(
                shop=shop, changes=dict(form.cleaned_data), changed_by=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("가게 안내를 저장했습니다."))
            return redirect("owner:shop_console", slug=shop.slug)
    return render(
        request,
        "owner/shop_details.html",
        {"shop": shop, "form": form, "recent_changes": selectors.recent_detail_changes(shop.pk)},
        status=400 if request.method == "POST" else 200,
    )
