"""Referrals hold case data: nothing of them is registered in the admin (configuration lives in
settings: triage targets and the public pages' rate limit)."""

from __future__ import annotations
