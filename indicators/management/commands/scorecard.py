from django.core.management.base import BaseCommand, CommandError

from indicators.reports import feed


class Command(BaseCommand):
    help = "Print the scorecard feed of one period (approved figures only): the same rows as /api/v1/scorecard."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="The month, as YYYY-MM (e.g. 2022-11).")
        parser.add_argument("--format", default=feed.JSON, help="json (an array of rows) or csv (with a header row).")

    def handle(self, *args, period, format, **options):
        try:
            month = feed.parse_feed_period(period)
            fmt = feed.parse_format(format)
        except feed.FeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(feed.feed_text(month, fmt), ending="" if fmt == feed.CSV else "\n")
