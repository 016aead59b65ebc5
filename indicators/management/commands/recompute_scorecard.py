from django.core.management.base import BaseCommand, CommandError

from indicators import periods
from indicators.models import Indicator
from indicators.scorecard.recompute import recompute


class Command(BaseCommand):
    help = "Recompute the materialised scorecard from approved figures (all indicators, all periods by default)."

    def add_arguments(self, parser):
        parser.add_argument("--indicator", action="append", default=[], help="Indicator code (repeatable).")
        parser.add_argument("--from", dest="from_period", help="First period to rewrite, e.g. 2022-04.")

    def handle(self, *args, indicator, from_period, **options):
        ids = None
        if indicator:
            found = dict(Indicator.objects.filter(code__in=indicator).values_list("code", "pk"))
            unknown = sorted(set(indicator) - set(found))
            if unknown:
                raise CommandError(f"Unknown indicator code(s): {', '.join(unknown)}")
            ids = list(found.values())
        start = None
        if from_period:
            try:
                start = periods.parse_period(from_period)
            except periods.PeriodError as exc:
                raise CommandError(f"--from: {exc}") from exc
        result = recompute(indicator_ids=ids, from_period=start)
        self.stdout.write(
            f"Scorecard recomputed in {result.seconds:.2f}s: {result.entries} entries, {result.written} written "
            f"({result.unchanged} unchanged), {result.deleted} deleted, "
            f"{len(result.rag_changes)} whole-authority RAG changes."
        )
        if result.failed:
            codes = dict(Indicator.objects.filter(pk__in=result.failed).values_list("pk", "code"))
            for pk, reason in sorted(result.failed.items(), key=lambda item: codes.get(item[0], "")):
                self.stderr.write(f"Could not score {codes.get(pk, pk)}: {reason}. Its entries are as they were.")
            raise CommandError(f"{len(result.failed)} indicator(s) could not be scored; the others were recomputed")
