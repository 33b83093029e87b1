"""A worker process for the kill test: publish_batch on the ids given, with the kill platform.

python -m tests.publishing.kill_worker <id> <id> ...
"""

import sys

import django


def main() -> None:
    django.setup()
    from django.conf import settings

    from platforms import registry
    from publishing import engine

    settings.PLATFORM_MODULES = dict.fromkeys(registry.values(), "tests.publishing.kill_platform")
    engine.publish_batch([int(arg) for arg in sys.argv[1:]])


if __name__ == "__main__":
    main()
