from kpiportal.imports import ImportCommand


class Command(ImportCommand):
    help = "Import indicators from a CSV or XLSX file (PRODUCT §8). All or nothing: any bad row and nothing is written."
    kind = "indicators"
