from kpiportal.imports import ImportCommand


class Command(ImportCommand):
    help = (
        "Import figures as approved history from a CSV or XLSX file, long form or a wide scorecard (PRODUCT §8). "
        "All or nothing: any bad row and nothing is written."
    )
    kind = "figures"
