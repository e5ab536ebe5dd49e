"""What each ``stancewire`` command does, by concern; ``flows.cli`` parses the command line and
calls one of them with its arguments.

- ``flows.commands.run``: ``run``, ``backfill``, ``serve`` and ``report`` (the nightly flow);
- ``flows.commands.sql``: ``sql``, the read-only queries and shell over the warehouse;
- ``flows.commands.evaluate``: ``eval``, ``bench`` and ``train`` (gold data and datasets).

A command reports a user's mistake by raising ``UserError``: ``flows.cli`` prints it as one line.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in how the command was called; printed as one line."""
