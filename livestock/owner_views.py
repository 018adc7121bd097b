"""Owner console pages for today's arrivals and the count buttons.

Forms post here and redirect back, so the console works without JavaScript; with it,
owner.js posts the same forms with ``Accept: application/json`` and stays on the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livestock import selectors, services
from livestock.forms import (
    ArrivalForm,
    ListingEditForm,
    OptionEditFormSet,
    OptionFormSet,
    StockForm,
)
from livestock.models import Listing
from shops.auth import console_shop, shops_for_user
from shops.errors import DomainError
from shops.models import Membership

OPTION_PREFIX = "opt"


def _actor(request: HttpRequest) -> services.Actor:
    return services.Actor(user=request.user, label="console")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def shop_console(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug)
    return render(
        request,
        "owner/console.html",
        {
            "shop": shop,
            "version": selectors.current_version(shop.pk) or 0,
            "listings": list(selectors.active_listings(shop.pk)),
            "stock_form": StockForm(),
            "ended": selectors.recently_ended(shop.pk),
            "can_manage": shops_for_user(
                request.user, (Membership.Role.OWNER, Membership.Role.MANAGER)
            )
            .filter(pk=shop.pk)
            .exists(),
        },
    )


@login_required
def post_arrival(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug)
    initial, option_initial = _repost_initial(shop, request.GET.get("from"))
    form = ArrivalForm(request.POST or None, request.FILES or None, initial=initial)
    options = OptionFormSet(request.POST or None, prefix="opt", initial=option_initial)
    if request.method == "POST" and form.is_valid() and options.is_valid():
        data = form.cleaned_data
        try:
            listing, _result = services.post_arrival(
                shop=shop,
                name=data["name"],
                unit=data["unit"],
                available=data["available"],
                price=data["price"],
                pickup_price=data["pickup_price"],
                staff_note=data["staff_note"],
                options=[
                    services.OptionSpec(
                        label=o["label"],
                        units=o["units"],
                        price=o["price"],
                        pickup_price=o["pickup_price"],
                    )
                    for o in options.cleaned_data
                    if o.get("label")
                ],
                photo=data.get("photo"),
                video=data.get("video"),
                max_per_customer=data.get("max_per_customer"),
                actor=_actor(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("'%(name)s' 입고를 올렸습니다.") % {"name": listing.name})
            return redirect("owner:shop_console", slug=shop.slug)
    return render(
        request,
        "owner/arrival_form.html",
        {"shop": shop, "form": form, "options": options},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def change_stock(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
    shop = console_shop(request, slug)
    get_object_or_404(Listing, pk=listing_id, shop=shop)
    form = StockForm(request.POST)
    error = None
    result = None
    if not form.is_valid():
        error = _("수량을 정수로 입력해 주세요.")
    else:
        data = form.cleaned_data
        set_to = data.get("set")
        delta = data.get("delta")
        if data.get("action") == "sold_out":
            set_to, delta = 0, None
        elif data.get("action") == "set":
            delta = None
            if set_to is None:
                error = _("바꿀 수량을 입력해 주세요.")
        if error is None:
            try:
                result, _replayed = services.adjust_stock(
                    shop=shop,
                    listing_id=listing_id,
                    delta=delta,
                    set_to=set_to,
                    actor=_actor(request),
                )
            except DomainError as exc:
                error = exc.detail
    if _wants_json(request):
        if error:
            return JsonResponse({"code": "invalid_input", "detail": error}, status=400)
        return JsonResponse({"available": result.available, "version": result.version})
    if error:
        messages.error(request, error)
    return redirect("owner:shop_console", slug=shop.slug)


@login_required
@require_POST
def end_listing(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
    shop = console_shop(request, slug)
    try:
        services.end_listing(shop=shop, listing_id=listing_id, actor=_actor(request))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("판매를 종료했습니다."))
    return redirect("owner:shop_console", slug=shop.slug)


def _repost_initial(shop, listing_id: str | None) -> tuple[dict, list[dict]]:
    """ "다시 올리기": an earlier listing of this shop fills the arrival form; the count is
    left for the owner to type, since today's arrival is rarely yesterday's."""
    # ASCII digits of a size a bigint holds: anything else (PostgreSQL would refuse it with an
    # error, not an empty result) simply leaves the form empty.
    if (
        not listing_id
        or not (listing_id.isascii() and listing_id.isdigit())
        or len(listing_id) > 15
    ):
        return {}, []
    listing = Listing.objects.filter(pk=int(listing_id), shop=shop).first()
    if listing is None:
        return {}, []
    initial = {
        "name": listing.name,
        "unit": listing.unit,
        "price": listing.price,
        "pickup_price": listing.pickup_price,
        "max_per_customer": listing.max_per_customer,
        "staff_note": listing.staff_note,
    }
    options = [
        {"label": o.label, "units": o.units, "price": o.price, "pickup_price": o.pickup_price}
        for o in listing.options.all()
    ]
    return initial, options


def _option_specs(options) -> list[services.OptionSpec]:
    """The 고치기 page's option rows as the whole new list: ticked 지우기 and blank rows left out."""
    return [
        services.OptionSpec(
            id=o.get("id"),
            label=o["label"],
            units=o["units"],
            price=o["price"],
            pickup_price=o["pickup_price"],
        )
        for o in options.cleaned_data
        if o.get("label") and not o.get("DELETE")
    ]


@login_required
def edit_listing(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
    shop = console_shop(request, slug)
    listing = get_object_or_404(Listing, pk=listing_id, shop=shop)
    initial = {
        "name": listing.name,
        "unit": listing.unit,
        "price": listing.price,
        "pickup_price": listing.pickup_price,
        "max_per_customer": listing.max_per_customer,
        "staff_note": listing.staff_note,
    }
    option_initial = [
        {
            "id": o.pk,
            "label": o.label,
            "units": o.units,
            "price": o.price,
            "pickup_price": o.pickup_price,
        }
        for o in listing.options.all()
    ]
    form = ListingEditForm(request.POST or None, request.FILES or None, initial=initial)
    # A post without the option rows (a page from before they were on it) leaves them alone.
    options_sent = f"{OPTION_PREFIX}-TOTAL_FORMS" in request.POST
    options = OptionEditFormSet(
        request.POST if options_sent else None, prefix=OPTION_PREFIX, initial=option_initial
    )
    if request.method == "POST" and form.is_valid() and (not options_sent or options.is_valid()):
        data = form.cleaned_data
        try:
            services.edit_listing(
                shop=shop,
                listing_id=listing.pk,
                changes={field: data[field] for field in services.EDITABLE_FIELDS},
                options=_option_specs(options) if options_sent else None,
                actor=_actor(request),
            )
            if data.get("photo"):
                services.replace_photo(
                    shop=shop, listing_id=listing.pk, photo=data["photo"], actor=_actor(request)
                )
        except DomainError as exc:
            form.add_error("photo" if "photo" in exc.code else None, exc.detail)
        else:
            messages.success(request, _("'%(name)s' 내용을 고쳤습니다.") % {"name": data["name"]})
            return redirect("owner:shop_console", slug=shop.slug)
    return render(
        request,
        "owner/listing_edit.html",
        {"shop": shop, "listing": listing, "form": form, "options": options},
        status=400 if request.method == "POST" else 200,
    )
