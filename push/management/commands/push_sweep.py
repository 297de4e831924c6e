import time

from django.core.management.base import BaseCommand

from push.tasks import sweep


class Command(BaseCommand):
    help = (
        "Enqueue webhook deliveries and WebSub pings that are due (retries, scheduled entries, "
        "messages lost with a broker). `make worker` runs this every PUSH_SWEEP_SECONDS; without "
        "a broker, run it with --every to retry from a development server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds.")

    def handle(self, *args, every, **options):
        while True:
            count = sweep.apply().get()
            self.stdout.write(f"Enqueued {count}.")
            if not every:
                return
            time.sleep(every)
