"""Run the real engine in-process, as a cluster would, until nothing is due."""

from publishing import engine


def drain(rounds: int = 10) -> None:
    for _ in range(rounds):
        handed: list[int] = []
        engine.tick(budget_seconds=0, enqueue=handed.append)
        if not handed:
            return
        for pk in handed:
            engine.publish_one(pk)
