from django.core.management.base import BaseCommand, CommandError

from indicators import demo


class Command(BaseCommand):
    help = (
        "Load the demo users and the demo catalogue and history from the seed scorecards. "
        "Safe to run again: nothing changes the second time."
    )

    def handle(self, *args, **options):
        try:
            result = demo.load_demo()
        except demo.DemoDataError as exc:
            raise CommandError(str(exc)) from None
        for name, report in result.reports.items():
            self.stdout.write(f"{name}: " + ("; ".join(report.summary()) or "nothing to import"))
        self.stdout.write(self.style.SUCCESS("Demo users (username / password — role):"))
        for user in result.users:
            initials = f" ({user.initials})" if user.initials else ""
            self.stdout.write(f"  {user.username:<10} / {user.password:<20} — {user.role}{initials}")
