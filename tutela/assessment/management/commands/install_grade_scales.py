from django.core.management.base import BaseCommand, CommandError

from tutela import audit
from tutela.assessment import services
from tutela.policy import rls
from tutela.schools.models import School


class Command(BaseCommand):
    help = (
        "Install the reference grade scales (tutela/assessment/data/reference_scales.json) for every school, "
        "or one (--school URN). Scales a school already has are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", metavar="URN")

    def handle(self, *args: object, **options: object) -> None:
        with audit.context(actor=None, reason="install reference grade scales"), rls.system_scope():
            schools = School.objects.order_by("urn")
            if options["school"]:
                schools = schools.filter(urn=options["school"])
                if not schools.exists():
                    raise CommandError(f"No school has URN {options['school']!r}.")
            for school in schools:
                installed = services.reference_scales_install(school=school)
                names = ", ".join(s.code for s in installed) or "nothing new"
                self.stdout.write(f"{school.urn}: {names}")
