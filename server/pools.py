"""A psycopg connection pool never crosses a fork.

A pool's idle connections are open sockets, and its threads do not survive a fork: a
forked child that took one would talk over its parent's connection. django-q2 forks its
workers from a process that has used the database (its scheduler) and hands its
connections back first (``connections.close_all()``), which with a pool only returns
them to the pool. So before any fork, every pool is closed: the parent opens a new one
when it next needs the database, and the child opens its own.
"""

from django.db import connections


def close_connection_pools() -> None:
    for connection in connections.all():
        # Only PostgreSQL with OPTIONS["pool"] has a pool (and close_pool()).
        if connection.settings_dict["OPTIONS"].get("pool"):
            connection.close_pool()
