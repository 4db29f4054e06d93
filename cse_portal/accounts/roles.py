"""The six roles of the portal, each a Django group of the same name (``docs/contract.md``)."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    FRONTLINE = "frontline", "Frontline professional"
    PRACTITIONER = "practitioner", "CSE team practitioner"
    TEAM_MANAGER = "team_manager", "CSE team manager"
    ANALYST = "analyst", "Intelligence analyst"
    LSCB_MANAGER = "lscb_manager", "LSCB manager"
    ADMIN = "admin", "System administrator"


ALL_ROLES = frozenset(Role.values)
STAFF_WORKING_CASES = frozenset({Role.PRACTITIONER, Role.TEAM_MANAGER})
# Roles that read young people's case files or intelligence: the team managers are told whenever
# an account is given one, so that access granted by mistake or by a rogue account is noticed.
READS_CASE_DATA = STAFF_WORKING_CASES | frozenset({Role.ANALYST})
