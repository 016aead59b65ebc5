from django.core.management.base import BaseCommand

from indicators import demo


class Command(BaseCommand):
    help = "Load the demo users and data. Safe to run again: nothing changes the second time."

    def handle(self, *args, **options):
        users = demo.ensure_demo_users()
        self.stdout.write(self.style.SUCCESS("Demo users (username / password — role):"))
        for user in users:
            self.stdout.write(f"  {user.username:<10} / {user.password:<20} — {user.role}")
