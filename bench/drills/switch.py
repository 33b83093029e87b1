"""drill-switch: automation_enabled off for 30 s mid-burst; held posts go out once, after."""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import time

from bench.drills.harness import (
    WIDE_OPEN,
    Check,
    Run,
    burst_run,
    cluster_counts,
    core_checks,
    figures,
    header,
    landed_posts,
    once,
    operator,
    print_figures,
    verdict,
)


def drill(args: argparse.Namespace) -> bool:
    """The switch flipped off then on mid-burst; what it held, and when that went out."""
    from flags.models import SwitchFlip
    from flags.services import set_switch
    from flags.switches import AUTOMATION_SWITCH
    from publishing.models import PublicationEvent

    count = cluster_counts(args, "2")[0]
    header(
        "switch",
        args,
        count,
        f"{AUTOMATION_SWITCH} off for {args.switch_off} s mid-burst, {args.posts} posts",
        WIDE_OPEN,
    )

    def during(run: Run):
        def flip() -> None:
            set_switch(AUTOMATION_SWITCH, False, user=operator(), note="fault drill: switch off")
            run.marks["off_at"] = dt.datetime.now(dt.UTC)
            run.note(f"{AUTOMATION_SWITCH} off")
            time.sleep(args.switch_off)
            set_switch(AUTOMATION_SWITCH, True, user=operator(), note="fault drill: switch on")
            run.marks["on_at"] = dt.datetime.now(dt.UTC)
            run.note(f"{AUTOMATION_SWITCH} on again after {args.switch_off} s")

        return once(args.fault_at, args.posts, flip)

    run = burst_run("switch", args, count, during_factory=during)
    f = figures(run)
    print_figures(f)
    held_ids = set(
        PublicationEvent.objects.filter(
            publication_id__in=run.ids, reason__contains=f"switch {AUTOMATION_SWITCH} is off"
        ).values_list("publication_id", flat=True)
    )
    from publishing.models import Publication

    held_texts = set(
        Publication.objects.filter(pk__in=held_ids).values_list("content__body", flat=True)
    )
    landed = collections.defaultdict(list)
    for text, created in landed_posts().values_list("text", "created_at"):
        if text in held_texts:
            landed[text].append(created)
    # When each flip was recorded (in the flip's transaction, just before it took effect).
    flips = dict(
        SwitchFlip.objects.filter(name=AUTOMATION_SWITCH, at__gte=run.marks["due_at"]).values_list(
            "active", "at"
        )
    )
    off_at, on_at = flips.get(False), flips.get(True)
    once_each = sum(1 for text in held_texts if len(landed[text]) == 1)
    after_on = (
        sum(1 for text in held_texts if landed[text] and min(landed[text]) >= on_at) if on_at else 0
    )
    # A post out before the flip whose outcome then waited (a retry after its permalink
    # fetch failed) is held too, yet it went out once, before the switch went off.
    before_off = (
        sum(1 for text in held_texts if landed[text] and max(landed[text]) < off_at)
        if off_at
        else 0
    )
    grace = dt.timedelta(seconds=5)
    while_off = (
        landed_posts().filter(created_at__gte=off_at + grace, created_at__lt=on_at).count()
        if on_at
        else 0
    )
    print(
        f"  held by {AUTOMATION_SWITCH}: {len(held_ids)}; went out once each: {once_each}; "
        f"after the switch came back on: {after_on} (out before it went off, only their "
        f"outcome held: {before_off}); posts that landed while it was off "
        f"(after a {grace.seconds} s grace for requests in flight): {while_off}"
    )
    checks = [
        Check("posts held while the switch was off", bool(held_ids), str(len(held_ids))),
        Check(
            "each held post went out exactly once",
            once_each == len(held_ids),
            f"{once_each}/{len(held_ids)}",
        ),
        Check(
            "each held post went out after the switch came back on (or before it went off)",
            after_on + before_off == len(held_ids),
            f"{after_on} after + {before_off} before / {len(held_ids)}",
        ),
        Check("nothing went out while the switch was off", while_off == 0, str(while_off)),
    ]
    return verdict(
        "switch", checks + core_checks(f, run), f"held {len(held_ids)}, each out once: {once_each}"
    )
