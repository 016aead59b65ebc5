from kpiportal.imports import ImportCommand


class Command(ImportCommand):
    help = "Import teams and 0–17 populations from a CSV or XLSX file (PRODUCT §8). All or nothing."
    kind = "populations"
