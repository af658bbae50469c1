"""WSGI entry point. Refuses to serve when the configuration is insecure (see tutela.core.checks)."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()

from tutela.core.checks import serious_problems  # noqa: E402

_problems = serious_problems()
if _problems:
    raise ImproperlyConfigured("Tutela will not start:\n  " + "\n  ".join(_problems))

from tutela.core.runtime import tune_garbage_collector  # noqa: E402

tune_garbage_collector()
