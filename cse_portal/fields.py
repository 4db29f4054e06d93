"""Model fields and the length limits every app's free text shares.

A limit lives here once; the model field, the page's form field and the API's serializer field all
read it, so a page, the API and a service called from anywhere refuse the same text with the same
field error. Django passes a ``TextField``'s ``max_length`` only to forms; ``BoundedTextField``
also enforces it in ``full_clean`` (every service calls it), so no path stores more.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import cached_property

#: What someone writes about a child: concerns, what was seen, a case note. About four pages.
NARRATIVE_MAX_LENGTH = 10_000
#: Why something was decided or done: reasons, comments, rationales.
REASON_MAX_LENGTH = 5_000
#: A postal address, or a short list (vehicles, people, other agencies).
SHORT_TEXT_MAX_LENGTH = 1_000


class BoundedTextField(models.TextField):
    """A ``TextField`` whose ``max_length`` (required) is a validation rule, not only a hint."""

    def __init__(self, *args: Any, max_length: int, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)

    @cached_property
    def validators(self) -> list[Any]:
        return [*super().validators, MaxLengthValidator(self.max_length)]
