from django.apps import AppConfig


class PlannerConfig(AppConfig):
    """The operator's calendar: admin pages over the publishing services; no models.

    It sits beside the API and monitoring: it reads and calls every app below
    it, and nothing but ``config`` imports it.
    """

    name = "planner"
    verbose_name = "Calendar"
