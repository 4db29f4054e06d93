"""Normalising what intelligence mentions, so one thing is stored once however it was typed: the
key each entity is found again by (``Entity.key``), and the checks on entry.

- UK registrations: upper case without spaces, in the current (AB12 CDE, since 2001), prefix
  (A123 BCD, 1983-2001) or suffix (ABC 123D, 1963-1983) format.
- Phone numbers: E.164 (``+447700900123``), read as UK numbers unless written with a country
  code, and checked against the numbering plan (``phonenumbers``).
- Postcodes: as the young person's record does (``S1 1AA``).
"""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError

from cse_portal.young_people.validators import normalise_postcode, validate_postcode

REGISTRATION_FORMATS = {
    "current": re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z]{3}$"),
    "prefix": re.compile(r"^[A-Z][0-9]{1,3}[A-Z]{3}$"),
    "suffix": re.compile(r"^[A-Z]{3}[0-9]{1,3}[A-Z]$"),
}


def compact_registration(value: str) -> str:
    return re.sub(r"[\s\-]+", "", value or "").upper()


def registration_format(value: str) -> str | None:
    """``current``, ``prefix`` or ``suffix``, or ``None`` for none of them."""
    compact = compact_registration(value)
    for name, pattern in REGISTRATION_FORMATS.items():
        if pattern.match(compact):
            return name
    return None


def normalise_registration(value: str) -> str:
    """``ab12 cde`` -> ``AB12CDE``; a ``ValidationError`` for anything not a UK registration."""
    compact = compact_registration(value)
    if registration_format(compact) is None:
        raise ValidationError(
            "Enter a UK registration in the current (AB12 CDE), prefix (A123 BCD) or suffix "
            "(ABC 123D) format",
            code="invalid_registration",
        )
    return compact


def format_registration(key: str) -> str:
    """The registration as it is written on a plate: ``AB12CDE`` -> ``AB12 CDE``."""
    kind = registration_format(key)
    if kind == "current" or kind == "prefix":
        return f"{key[:-3]} {key[-3:]}"
    if kind == "suffix":
        return f"{key[:3]} {key[3:]}"
    return key


#: Ofcom's mobile range kept for drama (07700 900000 to 900999): never a real line, which is what
#: synthetic data and tests use; the library calls it invalid because no network holds it.
DRAMA_MOBILE = re.compile(r"^7700900[0-9]{3}$")


def _is_drama(parsed: phonenumbers.PhoneNumber) -> bool:
    return parsed.country_code == 44 and bool(DRAMA_MOBILE.match(str(parsed.national_number)))


def normalise_phone(value: str) -> str:
    """A phone number in E.164: ``07700 900123`` -> ``+447700900123``."""
    try:
        parsed = phonenumbers.parse(value or "", "GB")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not (phonenumbers.is_valid_number(parsed) or _is_drama(parsed)):
        raise ValidationError(
            "Enter a real phone number, like 07700 900123 or +44 7700 900123",
            code="invalid_phone",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """How a person reads the number: national format for UK numbers, international otherwise."""
    try:
        parsed = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def clean_postcode(value: str) -> str:
    """A UK postcode as the core stores it (``S1 1AA``), or a ``ValidationError``."""
    validate_postcode(value or "")
    return normalise_postcode(value or "")


def _words(value: str) -> str:
    return " ".join((value or "").split()).lower()


def person_key(name: str, date_of_birth: date | None) -> str:
    return f"{_words(name)}|{date_of_birth.isoformat() if date_of_birth else ''}"


def location_key(*, name: str, address: str, postcode: str) -> str:
    """Normalised postcode and venue name (the address stands in for a venue with no name)."""
    place = _words(name) or _words(address)
    return f"{normalise_postcode(postcode)}|{place}" if (postcode or place) else ""


def account_key(platform: str, handle: str) -> str:
    handle = (handle or "").strip().lstrip("@")
    return f"{_words(platform)}:{handle.lower()}" if handle else ""
