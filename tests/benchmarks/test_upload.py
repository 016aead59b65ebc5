"""Comparator values through the web import: upload → preview with row errors → choices → confirm."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benchmarks.models import ComparatorSource, ComparatorValue
from indicators.models import ImportBatch
from tests import factories
from tests.conftest import client_for
from tests.files import csv_bytes, xlsx_bytes

HEADER = ["indicator_code", "comparator", "period", "value", "note"]


@pytest.fixture
def sn(db):
    return factories.ComparatorSourceFactory(name="Statistical neighbours", short_name="SN", kind="average")


def upload(client, data, name="comparators.csv"):
    response = client.post(
        reverse("indicators:imports"), {"kind": "comparators", "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("pk")


def test_the_comparator_page_links_to_the_upload_with_the_kind_chosen(client, performance_user, sn):
    client_for(client, performance_user)
    page = client.get(reverse("benchmarks:index")).content.decode()
    assert f"{reverse('indicators:imports')}?kind=comparators" in page
    form = client.get(reverse("indicators:imports"), {"kind": "comparators"}).content.decode()
    assert 'value="comparators" aria-describedby="kind-comparators-hint" checked' in form


def test_upload_preview_and_confirm(client, performance_user, indicator, sn):
    client_for(client, performance_user)
    batch = upload(client, xlsx_bytes([HEADER, ["CP 5", "SN", "2019/20", "80.6%", "SN average"]]), "sn.xlsx")
    preview = client.get(reverse("indicators:import_preview", args=[batch.pk])).content.decode()
    assert "comparator values: 1 created" in preview
    assert "CP 5 Statistical neighbours 2019/20" in preview
    assert not ComparatorValue.objects.exists()
    done = client.post(reverse("indicators:import_confirm", args=[batch.pk]), follow=True).content.decode()
    assert "sn.xlsx imported. comparator values: 1 created" in done
    value = ComparatorValue.objects.get()
    assert (str(value.value), value.note, value.loaded_by) == ("80.600000", "SN average", performance_user)


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(client, performance_user, indicator, sn):
    client_for(client, performance_user)
    data = csv_bytes(
        [
            HEADER,
            ["CP 5", "SN", "2019", "80", ""],
            ["XX 1", "SN", "2019/20", "80", ""],
            ["CP 5", "SN", "2020/21", "lots", ""],
        ]
    )
    batch = upload(client, data)
    page = client.get(reverse("indicators:import_preview", args=[batch.pk])).content.decode()
    assert "3 problems: nothing will be imported" in page
    for row, column, reason in (
        ("2", "period", "&#x27;2019&#x27; is not a financial year"),
        ("3", "indicator_code", "unknown indicator code &#x27;XX 1&#x27;"),
        ("4", "value", "&#x27;lots&#x27; is not a number"),
    ):
        assert (
            f'<td class="govuk-table__cell kpi-num">{row}</td>\n    <td class="govuk-table__cell">{column}</td>' in page
        )
        assert reason in page
    assert "Import comparators.csv" not in page
    response = client.post(reverse("indicators:import_confirm", args=[batch.pk]))
    assert response.status_code == 409
    assert not ComparatorValue.objects.exists()


def test_new_sources_only_when_ticked_on_the_preview_and_sent_with_the_confirmation(
    client, performance_user, indicator, sn
):
    client_for(client, performance_user)
    batch = upload(client, csv_bytes([HEADER, ["CP 5", "Kingston", "2019/20", "94.9", ""]]))
    url = reverse("indicators:import_preview", args=[batch.pk])
    page = client.get(url).content.decode()
    assert "unknown comparator &#x27;Kingston&#x27;" in page
    assert 'name="create_sources" type="checkbox" value="on"' in page
    # Confirming without the choice writes nothing.
    assert client.post(reverse("indicators:import_confirm", args=[batch.pk])).status_code == 409
    assert not ComparatorSource.objects.filter(name="Kingston").exists()

    page = client.get(url, {"create_sources": "on"}).content.decode()
    assert "New comparators will be added: Kingston (named authority)" in page
    assert '<input type="hidden" name="create_sources" value="on">' in page
    assert not ComparatorSource.objects.filter(name="Kingston").exists()
    done = client.post(reverse("indicators:import_confirm", args=[batch.pk]), {"create_sources": "on"}, follow=True)
    assert "comparators: 1 created; comparator values: 1 created" in done.content.decode()
    assert ComparatorSource.objects.get(name="Kingston").kind == "authority"


def test_reimporting_the_same_file_is_counted_as_unchanged(client, performance_user, indicator, sn):
    client_for(client, performance_user)
    data = csv_bytes([HEADER, ["CP 5", "SN", "2019/20", "80.6", ""]])
    batch = upload(client, data)
    client.post(reverse("indicators:import_confirm", args=[batch.pk]))
    batch = upload(client, data)
    page = client.get(reverse("indicators:import_preview", args=[batch.pk])).content.decode()
    assert "comparator values: 1 unchanged" in page
    assert "importing it changes nothing" in page
    assert ComparatorValue.objects.count() == 1


@pytest.mark.parametrize("role", ["director", "officer", "viewer"])
def test_other_roles_cannot_upload_comparators(client, request, sn, role):
    client_for(client, request.getfixturevalue(role))
    data = csv_bytes([HEADER, ["CP 5", "SN", "2019/20", "80.6", ""]])
    response = client.post(
        reverse("indicators:imports"), {"kind": "comparators", "file": SimpleUploadedFile("c.csv", data)}
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_confirm_is_post_only(client, performance_user, indicator, sn):
    client_for(client, performance_user)
    batch = upload(client, csv_bytes([HEADER, ["CP 5", "SN", "2019/20", "80.6", ""]]))
    assert client.get(reverse("indicators:import_confirm", args=[batch.pk])).status_code == 405
    assert not ComparatorValue.objects.exists()
