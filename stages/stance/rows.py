"""One stance as the stage makes it, before it becomes a row of the ``stances`` table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StanceRow:
    """One stance: its source and target as actor ids (None: no affiliation known), as names
    (``Mention.name``: a person's canonical name, else the words as written) and as CAMEO roles
    (None until ``stages.stance.frames`` looks them up)."""

    sentence_index: int
    speaker: str | None
    source_actor: str | None
    target_actor: str | None
    stance: str
    score: float
    cue: str
    is_quote: bool
    source_name: str | None = ""
    target_name: str = ""
    source_role: str | None = None
    target_role: str | None = None
    # The target's characters in the sentence, which the sentence model reads; not a column.
    target_start: int = -1
    target_end: int = -1

    def key(self) -> tuple[str | None, ...]:
        """What a sentence holds one row of: the pair of actor ids when they are known and
        differ, else (a pair within one actor, or without ids) the pair of names as well."""
        codes = (self.source_actor, self.target_actor)
        if self.source_actor and self.target_actor and self.source_actor != self.target_actor:
            return codes
        return (*codes, self.source_name, self.target_name)
