"""Who is calling the API, and may they act for this shop?"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from shops.errors import NotFound, PermissionDenied
from shops.models import ApiToken, Membership, Shop, hash_token


class ShopTokenAuth(HttpBearer):
    """``Authorization: Bearer d5k_…``: an integration acting for exactly one shop."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token or len(token) > 200:
            return None
        api_token = (
            ApiToken.objects.select_related("shop")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if api_token is None:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return api_token


class OwnerSessionAuth(SessionAuth):
    """A logged-in member; CSRF is checked only once we know there is a session to protect,
    so a call with no credentials at all gets 401 rather than a CSRF 403."""

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if user is None:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF verification failed")
        return user


owner_auth = [ShopTokenAuth(), OwnerSessionAuth()]


def client_ip(request: HttpRequest) -> str:
    """The client's IP as the whole app sees it: REMOTE_ADDR, which daphne
    (``--proxy-headers``) takes from the X-Forwarded-For that nginx sets to the address it
    saw (deploy/nginx.conf), so a client cannot choose it. Rate limits and sign-in
    throttling (AXES_CLIENT_IP_CALLABLE) both use this."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def sign_in_client_ip(request: HttpRequest) -> str | None:
    """``client_ip`` for django-axes (AXES_CLIENT_IP_CALLABLE), which stores it in an IP
    address column: None when there is no address (a request built in code, e.g.
    ``Client.force_login``) instead of the word "unknown"."""
    return request.META.get("REMOTE_ADDR") or None


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """django-axes refused a sign-in: the same login page again (console or admin), with
    a Korean sentence saying why and for how long, status 429."""
    from django.contrib import admin
    from django.contrib.auth.forms import AuthenticationForm
    from django.template.response import TemplateResponse
    from django.urls import reverse

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "로그인에 여러 번 실패해 %(minutes)d분 동안 로그인할 수 없습니다. "
        "잠시 후 다시 시도해 주세요."
    ) % {"minutes": minutes}
    form = AuthenticationForm(request)
    form.cleaned_data = {}  # an unbound form takes an error once it has (empty) data
    form.add_error(None, message)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.path == reverse("admin:login"):
        context = {
            **admin.site.each_context(request),
            "form": form,
            "title": _("로그인"),
            "app_path": request.get_full_path(),
            "next": next_url,
            "username": request.user.get_username(),
        }
        template = "admin/login.html"
    else:
        context = {"form": form, "next": next_url}
        template = "owner/login.html"
    refused = TemplateResponse(request, template, context, status=429)
    refused["Retry-After"] = str(minutes * 60)
    return refused.render()


MANAGING_ROLES = (Membership.Role.OWNER, Membership.Role.MANAGER)


def shops_for_user(user: AbstractBaseUser, roles: tuple[str, ...] | None = None):
    if not user.is_authenticated:
        return Shop.objects.none()
    if user.is_superuser:
        return Shop.objects.all()
    memberships = Membership.objects.filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return Shop.objects.filter(pk__in=memberships.values("shop_id"))


def require_scope(auth: object, scope: str | None) -> None:
    """A token must hold ``scope`` (``None``: every scope); members signed in are not
    scoped (their role decides)."""
    if isinstance(auth, ApiToken) and not auth.allows(scope):
        if scope is None:
            raise PermissionDenied(
                _("이 작업에는 모든 권한을 가진 API 토큰이 필요합니다."),
                code="missing_scope",
                scope="*",
            )
        raise PermissionDenied(
            _("이 API 토큰에는 '%(scope)s' 권한이 없습니다.") % {"scope": scope},
            code="missing_scope",
            scope=scope,
        )


def shop_for_actor(
    auth: object,
    user: AbstractBaseUser | None,
    slug: str,
    roles: tuple[str, ...] | None = None,
    *,
    scope: str | None = None,
) -> Shop:
    """The shop named by ``slug`` if the caller (token or logged-in member) may act for it.

    A token must also hold ``scope`` (a ``TokenScope`` value); a call naming none needs a
    token with every scope."""
    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        raise NotFound(_("가게를 찾을 수 없습니다."), code="shop_not_found")
    if isinstance(auth, ApiToken):
        if auth.shop_id != shop.pk:
            raise PermissionDenied(_("이 토큰으로는 이 가게를 관리할 수 없습니다."))
        require_scope(auth, scope)
        return shop
    if user is None or not shops_for_user(user, roles).filter(pk=shop.pk).exists():
        raise PermissionDenied(_("이 가게를 관리할 권한이 없습니다."))
    return shop


def console_shop(request: HttpRequest, slug: str, roles: tuple[str, ...] | None = None) -> Shop:
    """The owner console's shop: the one named by ``slug`` if the signed-in member (with one of
    ``roles``, if given) may run it. An unknown shop and someone else's shop are the same 404,
    so the console never tells a visitor which shops exist."""
    try:
        return shop_for_actor(None, request.user, slug, roles)
    except (NotFound, PermissionDenied):
        raise Http404("shop") from None
