from kpiportal.imports import ImportCommand


class Command(ImportCommand):
    help = (
        "Import comparator values: indicator_code, comparator, period (2019/20 or 2020/21 Q3), value, note "
        "(optional unit, kind). All or nothing; --create-sources adds comparators the portal does not know."
    )
    kind = "comparators"
