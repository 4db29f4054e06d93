"""Sign-in (password, then a TOTP code; enrolment on first sign-in), sign-out, the home page and
the error pages."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import LoginForm, TokenForm
from .second_factor import SKIPPED_SESSION_KEY, second_factor_satisfied
from .signals import second_factor_failed, second_factor_passed

ENROLMENT_SESSION_KEY = "enrolment_device_id"


def second_factor_step(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view as reachable between the password and the code."""
    view.second_factor_step = True  # type: ignore[attr-defined]
    return view


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and second_factor_satisfied(request):
        return HttpResponseRedirect(_next_url(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user())
        return HttpResponseRedirect(reverse("accounts:verify") + "?" + _query_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


def _query_next(request: HttpRequest) -> str:
    return urlencode({"next": _next_url(request)})


def _confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def _locked_out(request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})


def _refuse_locked_out(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return render(request, "accounts/locked_out.html", status=429)


def _second_factor_done(request: HttpRequest, method: str) -> HttpResponseRedirect:
    """Finish sign-in once the second step is met. The session key changes again here, as it did
    at the password: a key seen between the two steps (on a shared computer, in a proxy log) must
    not become a fully signed-in session."""
    request.session.cycle_key()
    _clear_sign_in_failures(request)
    second_factor_passed.send(sender=__name__, user=request.user, request=request, method=method)
    return HttpResponseRedirect(_next_url(request))


def _clear_sign_in_failures(request: HttpRequest) -> None:
    """A complete sign-in (password and code) clears the failures counted against this username
    from this address. The password alone does not (``AXES_RESET_ON_SUCCESS`` is off): otherwise
    entering it again would wipe the count of wrong codes and allow unlimited code guessing."""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.reset_attempts(
        ip_address=request.axes_ip_address, username=request.user.get_username()
    )


def _code_failed(request: HttpRequest, form: TokenForm) -> None:
    form.add_error("token", "The security code is not correct or has expired. Try the new code.")
    # Counted with password failures, so guessing codes locks the account like guessing passwords.
    user_login_failed.send(
        sender=__name__, credentials={"username": request.user.get_username()}, request=request
    )
    second_factor_failed.send(sender=__name__, user=request.user, request=request)


@csrf_protect
@never_cache
@login_not_required
@second_factor_step
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the user's authenticator app."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if second_factor_satisfied(request):
        return HttpResponseRedirect(_next_url(request))
    device = _confirmed_device(request.user)
    if device is None:
        return HttpResponseRedirect(reverse("accounts:enrol") + "?" + _query_next(request))
    if _locked_out(request):
        return _refuse_locked_out(request)

    form = TokenForm(request.POST or None)
    if request.method == "POST" and "skip" in request.POST and not settings.REQUIRE_SECOND_FACTOR:
        request.session[SKIPPED_SESSION_KEY] = True
        return _second_factor_done(request, "skipped")
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return _second_factor_done(request, "totp")
        _code_failed(request, form)
        if _locked_out(request):
            return _refuse_locked_out(request)
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "next": _next_url(request), "may_skip": not settings.REQUIRE_SECOND_FACTOR},
    )


def _qr_data_uri(config_url: str) -> str:
    image = qrcode.make(config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


@csrf_protect
@never_cache
@login_not_required
@second_factor_step
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: set up an authenticator app. The secret is shown for this enrolment only."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if _confirmed_device(request.user) is not None:
        return HttpResponseRedirect(reverse("accounts:verify") + "?" + _query_next(request))
    if _locked_out(request):
        return _refuse_locked_out(request)

    device = None
    if request.method == "POST":
        device = TOTPDevice.objects.filter(
            user=request.user, confirmed=False, pk=request.session.get(ENROLMENT_SESSION_KEY)
        ).first()
    if device is None:
        # A new secret every time the page is opened afresh: a secret is never shown twice.
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
        request.session[ENROLMENT_SESSION_KEY] = device.pk
        form = TokenForm()
    else:
        form = TokenForm(request.POST)
        if form.is_valid() and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            otp_login(request, device)
            return _second_factor_done(request, "enrolment")
        if form.is_valid():
            _code_failed(request, form)
            if _locked_out(request):
                return _refuse_locked_out(request)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_code": _qr_data_uri(device.config_url),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


@require_POST
@login_not_required
@second_factor_step
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return render(request, "accounts/logged_out.html")


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")
