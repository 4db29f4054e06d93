"""Signals the accounts app sends so that the audit log (which depends on accounts) can record
security events without accounts importing it."""

from __future__ import annotations

from django.dispatch import Signal

#: A user passed the second factor (or, in a local demo only, chose to skip it).
#: kwargs: user, request, method ("totp", "enrolment" or "skipped")
second_factor_passed = Signal()

#: A second-factor code was wrong. kwargs: user, request
second_factor_failed = Signal()

#: A user's role, agency, team membership or active state changed. kwargs: user, changed_by, changes
staff_access_changed = Signal()

#: An API token was issued. kwargs: user, issued_by
api_token_issued = Signal()
