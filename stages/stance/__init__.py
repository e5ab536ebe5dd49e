"""Stance tagging: ``sentences`` -> ``stances`` (who says what about whom).

A transparent rule-based tagger, built from reference data passed in by the caller:

- a ``Gazetteer`` of actors: countries (names, capitals, demonyms), organisations
  (NATO, EU, OSCE, UN, "Western powers" = WEST, ...), institutions that stand for a
  country (the Kremlin, the State Department) and people with their affiliation;
- a ``CueLexicon``: reporting verbs (said, told: no polarity of their own), attitude
  verbs (warned, accused: against; praised, welcomed: favor) and cue words (threat,
  aggression: against; support, cooperation: favor), each with a weight.

Per sentence, each clause is read around its verbs: the **source** is the actor just
before a reporting/attitude verb (a he/she is resolved to the last person named
earlier in the article; a clause with no subject of its own inherits the previous
one), the **target** is the first other actor after the verb (else in the quote or
report the verb attributes; with no other actor, a named source's stance toward
another person of its own actor after the verb, "Biden praised Blinken", told apart by
name), and the **stance** is the sign of the summed weights
of the verb and the cue words in that scope. Capitals used as places ("near
Stockholm") or as names of things ("the Minsk accords") are not actors.

By default (``--tagger model``) a sentence model then reads each row's sign: MiniLM-L6
fine-tuned on NewsMTSC, on ONNX Runtime, with the target marked in the sentence; it also
gives the actors of sentences where the rules find no holder a row without a source when it
reads the sentence as for or against them. ``--tagger fast`` keeps the rules' signs.

The parts: ``actors`` (the gazetteer), ``cues`` (the cue lexicon), ``sentence`` (one sentence's
lookups and clauses), ``rows`` (a stance before it is a table row), ``tagger`` (the rules),
``encoding`` (how the sentence model reads a pair), ``minilm`` (the sentence model on ONNX
Runtime), ``signing`` (its readings as rows), ``frames`` (the stage on frames) and
``sentiment`` (the TF-IDF/VADER logistic regression that ``--tagger fast`` evaluation uses).
"""

from stages.stance.actors import Gazetteer
from stages.stance.cues import CueLexicon
from stages.stance.frames import TAGGED_LANGUAGE, tag_sentences, tag_stances
from stages.stance.tagger import StanceTagger

__all__ = [
    "TAGGED_LANGUAGE",
    "CueLexicon",
    "Gazetteer",
    "StanceTagger",
    "tag_sentences",
    "tag_stances",
]
