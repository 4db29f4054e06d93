"""The police import: the force's missing-person reports as a CSV file.

Each row is validated on its own (a bad row is reported with its line and reason and the rest go
on), idempotent by police reference (a later file updates the episode, never duplicates it; a
second row with the same reference in one file is reported as a duplicate), and matched to a young
person: exactly one record with the identity is linked, several or only likely ones wait in the
match queue for the team manager, none makes a record as referrals do. A row that carries a
return is returned through ``services.episode_return`` like a return recorded on the page (see
``_record_return``).

The file is streamed: one line at a time from disk, rows written in batches, each batch committed
with the import's progress (bytes and lines read), so a worker that dies mid-file is resumed by
the next one from the last committed batch, and a 100,000-row file never sits in memory."""

from __future__ import annotations

import csv
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cse_portal.accounts.models import User
from cse_portal.audit.models import AuditAction
from cse_portal.audit.services import audit_record
from cse_portal.young_people import services as yp_services
from cse_portal.young_people.models import Alias, YoungPerson
from cse_portal.young_people.selectors import (
    same_identity,
    score_matches,
    young_people_born_on,
)
from cse_portal.young_people.validators import normalise_postcode

from . import permissions, services, tally
from .models import (
    EpisodeSource,
    EpisodeStatus,
    ImportMatch,
    ImportStatus,
    MatchStatus,
    MissingEpisode,
    PoliceImport,
    ReturnMethod,
    RiskGrade,
    RiskGradeChange,
)

SOURCE_APP = "missing"
REQUIRED_COLUMNS = (
    "police_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "missing_since",
    "risk_grade",
)
OPTIONAL_COLUMNS = ("returned_at", "last_seen", "circumstances", "postcode", "looked_after")
BATCH_ROWS = 500
#: Likely records (born the same day) a queued row offers the team manager.
CANDIDATES = 5
#: The grades as forces write them, to ours.
GRADE_WORDS = {
    "no apparent risk": RiskGrade.NO_APPARENT_RISK,
    "no_apparent_risk": RiskGrade.NO_APPARENT_RISK,
    "nar": RiskGrade.NO_APPARENT_RISK,
    "low": RiskGrade.LOW,
    "medium": RiskGrade.MEDIUM,
    "high": RiskGrade.HIGH,
    "absent": RiskGrade.ABSENT,
}


def import_dir() -> Path:
    return Path(settings.MISSING_PRIVATE_DIR) / "imports"


def _stored(police_import: PoliceImport) -> Path:
    return import_dir() / police_import.stored_as


def _header(line: bytes) -> list[str]:
    text = line.decode("utf-8-sig", errors="replace")
    return [name.strip().lower() for name in next(csv.reader([text]), [])]


def _missing_columns(header: list[str]) -> list[str]:
    return [name for name in REQUIRED_COLUMNS if name not in header]


@transaction.atomic
def import_create(*, uploaded_by: User, upload: Any, file_name: str = "") -> PoliceImport:
    """Keep the uploaded file outside the web root (copied in chunks, never whole in memory),
    check its header, and queue the import after commit."""
    from .tasks import police_import_run

    if not permissions.can_import(uploaded_by):
        raise PermissionDenied
    name = (file_name or getattr(upload, "name", "") or "upload.csv")[:200]
    folder = import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_as = f"{uuid.uuid4().hex}.csv"
    size = 0
    limit = settings.MISSING_IMPORT_MAX_BYTES
    target = folder / stored_as
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    with target.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise ValidationError(
                    {"file": f"The file must be smaller than {limit // 1_000_000} MB"}
                )
            out.write(chunk)
    with target.open("rb") as stored:
        first = stored.readline()
    missing = _missing_columns(_header(first)) if first else list(REQUIRED_COLUMNS)
    if not first or b"\x00" in first:
        target.unlink(missing_ok=True)
        raise ValidationError({"file": "The file must be a CSV file with a header row"})
    if missing:
        target.unlink(missing_ok=True)
        raise ValidationError({"file": f"The header row lacks the column(s): {', '.join(missing)}"})
    police_import = PoliceImport(
        file_name=name, stored_as=stored_as, size_bytes=size, uploaded_by=uploaded_by
    )
    police_import.full_clean()
    police_import.save()
    audit_record(
        actor=uploaded_by,
        action=AuditAction.COLLECT,
        obj=police_import,
        summary=f"Police missing reports uploaded ({name})",
        detail={"bytes": size},
    )
    transaction.on_commit(lambda: police_import_run.delay(str(police_import.pk)))
    return police_import


# --- Reading rows ---------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    values: dict[str, str]


def _rows(handle: IO[bytes], header: list[str], first_line: int) -> Iterator[tuple[Row, int, int]]:
    """Each record with its first line number, and the byte offset and line count after it
    (quoted fields may span lines: the reader pulls the lines it needs, one at a time)."""
    state = {"line": first_line - 1}

    def lines() -> Iterator[str]:
        while True:
            raw = handle.readline()
            if not raw:
                return
            state["line"] += 1
            yield raw.decode("utf-8", errors="replace")

    reader = csv.reader(lines())
    while True:
        start = state["line"] + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield (
                Row(line=start, values={"__error__": f"Not readable as CSV ({error})"}),
                handle.tell(),
                state["line"],
            )
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            values = {"__error__": f"Expected {len(header)} columns, found {len(cells)}"}
        else:
            values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        yield Row(line=start, values=values), handle.tell(), state["line"]


def _when(text: str, name: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    parsed = parse_datetime(text.replace("/", "-")) if "T" in text or "-" in text else None
    if parsed is None:
        for pattern in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                parsed = datetime.strptime(text, pattern)  # noqa: DTZ007 (made aware below)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"{name} is not a date and time like 2026-03-27 21:30 ({text[:40]})")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _day(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    parsed = parse_date(text)
    if parsed is None:
        try:
            parsed = datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValueError(f"date_of_birth is not a date like 2010-05-17 ({text[:40]})")
    return parsed


@dataclass
class Parsed:
    reference: str
    given_name: str
    family_name: str
    date_of_birth: date
    missing_since: datetime
    returned_at: datetime | None
    risk_grade: str
    last_seen: str
    circumstances: str
    postcode: str
    looked_after: bool


def parse_row(values: dict[str, str]) -> Parsed:
    """One row checked: a ``ValueError`` with the reason for the report."""
    if "__error__" in values:
        raise ValueError(values["__error__"])
    reference = values.get("police_reference", "").strip().upper()
    if not reference:
        raise ValueError("police_reference is empty")
    if len(reference) > 40:
        raise ValueError("police_reference is longer than 40 characters")
    given, family = values.get("given_name", ""), values.get("family_name", "")
    if not given or not family:
        raise ValueError("given_name and family_name are both needed")
    if len(given) > 100 or len(family) > 100:
        raise ValueError("a name is longer than 100 characters")
    born = _day(values.get("date_of_birth", ""))
    if born is None:
        raise ValueError("date_of_birth is empty")
    today = timezone.localdate()
    if born > today or born.year < 1900:
        raise ValueError("date_of_birth is not a possible date of birth")
    missing_since = _when(values.get("missing_since", ""), "missing_since")
    if missing_since is None:
        raise ValueError("missing_since is empty")
    if missing_since > timezone.now():
        raise ValueError("missing_since is in the future")
    returned_at = _when(values.get("returned_at", ""), "returned_at")
    if returned_at is not None and returned_at < missing_since:
        raise ValueError("returned_at is before missing_since")
    if returned_at is not None and returned_at > timezone.now():
        raise ValueError("returned_at is in the future")
    grade = GRADE_WORDS.get(values.get("risk_grade", "").strip().lower())
    if grade is None:
        raise ValueError(
            "risk_grade is not one of: no apparent risk, low, medium, high, absent "
            f"({values.get('risk_grade', '')[:40]})"
        )
    postcode = normalise_postcode(values.get("postcode", ""))
    return Parsed(
        reference=reference,
        given_name=given,
        family_name=family,
        date_of_birth=born,
        missing_since=missing_since,
        returned_at=returned_at,
        risk_grade=grade,
        last_seen=values.get("last_seen", "")[:1000] or "Not given in the police report",
        circumstances=values.get("circumstances", "")[:10_000],
        postcode=postcode if len(postcode) <= 8 else "",
        looked_after=values.get("looked_after", "").strip().lower() in {"y", "yes", "true", "1"},
    )


# --- Writing rows ---------------------------------------------------------------------------------


def _episode_fields(parsed: Parsed) -> dict[str, Any]:
    """What a row sets directly. The return is not among them: it goes through
    ``services.episode_return`` (``_record_return``), as a return recorded on the page does."""
    return {
        "missing_since": parsed.missing_since,
        "risk_grade": parsed.risk_grade,
        "last_seen": parsed.last_seen,
        "circumstances": parsed.circumstances,
        "looked_after": parsed.looked_after,
    }


def _record_return(
    episode: MissingEpisode, parsed: Parsed, actor: User, run: PoliceImport | None
) -> bool:
    """A row that carries a return: an open episode is returned through the same service as a
    return recorded on the page (the interview due ``MISSING_INTERVIEW_HOURS`` after the return,
    so a historic return's interview is overdue at once; the chronology entry; the rules). An
    episode already returned at another time has its return time corrected (and a due
    interview's deadline with it); one returned at this time is left alone, so a file imported
    twice makes no second interview and no second notification. A row without a return never
    reopens a returned episode. ``run`` is the import whose run this is (``None`` for a row the
    team manager matched afterwards): its rules are told in the run's summary. True when it
    wrote a return or corrected one."""
    if parsed.returned_at is None:
        return False
    if episode.is_open:
        services.episode_return(
            episode=episode,
            returned_by=actor,
            returned_at=parsed.returned_at,
            return_method=ReturnMethod.NOT_KNOWN,
            police_import=run,
        )
        return True
    if episode.returned_at != parsed.returned_at:
        services.episode_return_time_correct(
            episode=episode,
            returned_at=parsed.returned_at,
            corrected_by=actor,
            reason="Police import",
            police_import=run,
        )
        return True
    return False


def _create_episode(
    parsed: Parsed,
    young_person: YoungPerson,
    police_import: PoliceImport,
    actor: User,
    *,
    run: PoliceImport | None,
) -> MissingEpisode:
    episode = MissingEpisode(
        young_person=young_person,
        source=EpisodeSource.IMPORTED,
        police_reference=parsed.reference,
        reported_to_police_by="Police import",
        police_import=police_import,
        status=EpisodeStatus.MISSING,
        **_episode_fields(parsed),
    )
    # ``parse_row`` checked what the constraints state (a known grade; no return yet) and the
    # batch's read found no episode with the reference; checking them again costs queries a row,
    # and the database holds them anyway (a reference taken meanwhile rejects the row). The id
    # is a new random UUID: looking it up first would be one more query a row.
    episode.full_clean(exclude=[*MissingEpisode.REFERENCES, "id"], validate_constraints=False)
    with tally.kept(young_person.pk):
        episode.save()
    RiskGradeChange.objects.create(
        episode=episode, grade=parsed.risk_grade, changed_by=actor, reason="Police import"
    )
    audit_record(
        actor=actor,
        action=AuditAction.COLLECT,
        obj=episode,
        subject_id=young_person.pk,
        summary="Missing episode imported from the police",
        detail={"police_reference": parsed.reference, "import": str(police_import.pk)},
    )
    yp_services.chronology_add(
        young_person=young_person,
        title=f"Missing episode (police report {parsed.reference})",
        detail=f"{episode.get_risk_grade_display()} risk",
        source_app=SOURCE_APP,
        obj=episode,
        occurred_at=parsed.missing_since,
        recorded_by=actor,
    )
    if parsed.returned_at is not None:
        _record_return(episode, parsed, actor, run)
    else:
        # Still missing: the record says so, as it does for an episode reported on the page.
        services.currently_missing_raise(episode=episode, raised_by=actor)
        services.rules_apply(episode=episode, actor=actor, police_import=run)
    return episode


def _update_episode(
    episode: MissingEpisode, parsed: Parsed, police_import: PoliceImport, actor: User
) -> bool:
    """The episode brought up to the row; False when the row told it nothing new (only the run
    that last carried it is noted)."""
    fields = _episode_fields(parsed)
    changed = [name for name, value in fields.items() if getattr(episode, name) != value]
    previous_grade = episode.risk_grade
    for name in changed:
        setattr(episode, name, fields[name])
    episode.police_import = police_import
    # As in ``_create_episode``: the row was checked, and its reference is the one it had.
    episode.full_clean(exclude=MissingEpisode.REFERENCES, validate_constraints=False)
    if "missing_since" in changed:  # the period it counts in may change
        with tally.kept(episode.young_person_id):
            episode.save(update_fields=[*changed, "police_import"])
    else:
        episode.save(update_fields=[*changed, "police_import"])
    if "risk_grade" in changed:
        RiskGradeChange.objects.create(
            episode=episode,
            grade=parsed.risk_grade,
            previous_grade=previous_grade,
            changed_by=actor,
            reason="Police import",
        )
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.ALTER,
            obj=episode,
            subject_id=episode.young_person_id,
            summary="Missing episode updated from the police",
            detail={"fields": changed, "import": str(police_import.pk)},
        )
    returned = _record_return(episode, parsed, actor, police_import)
    if changed:
        services.rules_apply(episode=episode, actor=actor, police_import=police_import)
    return bool(changed) or returned


@dataclass
class Chunk:
    """What one batch's rows need from the database, read once for all of them: the episodes and
    waiting rows with their references, and the current records born on their dates of birth.
    Each row's writes are added, so a later row of the batch sees them as it would in the
    database."""

    episodes: dict[str, MissingEpisode] = field(default_factory=dict)
    waiting: dict[str, ImportMatch] = field(default_factory=dict)
    born_on: dict[date, list[YoungPerson]] = field(default_factory=dict)

    @classmethod
    def read(cls, parsed: list[Parsed]) -> Chunk:
        references = {p.reference for p in parsed}
        return cls(
            episodes={
                e.police_reference: e
                for e in MissingEpisode.objects.filter(
                    police_reference__in=references
                ).select_related("young_person")
            },
            waiting={
                m.police_reference: m
                for m in ImportMatch.objects.filter(
                    police_reference__in=references, status=MatchStatus.WAITING
                )
            },
            born_on=young_people_born_on({p.date_of_birth for p in parsed}),
        )

    def forget(self, reference: str) -> None:
        """A row that failed may have changed what is held for its reference in memory and
        nothing in the database (its savepoint rolled back): read that reference again."""
        self.episodes.pop(reference, None)
        self.waiting.pop(reference, None)
        episode = (
            MissingEpisode.objects.filter(police_reference=reference)
            .select_related("young_person")
            .first()
        )
        if episode is not None:
            self.episodes[reference] = episode
        match = ImportMatch.objects.filter(
            police_reference=reference, status=MatchStatus.WAITING
        ).first()
        if match is not None:
            self.waiting[reference] = match

    def add_record(self, record: YoungPerson) -> None:
        prefetch_related_objects(
            [record], Prefetch("aliases", queryset=Alias.objects.only("young_person_id", "name"))
        )
        self.born_on.setdefault(record.date_of_birth, []).append(record)


def _import_row(
    row: Row, police_import: PoliceImport, actor: User, chunk: Chunk, parsed: Parsed
) -> str:
    """One row: ``created``, ``updated``, ``unchanged``, ``queued``, ``created_record``, or a
    ``ValueError``.
    ``chunk`` holds what the database had for the batch's references and dates of birth."""
    existing = chunk.episodes.get(parsed.reference)
    waiting = chunk.waiting.get(parsed.reference)
    if (existing is not None and existing.police_import_id == police_import.pk) or (
        waiting is not None and waiting.police_import_id == police_import.pk
    ):
        raise ValueError(f"police_reference {parsed.reference} is on an earlier line of this file")
    if existing is not None:
        return "updated" if _update_episode(existing, parsed, police_import, actor) else "unchanged"
    if waiting is not None:
        waiting.row = row.values
        waiting.police_import = police_import
        waiting.line = row.line
        waiting.save(update_fields=["row", "police_import", "line"])
        return "queued"
    # Exactly the identity (``young_people_with_identity``'s test), else the likely records born
    # the same day (``young_person_matches``' scoring): a police report names the date of birth,
    # and a record of another birthday is not this child.
    born_that_day = chunk.born_on.get(parsed.date_of_birth, [])
    same = same_identity(born_that_day, parsed.given_name, parsed.family_name)
    if len(same) == 1:
        chunk.episodes[parsed.reference] = _create_episode(
            parsed, same[0], police_import, actor, run=police_import
        )
        return "created"
    candidates = [r.pk for r in same] or [
        m.record.pk
        for m in score_matches(
            born_that_day,
            given_name=parsed.given_name,
            family_name=parsed.family_name,
            date_of_birth=parsed.date_of_birth,
            postcode=parsed.postcode,
        )[:CANDIDATES]
    ]
    if candidates:
        chunk.waiting[parsed.reference] = ImportMatch.objects.create(
            police_import=police_import,
            line=row.line,
            police_reference=parsed.reference,
            row=row.values,
            candidate_ids=[str(pk) for pk in candidates],
        )
        return "queued"
    record = yp_services.young_person_create(
        created_by=actor,
        given_name=parsed.given_name,
        family_name=parsed.family_name,
        date_of_birth=parsed.date_of_birth,
        postcode=parsed.postcode,
        looked_after=parsed.looked_after,
        source_app=SOURCE_APP,
    )
    chunk.add_record(record)
    chunk.episodes[parsed.reference] = _create_episode(
        parsed, record, police_import, actor, run=police_import
    )
    return "created_record"


COUNTERS = {
    "created": ("created",),
    "updated": ("updated",),
    "unchanged": ("unchanged",),
    "queued": ("queued_for_match",),
    "created_record": ("created", "records_created"),
}


def _reject(police_import: PoliceImport, line: int, reason: str) -> None:
    police_import.rejected += 1
    if len(police_import.errors) < settings.MISSING_IMPORT_MAX_ERRORS:
        police_import.errors = [*police_import.errors, {"line": line, "reason": reason}]


def import_run(*, import_id: Any) -> PoliceImport:
    """Import (or carry on importing) the file. Safe to call again: a finished import does
    nothing, an interrupted one resumes at its last committed batch. The rules run for each
    episode as the rows are written; the team managers are told once, at the end of the run, how
    many episodes met them (``services.import_rules_summary_queue``)."""
    police_import = PoliceImport.objects.select_related("uploaded_by").get(pk=import_id)
    if police_import.status in {ImportStatus.DONE, ImportStatus.FAILED}:
        return police_import
    path = _stored(police_import)
    if not path.exists():
        police_import.status = ImportStatus.FAILED
        police_import.failure = "The uploaded file is no longer there: upload it again"
        police_import.save(update_fields=["status", "failure"])
        return police_import
    PoliceImport.objects.filter(pk=police_import.pk).update(status=ImportStatus.RUNNING)
    police_import.status = ImportStatus.RUNNING
    actor = police_import.uploaded_by
    with path.open("rb") as handle:
        header = _header(handle.readline())
        if police_import.bytes_done:
            handle.seek(police_import.bytes_done)
            first_line = police_import.lines_done + 1
        else:
            first_line = 2
        rows = _rows(handle, header, first_line)
        while True:
            done = _import_batch(police_import, rows, actor)
            if done:
                break
    with transaction.atomic():
        # Finished and told together: a worker lost between the two leaves the run to be
        # finished again, and a finished run is never told twice (the summary's key is the run).
        police_import.status = ImportStatus.DONE
        police_import.finished_at = timezone.now()
        police_import.save(update_fields=["status", "finished_at"])
        services.import_rules_summary_queue(police_import=police_import)
    return police_import


COUNTED = (
    "created",
    "updated",
    "unchanged",
    "queued_for_match",
    "records_created",
    "rejected",
    "errors",
)


@transaction.atomic
def _import_batch(
    police_import: PoliceImport, rows: Iterator[tuple[Row, int, int]], actor: User
) -> bool:
    """Up to ``BATCH_ROWS`` rows and the progress after them, committed together. The rows are
    checked first, then what the database holds for all their references and dates of birth is
    read at once (``Chunk``), then each row is written in its own savepoint. True at the end of
    the file."""
    batch = list(itertools.islice(rows, BATCH_ROWS))
    checked: list[tuple[Row, Parsed | str]] = []
    for row, _offset, _lines in batch:
        try:
            checked.append((row, parse_row(row.values)))
        except ValueError as error:
            checked.append((row, str(error)))
    chunk = Chunk.read([p for _, p in checked if isinstance(p, Parsed)])
    for (row, parsed), (_row, offset, lines) in zip(checked, batch, strict=True):
        if isinstance(parsed, str):
            _reject(police_import, row.line, parsed)
        else:
            try:
                with transaction.atomic():
                    outcome = _import_row(row, police_import, actor, chunk, parsed)
            except ValueError as error:
                chunk.forget(parsed.reference)
                _reject(police_import, row.line, str(error))
            except ValidationError as error:
                chunk.forget(parsed.reference)
                _reject(police_import, row.line, "; ".join(error.messages))
            except IntegrityError:
                # Written meanwhile by someone else (another import with the same reference):
                # the row's savepoint is rolled back and the next import of the file updates it.
                chunk.forget(parsed.reference)
                _reject(
                    police_import,
                    row.line,
                    f"police_reference {parsed.reference} was saved by another import at the "
                    "same time: import the file again to update it",
                )
            else:
                for counter in COUNTERS[outcome]:
                    setattr(police_import, counter, getattr(police_import, counter) + 1)
        police_import.bytes_done, police_import.lines_done = offset, lines
    police_import.save(update_fields=[*COUNTED, "bytes_done", "lines_done", "status"])
    return len(batch) < BATCH_ROWS


ALREADY_MATCHED = "This row has already been matched"


@transaction.atomic
def match_resolve(
    *, match: ImportMatch, resolved_by: User, young_person: YoungPerson | None
) -> MissingEpisode:
    """The team manager's answer for a waiting row: this record (one of the candidates, or any
    record they can see), or ``None`` for someone new (a record is made)."""
    if not permissions.can_import(resolved_by):
        raise PermissionDenied
    # Locked and read again: of two answers at once (a double click, two managers) the second
    # waits for the first, then finds the row matched, instead of failing on its reference.
    match.status = (
        ImportMatch.objects.select_for_update()
        .filter(pk=match.pk)
        .values_list("status", flat=True)
        .first()
    )
    if match.status != MatchStatus.WAITING:
        raise ValidationError(ALREADY_MATCHED)
    try:
        parsed = parse_row(match.row)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    existing = MissingEpisode.objects.filter(police_reference=parsed.reference).first()
    if existing is not None:
        raise ValidationError(f"An episode with police reference {parsed.reference} exists already")
    if young_person is None:
        young_person = yp_services.young_person_create(
            created_by=resolved_by,
            given_name=parsed.given_name,
            family_name=parsed.family_name,
            date_of_birth=parsed.date_of_birth,
            postcode=parsed.postcode,
            looked_after=parsed.looked_after,
            source_app=SOURCE_APP,
        )
    # Matched on the page after the run: told as an episode reported on the page is.
    episode = _create_episode(parsed, young_person, match.police_import, resolved_by, run=None)
    match.status = MatchStatus.RESOLVED
    match.resolved_by = resolved_by
    match.resolved_at = timezone.now()
    match.episode = episode
    match.save(update_fields=["status", "resolved_by", "resolved_at", "episode"])
    audit_record(
        actor=resolved_by,
        action=AuditAction.COMBINE,
        obj=match,
        subject_id=young_person.pk,
        summary=f"Police report {parsed.reference} matched to a record",
    )
    return episode
