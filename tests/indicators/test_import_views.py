"""The web import: upload → preview (with every bad row) → confirm, for the performance team only."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from indicators.imports import batches
from indicators.models import ImportBatch
from returns.models import Return
from tests import factories
from tests.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD = csv_bytes([["indicator_code", "period", "value"], ["CP 5", "Sep-20", "48"], ["CP 5", "Oct-20", "50%"]])
BAD = csv_bytes([["indicator_code", "period", "value"], ["CP 5", "Sep-20", "48"], ["XX 1", "Smarch-20", "lots"]])


def upload(client, data, kind="figures", name="figures.csv"):
    return client.post(reverse("indicators:imports"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_upload_preview_confirm(client, performance_user, indicator):
    client.force_login(performance_user)
    assert client.get(reverse("indicators:imports")).status_code == 200
    response = upload(
        client, xlsx_bytes([["indicator_code", "period", "value"], ["CP 5", "Sep-20", 48]]), name="f.xlsx"
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("indicators:import_preview", args=[batch.pk])
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert b"figures: 1 created" in preview.content and b"Import f.xlsx" in preview.content
    assert not Return.objects.exists()  # a preview writes nothing
    done = client.post(reverse("indicators:import_confirm", args=[batch.pk]), follow=True)
    assert b"f.xlsx imported. figures: 1 created" in done.content
    assert Return.objects.get().approved_by == performance_user
    batch.refresh_from_db()
    assert batch.status == "imported" and bytes(batch.content) == b""
    # Confirming twice imports once.
    again = client.post(reverse("indicators:import_confirm", args=[batch.pk]), follow=True)
    assert b"already imported" in again.content and Return.objects.count() == 1


def test_bad_rows_are_listed_by_row_and_column_and_cannot_be_confirmed(client, performance_user, indicator):
    client.force_login(performance_user)
    preview = client.get(upload(client, BAD)["Location"])
    content = preview.content.decode()
    assert "There are problems with this file" in content and 'href="#import-errors"' in content
    assert "&#x27;XX 1&#x27; is not an indicator in the catalogue" in content
    assert "&#x27;Smarch-20&#x27; is not a month" in content
    assert "&#x27;lots&#x27; is not a number" in content
    assert "indicator_code" in content and "Import figures.csv" not in content
    batch = ImportBatch.objects.get()
    response = client.post(reverse("indicators:import_confirm", args=[batch.pk]))
    assert response.status_code == 409 and not Return.objects.exists()


def test_the_file_is_checked_again_on_confirmation(client, performance_user, indicator):
    client.force_login(performance_user)
    batch = ImportBatch.objects.get(pk=client.get(upload(client, GOOD)["Location"]).context["batch"].pk)
    # Meanwhile an officer starts a draft for September: the import must not overwrite it.
    factories.ReturnFactory(indicator=indicator, period="2020-09-01", state="draft")
    response = client.post(reverse("indicators:import_confirm", args=[batch.pk]))
    assert response.status_code == 409
    assert b"has a draft return in the approval workflow" in response.content
    assert Return.objects.count() == 1


def test_a_tampered_batch_is_refused(client, performance_user, indicator):
    client.force_login(performance_user)
    upload(client, GOOD)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(content=BAD)
    response = client.post(reverse("indicators:import_confirm", args=[batch.pk]), follow=True)
    assert b"not the one that was previewed" in response.content and not Return.objects.exists()


def test_form_errors_size_and_content(client, performance_user, settings):
    client.force_login(performance_user)
    response = client.post(reverse("indicators:imports"), {})
    assert response.status_code == 200
    assert b"Choose what the file holds" in response.content and b"Choose a file to upload" in response.content
    assert b'href="#id_kind_0"' in response.content
    settings.IMPORT_MAX_BYTES = 100
    response = upload(client, GOOD * 10)
    assert b"the largest file the portal accepts is 100 bytes" in response.content
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_shows_why(client, performance_user):
    client.force_login(performance_user)
    preview = client.get(upload(client, b"%PDF-1.5 binary", name="figures.csv")["Location"])
    assert b"This is a PDF, not a spreadsheet" in preview.content


def test_discard_and_expiry(client, performance_user):
    client.force_login(performance_user)
    upload(client, GOOD)
    batch = ImportBatch.objects.get()
    client.post(reverse("indicators:import_discard", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "discarded"
    upload(client, GOOD)
    expired = ImportBatch.objects.latest("pk")
    ImportBatch.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(reverse("indicators:import_preview", args=[expired.pk])).status_code == 404
    with pytest.raises(batches.BatchError, match="expired"):
        batches.import_batch_confirm(batch=expired, by=performance_user)
    upload(client, GOOD)  # a new upload clears expired ones
    assert not ImportBatch.objects.filter(pk=expired.pk).exists()


def test_someone_elses_upload_is_not_found(client, performance_user, indicator):
    client.force_login(performance_user)
    upload(client, GOOD)
    batch = ImportBatch.objects.get()
    colleague = factories.user_with_role("Performance team", username="perf2")
    client.force_login(colleague)
    assert client.get(reverse("indicators:import_preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("indicators:import_confirm", args=[batch.pk])).status_code == 404


@pytest.mark.parametrize("role_fixture", ["director", "officer", "viewer"])
def test_other_roles_get_403(client, request, role_fixture, performance_user):
    client.force_login(performance_user)
    upload(client, GOOD)
    batch = ImportBatch.objects.get()
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(reverse("indicators:imports")).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.get(reverse("indicators:import_preview", args=[batch.pk])).status_code == 403
    assert client.post(reverse("indicators:import_confirm", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.count() == 1


def test_wrong_methods_and_anonymous(client, performance_user):
    assert client.get(reverse("indicators:imports")).status_code == 302
    client.force_login(performance_user)
    upload(client, GOOD)
    batch = ImportBatch.objects.get()
    assert client.get(reverse("indicators:import_confirm", args=[batch.pk])).status_code == 405
    assert client.get(reverse("indicators:import_discard", args=[batch.pk])).status_code == 405
    assert client.post(reverse("indicators:import_preview", args=[batch.pk])).status_code == 405
    assert client.put(reverse("indicators:imports")).status_code == 405


def test_upload_confirm_and_discard_need_the_csrf_token(performance_user, indicator):
    """A page on another site cannot make the performance team's browser import or drop a file."""
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(performance_user)
    file = SimpleUploadedFile("figures.csv", GOOD)
    assert csrf_client.post(reverse("indicators:imports"), {"kind": "figures", "file": file}).status_code == 403
    assert not ImportBatch.objects.exists()
    batch = batches.import_batch_create(kind="figures", filename="f.csv", content=GOOD, by=performance_user)
    for name in ("indicators:import_confirm", "indicators:import_discard"):
        assert csrf_client.post(reverse(name, args=[batch.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING and not Return.objects.exists()
