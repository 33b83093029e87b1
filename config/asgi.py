import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from server.checks import refuse_to_serve_without_production_variables  # noqa: E402

refuse_to_serve_without_production_variables()
