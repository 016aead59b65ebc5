from kpiportal.imports import ImportCommand


class Command(ImportCommand):
    help = (
        "Import figures as approved history from a CSV or XLSX file, long form or a wide scorecard (PRODUCT §8). "
        "All or nothing: any bad row and nothing is written. For a wide scorecard, --create-indicators creates the "
        "indicators the catalogue does not have and --update-targets changes existing targets and tolerances "
        "(without it they stay and each difference is a warning)."
    )
    kind = "figures"
