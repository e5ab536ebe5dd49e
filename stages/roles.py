"""Who an actor is on a given day: a name's affiliation (country or organisation) and its
role (CAMEO agent code), read from date-limited dictionaries.

The interface the stages are given (``RoleLookup``); the dictionaries behind it are built
from ``data/reference/`` and passed in by ``flows/resources.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Affiliation:
    """What a name stands for on a day.

    ``actor``: an ISO 3166-1 alpha-3 country code (``RUS``) or an organisation's actor id as in
    ``data/reference/organizations.csv`` (``NATO``, ``UN``), None when only the role is known
    ("a human rights group"); ``role``: a CAMEO agent code (``GOV``, ``MIL``, ``LEG``, ``JUD``,
    ``OPP``, ``REB``, ``COP``, ``HRI``, ``MED``, ``BUS``, ``NGO``, ``IGO``...), None when unknown.
    """

    actor: str | None
    role: str | None


# The CAMEO role and sector codes a role is one of (Affiliation.role, attributions.speaker_role).
ROLE_CODES = tuple(
    sorted(
        (
            "GOV MIL REB OPP PTY COP JUD SPY MED EDU BUS CRM CVL HLH HRI LAB LEG REF AGR ENV ELI DEV "
            "UAF INS SEP MOD RAD IMG NGO NGM IGO REL"
        ).split()
    )
)

# A name as written ("Foreign Minister Sergei Lavrov", "Darfur rebels") and the day it was
# written on -> its affiliation that day, or None.
RoleLookup = Callable[[str, dt.date], Affiliation | None]

__all__ = ["ROLE_CODES", "Affiliation", "RoleLookup"]
