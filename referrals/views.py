"""Referral pages: make a referral (draft, search before create, submit), "My referrals", the
triage queue and triage; and the public pages (self-referral and community concern)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cse_portal.accounts.client_address import client_address
from cse_portal.pagination import audited_page, record_page_shown
from cse_portal.view_helpers import require, show_service_errors
from cse_portal.young_people import permissions as yp_permissions
from cse_portal.young_people import services as yp_services

from . import permissions, selectors, services
from .forms import (
    DECISION_ACTIONS,
    TRIAGE_FORMS,
    CommunityConcernForm,
    DecisionChoiceForm,
    OfferResponseForm,
    ReferralForm,
    SelfReferralForm,
    TriageForm,
)
from .models import Decision, PublicFormState, Referral, ReferralKind, ReferralStatus

PAGE_SIZE = 25


# --- Professional referral -----------------------------------------------------------------------


def _referral_form(request: HttpRequest, referral: Any = None) -> HttpResponse:
    """One page for a new referral and for a draft: save as draft, or submit. When the referrer
    may see young people's records and the details match some, it confirms the match first."""
    user = request.user
    initial = ReferralForm.initial_from(referral) if referral is not None else None
    form = ReferralForm(request.POST or None, initial=initial)
    matches: list[Any] = []
    if request.method == "POST" and form.is_valid():
        fields = form.referral_fields()
        try:
            if request.POST.get("action") == "draft":
                referral = services.referral_save_draft(
                    referred_by=user, referral=referral, **fields
                )
                messages.success(request, f"Draft {referral.reference} saved")
                return redirect("referrals:edit", pk=referral.pk)
            young_person, confirmed_new, matches = _record_choice(request, referral, fields)
            if not matches:
                referral = services.referral_submit(
                    referred_by=user,
                    referral=referral,
                    young_person=young_person,
                    confirmed_new=confirmed_new,
                    **fields,
                )
                messages.success(request, f"Referral {referral.reference} sent")
                return redirect("referrals:detail", pk=referral.pk)
        except ValidationError as error:
            show_service_errors(form, error)
    elif request.method == "POST" and request.POST.get("action") != "draft":
        _add_submission_errors(form, referral)
    danger = form.is_bound and form.data.get("immediate_danger") == "yes"
    return render(
        request,
        "referrals/form.html",
        {
            "form": form,
            "referral": referral,
            "matches": matches,
            "danger": danger or bool(referral and referral.immediate_danger),
            "frontline": not yp_permissions.works_cases(user),
        },
    )


def _add_submission_errors(form: ReferralForm, referral: Any) -> None:
    """Beside the form's own errors (what was typed wrongly), what the submission still lacks,
    so that every error shows at once."""
    problems = services.referral_submission_errors(referral=referral, **form.referral_fields())
    for name, errors in problems.items():
        if name not in form.errors:
            form.add_error(name if name in form.fields else None, errors)


def _record_choice(
    request: HttpRequest, referral: Any, fields: dict[str, Any]
) -> tuple[Any, bool, list[Any]]:
    """(record chosen, "none of these" confirmed, matches still to show)."""
    if referral is not None and referral.young_person_id is not None:
        return None, False, []
    chosen = request.POST.get("existing_record", "")
    if chosen == "new":
        return None, True, []
    matches = selectors.visible_matches(
        request.user,
        given_name=fields["given_name"],
        family_name=fields["family_name"],
        date_of_birth=fields["date_of_birth"],
        postcode=fields["postcode"],
    )
    if yp_permissions.works_cases(request.user) and (fields["given_name"] or fields["family_name"]):
        yp_services.young_people_search_record(
            user=request.user,
            criteria={"referral matching": f"{fields['given_name']} {fields['family_name']}"},
            result_count=len(matches),
            shown=[match.record for match in matches],
        )
    for match in matches:
        if str(match.record.pk) == chosen:
            return match.record, False, []
    return None, False, matches


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    require(permissions.can_make_referral(request.user))
    return _referral_form(request)


@require_http_methods(["GET", "POST"])
def referral_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    referral = permissions.get_own_referral(request.user, pk)
    if not referral.is_draft:
        return redirect("referrals:detail", pk=referral.pk)
    return _referral_form(request, referral)


@require_http_methods(["GET"])
def my_referrals(request: HttpRequest) -> HttpResponse:
    require(permissions.can_make_referral(request.user))
    page = audited_page(
        request, selectors.my_referrals(request.user), per_page=PAGE_SIZE, channel="my referrals"
    )
    return render(request, "referrals/mine.html", {"page": page, "query": request.GET.copy()})


@require_http_methods(["GET"])
def referral_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    """The referrer's view: what they sent, its status and outcome; never the case file."""
    referral = permissions.get_own_referral(request.user, pk)
    form = ReferralForm()
    chosen = set(referral.indicators)
    indicators = [
        {"title": group["title"], "items": [i for i in group["items"] if i["code"] in chosen]}
        for group in form.indicator_groups()
    ]
    return render(
        request,
        "referrals/detail.html",
        {"referral": referral, "indicators": [g for g in indicators if g["items"]]},
    )


# --- Triage --------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def triage_queue(request: HttpRequest) -> HttpResponse:
    require(permissions.can_triage(request.user))
    # The page's two lists are audited in one transaction: one commit (a wait for the disk) for
    # the page instead of one for each entry, and no entry for one list without the other.
    with transaction.atomic():
        page = audited_page(
            request,
            selectors.listed_triage_queue(request.user),
            per_page=PAGE_SIZE,
            channel="triage queue",
        )
        recent = selectors.recently_decided(request.user)
        record_page_shown(
            request,
            recent,
            model=Referral,
            result_count=len(recent),
            channel="triage queue: recent decisions",
        )
    return render(
        request,
        "referrals/queue.html",
        {
            "page": page,
            "rows": selectors.with_waiting_times(page.object_list),
            "recent": recent,
            "query": request.GET.copy(),
            "urgent_minutes": settings.REFERRALS_TRIAGE_URGENT_MINUTES,
            "working_days": settings.REFERRALS_TRIAGE_WORKING_DAYS,
        },
    )


def _decision_form(request: HttpRequest) -> tuple[DecisionChoiceForm, str, TriageForm | None]:
    """(the decision choice, the decision chosen, that decision's own form). The decision comes
    from the first step's GET, or from the hidden field of the decision's own form."""
    source = request.POST if request.method == "POST" else request.GET
    # A GET without "choose" is the page opened afresh: no "Select a decision" error yet.
    chosen = "decision" in source or "choose" in source
    choice = DecisionChoiceForm(source if chosen else None)
    if not choice.is_valid():
        return choice, "", None
    decision = choice.cleaned_data["decision"]
    form_class = TRIAGE_FORMS[decision]
    return choice, decision, form_class(request.POST or None, prefix=decision)


@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest, pk: Any) -> HttpResponse:
    user = request.user
    referral = permissions.get_referral_for_triage(user, pk)
    choice, decision, form = _decision_form(request)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.referral_triage(
                referral=referral,
                decided_by=user,
                decision=decision,
                reason=form.cleaned_data["reason"],
                **permissions.triage_choices(user, **form.choices()),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"{Decision(decision).label}: referral {referral.reference}")
            if decision == Decision.LINK:
                return redirect("referrals:triage", pk=referral.pk)
            return redirect("referrals:queue")
    referral = selectors.referral_for_triage(referral)
    linking = decision == Decision.LINK
    submitted = referral.status == ReferralStatus.SUBMITTED
    find = request.GET.get("find", "") if linking else ""
    found = selectors.find_records(user, find)
    if find.strip():
        yp_services.young_people_search_record(
            user=user, criteria={"referral link": find}, result_count=len(found), shown=found
        )
    possible = selectors.possible_records(referral) if submitted else []
    if possible:
        yp_services.young_people_search_record(
            user=user,
            criteria={"possible records for referral": referral.reference},
            result_count=len(possible),
            shown=[match.record for match in possible],
        )
    return render(
        request,
        "referrals/triage.html",
        {
            "referral": referral,
            "choice": choice,
            "decision": decision,
            "decision_title": dict(DECISION_ACTIONS).get(decision, ""),
            "form": form,
            "waiting": selectors.with_waiting_times([referral])[0],
            # Shown before any decision too: a likely existing record changes what to decide.
            "possible": possible,
            "find": find,
            "found": found,
            "indicators": _chosen_indicators(referral),
            "offer_form": OfferResponseForm(),
            "is_self": referral.kind == ReferralKind.SELF,
            "is_community": referral.kind == ReferralKind.COMMUNITY,
        },
    )


def _chosen_indicators(referral: Any) -> list[dict[str, Any]]:
    chosen = set(referral.indicators)
    groups = ReferralForm().indicator_groups() if chosen else []
    return [
        {"title": g["title"], "items": [i for i in g["items"] if i["code"] in chosen]}
        for g in groups
        if any(i["code"] in chosen for i in g["items"])
    ]


@require_POST
def offer_response(request: HttpRequest, pk: Any, decision_pk: int) -> HttpResponse:
    """Record the partner agency's acceptance or refusal of the preventative work offered."""
    referral = permissions.get_referral_for_triage(request.user, pk)
    decision = selectors.partner_offer_decision(request.user, referral, decision_pk)
    form = OfferResponseForm(request.POST)
    if form.is_valid():
        try:
            yp_services.partner_offer_respond(
                offer=decision.partner_offer,
                status=form.cleaned_data["status"],
                responded_by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Reply from {decision.partner_offer.agency} recorded")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("referrals:triage", pk=referral.pk)


# --- Public pages --------------------------------------------------------------------------------
#
# The public pages leave nothing behind for the next person at this computer, and set no cookie at
# all (the footer says so): no session, and no CSRF cookie either, so Django's CSRF check, which
# needs one, is replaced for these two forms by ``sent_from_another_site`` below.
#
# Why that is enough: CSRF protects the authority a browser carries in its cookies. These forms
# carry none: anyone may post them directly, so a forged cross-site post could do nothing its
# author could not do alone, except borrow the victim's address to slip past the rate limit.
# Browsers say where a request comes from (``Sec-Fetch-Site``, or ``Origin`` in older ones), so a
# post from another site is turned back, with what was typed shown again to be sent from here.
# A client that sends neither header is not a browser on another site: it is let through, and
# the honeypot, the rate limit and its ceiling still apply. The strict CSP (no inline script,
# ``form-action 'self'``, no framing) is unchanged.
#
# After a message is received the browser is redirected (POST-redirect-GET), so Back cannot send
# it again, to a confirmation page reached through a random single-use token: the reference
# never appears in an address, and a reload or Back shows nothing of it.


def sent_from_another_site(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        # "none": typed or bookmarked; "same-origin": our own form. "same-site" (a sibling
        # subdomain) and "cross-site" are somebody else's page.
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin != own and origin not in settings.CSRF_TRUSTED_ORIGINS


def _see_other(url_name: str, **kwargs: Any) -> HttpResponse:
    """303: the browser follows with a GET and keeps no history entry for the POST."""
    response = redirect(url_name, **kwargs)
    response.status_code = 303
    return response


def _public_form(
    request: HttpRequest, *, kind: str, form_class: type, template: str, done: str
) -> HttpResponse:
    """Shared by both public doors. Whatever goes wrong, the form comes back with everything
    typed (a field error, a post from another site, the flood ceiling of an address), except
    when the same form is posted again: without JavaScript, Back or reload on the page that
    answered a post re-sends it, and the next person at the computer would read the message."""
    form = form_class(request.POST or None)
    if request.method != "POST":
        return _public_render(request, template, {"form": form})
    if sent_from_another_site(request):
        form.is_valid()
        context = {"form": form, "notice": "another_site"}
        return _public_render(request, template, context, status=403)
    state = services.public_form_token_use(token=request.POST.get("form_token", ""))
    valid = form.is_valid()
    if state == PublicFormState.USED or (state == PublicFormState.UNKNOWN and not valid):
        return _public_render(request, template, {"form": form_class(), "notice": "not_again"})
    if not valid:
        return _public_render(request, template, {"form": form})
    token = services.public_message_receive(
        kind=kind,
        address=client_address(request) or "",
        fields=form.submission(),
        robot=form.is_robot(),
    )
    if token is None:
        return _public_render(request, template, {"form": form, "notice": "ceiling"}, status=429)
    return _see_other(done, token=token)


def _public_done(request: HttpRequest, token: str, template: str) -> HttpResponse:
    receipt = services.public_receipt_take(token=token)
    if receipt is None:
        return _public_render(request, "referrals/public/receipt_gone.html", {}, status=410)
    return _public_render(request, template, {"reference": receipt.reference})


def _public_render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context["exit_url"] = settings.REFERRALS_EXIT_URL
    if "form" in context:
        context["form_token"] = services.public_form_token()
    return render(request, template, context, status=status)


@csrf_exempt  # cookie-less: see sent_from_another_site
@login_not_required
@require_http_methods(["GET", "POST"])
def self_referral(request: HttpRequest) -> HttpResponse:
    return _public_form(
        request,
        kind=ReferralKind.SELF,
        form_class=SelfReferralForm,
        template="referrals/public/self_referral.html",
        done="self_referral_sent",
    )


@login_not_required
@require_GET
def self_referral_sent(request: HttpRequest, token: str) -> HttpResponse:
    return _public_done(request, token, "referrals/public/self_referral_done.html")


@csrf_exempt  # cookie-less: see sent_from_another_site
@login_not_required
@require_http_methods(["GET", "POST"])
def community_concern(request: HttpRequest) -> HttpResponse:
    return _public_form(
        request,
        kind=ReferralKind.COMMUNITY,
        form_class=CommunityConcernForm,
        template="referrals/public/community_concern.html",
        done="community_concern_sent",
    )


@login_not_required
@require_GET
def community_concern_sent(request: HttpRequest, token: str) -> HttpResponse:
    return _public_done(request, token, "referrals/public/community_concern_done.html")
