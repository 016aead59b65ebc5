from django.core.management.base import BaseCommand, CommandError

from benchmarks import imports, services
from kpiportal.accounts.models import User
from kpiportal.tabular import read_path


class Command(BaseCommand):
    help = (
        "Import comparator values from a CSV or XLSX file in long form "
        "(indicator_code, comparator, period, value, note; optional unit, kind). "
        "All or nothing: on any bad row nothing is written and the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--create-sources",
            action="store_true",
            help="Add comparators the portal does not know yet (their kind from the 'kind' column or their name).",
        )
        parser.add_argument(
            "--user", default="", help="Username the values are loaded by (default: the first performance-team user)."
        )

    def handle(self, *args, **options):
        user = self._user(options["user"])
        try:
            parsed = imports.read_and_parse(
                lambda: read_path(options["file"]),
                create_sources=options["create_sources"],
                **services.import_lookups(),
            )
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror or exc}") from None
        if parsed.errors:
            for error in parsed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(parsed.errors)} problems; nothing was imported.")
        for new in parsed.new_sources:
            self.stdout.write(f"New comparator: {new.name} ({new.kind_label})")
        try:
            report = services.comparator_values_import(parsed=parsed, by=user, create_sources=options["create_sources"])
        except services.ComparatorError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"Comparator values: {report.summary}."))

    def _user(self, username: str):
        from kpiportal.accounts import roles

        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user called '{username}'")
        else:
            user = (
                User.objects.filter(groups__name=roles.PERFORMANCE_TEAM, is_active=True).order_by("pk").first()
                or User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            )
            if user is None:
                raise CommandError("No performance-team user to load the values as: pass --user USERNAME")
        if not roles.has_role(user, roles.PERFORMANCE_TEAM):
            raise CommandError(f"'{user.username}' is not in the performance team")
        return user
