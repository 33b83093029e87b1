from django.db import models


class MetricValue(models.Model):
    """One counter of the event store when Redis is not configured.

    ``key`` names the metric, its labels and the part (a counter's value, or a
    histogram's bucket, sum or count); see ``monitoring.store``. Rows are only
    ever added to, one upsert per observation.
    """

    key = models.CharField(max_length=255, primary_key=True)
    value = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
