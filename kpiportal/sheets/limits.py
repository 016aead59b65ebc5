"""How large a file the portal reads (settings): the upload, an XLSX inflated, a sheet's reach, a read's CPU, memory."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kpiportal.sheets.extent import SheetLimits


def _setting(name: str, default: int) -> int:
    try:
        return int(getattr(settings, name, default))
    except ImproperlyConfigured:  # read outside Django (scripts, benchmarks before setup)
        return default


def max_bytes() -> int:
    return _setting("IMPORT_MAX_BYTES", 10 * 1024 * 1024)


def max_uncompressed_bytes() -> int:
    return _setting("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def sheet_limits() -> SheetLimits:
    """How far a sheet may reach: `IMPORT_MAX_ROWS`, `IMPORT_MAX_COLUMNS`, `IMPORT_MAX_CELLS` (rows × columns)."""
    return SheetLimits(
        rows=_setting("IMPORT_MAX_ROWS", 100_000),
        columns=_setting("IMPORT_MAX_COLUMNS", 1_000),
        cells=_setting("IMPORT_MAX_CELLS", 2_000_000),
    )


def read_cpu_seconds() -> int:
    """The processor time one file's reading may use (`IMPORT_READ_CPU_SECONDS`)."""
    return _setting("IMPORT_READ_CPU_SECONDS", 10)


def read_memory_bytes() -> int:
    """The memory one file's reading may add to the process (`IMPORT_READ_MEMORY_BYTES`)."""
    return _setting("IMPORT_READ_MEMORY_BYTES", 1024 * 1024 * 1024)
