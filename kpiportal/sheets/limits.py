"""How large a file the portal reads: the upload limit and the bound on an XLSX's inflated size (settings)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


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
