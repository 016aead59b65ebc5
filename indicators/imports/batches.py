"""Web imports (PRODUCT §8): an upload is kept as a batch between its preview and its confirmation.

The batch holds the bytes as uploaded and their SHA-256. The file is parsed
once: its table (or why it cannot be read) is kept in the cache under the
hash for the batch's lifetime, so reloading the preview or ticking an option
does not read the file again. The preview writes nothing; the confirmation
checks the hash and checks the table again (the catalogue may have changed
since the preview) and writes it all or nothing. Only the uploader can see or confirm a batch, once, before
it expires; expired batches are removed when the next upload arrives.
"""

import hashlib
import pickle
import zlib
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from indicators.catalogue.lookup import check_can_import
from indicators.models import ImportBatch
from kpiportal import imports
from kpiportal.imports import ImportReport
from kpiportal.sheets import reader
from kpiportal.sheets.isolated import ReadStopped
from kpiportal.sheets.table import TableError

BATCH_LIFETIME = timedelta(hours=2)


class BatchError(Exception):
    """A refused confirmation; the message is for the user."""


def import_batch_create(*, kind: str, filename: str, content: bytes, by) -> ImportBatch:
    """Keep an upload of the performance team for preview; refuses unknown kinds and files over the size limit."""
    check_can_import(by)
    if kind not in imports.KINDS:
        raise BatchError(f"'{kind}' is not a kind of import")
    reader.check_size(len(content))
    now = timezone.now()
    ImportBatch.objects.expired(now).delete()
    return ImportBatch.objects.create(
        kind=kind,
        filename=filename[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        created_by=by,
        expires_at=now + BATCH_LIFETIME,
    )


def import_batch_preview(*, batch: ImportBatch, options: dict | None = None) -> ImportReport:
    """What the import would do (with the kind's `options` ticked), with every bad row; nothing is written."""
    return _run(batch.kind, bytes(batch.content), batch.sha256, by=batch.created_by, commit=False, **(options or {}))


def _run(kind: str, content: bytes, sha256: str, *, by, commit: bool, **options) -> ImportReport:
    try:
        table = _table(content, sha256)
    except TableError as error:
        return imports.file_error_report(kind, error)
    return imports.get_kind(kind).run(table, by=by, commit=commit, **options)


def _table(content: bytes, sha256: str):
    """The file's table, read once per upload and kept (compressed) in the cache under the bytes' hash."""
    key = f"imports:table:{sha256}"
    kept = cache.get(key)
    if kept is None:
        try:
            outcome = reader.read_bytes(content)
        except ReadStopped:
            raise  # a busy machine or a crash: the next look at the preview tries again
        except TableError as error:
            outcome = error
        kept = zlib.compress(pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL), 1)
        cache.set(key, kept, timeout=BATCH_LIFETIME.total_seconds())
    outcome = pickle.loads(zlib.decompress(kept))  # noqa: S301 - written by the portal under the file's hash
    if isinstance(outcome, TableError):
        raise outcome
    return outcome


def _locked_pending(batch: ImportBatch, by) -> ImportBatch:
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.created_by_id != by.pk:
        raise BatchError("Only the person who uploaded a file can confirm it")
    if locked.status != ImportBatch.Status.PENDING:
        raise BatchError(f"This file is already {locked.get_status_display().lower()}: upload it again to import it")
    if locked.expires_at <= timezone.now():
        raise BatchError("This upload has expired: upload the file again")
    return locked


def import_batch_confirm(*, batch: ImportBatch, by, options: dict | None = None) -> ImportReport:
    """Import a previewed file: the same bytes, checked again, written all or nothing; a batch is confirmed once.

    `options` are the kind's choices as ticked on the preview (e.g. adding new comparators).
    """
    check_can_import(by)
    with transaction.atomic():
        locked = _locked_pending(batch, by)
        content = bytes(locked.content)
        if hashlib.sha256(content).hexdigest() != locked.sha256:
            raise BatchError("The stored file is not the one that was previewed: upload it again")
        report = _run(locked.kind, content, locked.sha256, by=by, commit=True, **(options or {}))
        if report.ok:
            locked.status = ImportBatch.Status.IMPORTED
            locked.imported_at = timezone.now()
            locked.summary = "; ".join(report.summary()) or "Nothing to change"
            locked.content = b""
            locked.save(update_fields=["status", "imported_at", "summary", "content"])
    return report


def import_batch_discard(*, batch: ImportBatch, by) -> None:
    """Drop an upload that will not be imported."""
    check_can_import(by)
    with transaction.atomic():
        locked = _locked_pending(batch, by)
        locked.status = ImportBatch.Status.DISCARDED
        locked.content = b""
        locked.save(update_fields=["status", "content"])
