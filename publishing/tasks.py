"""django-q2 task entry points. Each takes ids and calls the engine."""

from django.conf import settings

from publishing import engine, retention, tally


def tick() -> str:
    """Run by the "publishing tick" Schedule every minute."""
    report = engine.tick()
    return (
        f"passes={report.passes} dispatched={report.dispatched} "
        f"recovered={report.recovered} held={report.held}"
    )


def publish_batch(publication_ids: list[int]) -> str:
    """A batch the tick handed out: how many publications ended in each outcome."""
    outcomes = engine.publish_batch(publication_ids)
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return " ".join(f"{name}={count}" for name, count in sorted(counts.items()))


def publish_one(publication_id: int) -> str:
    """The engine's outcome, as the task's result (an ``engine.Outcome`` is a string)."""
    return engine.publish_one(publication_id)


def prune_history() -> str:
    """Run daily by the "publishing prune history" Schedule, within its time budget."""
    reports = retention.prune_history(
        older_than=retention.default_age(),
        budget_seconds=settings.HISTORY_PRUNE_BUDGET_SECONDS,
    )
    return " ".join(
        f"{report.name.replace(' ', '_')}={report.rows}{'' if report.finished else '+'}"
        for report in reports
    )


def compact_tally() -> str:
    """Run by the "publishing tally" Schedule every 5 minutes: fold the tally's deltas."""
    return f"rows={tally.compact_tally()}"
