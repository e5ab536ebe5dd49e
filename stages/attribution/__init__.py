"""Attribution: who said what, from a dependency parse of each candidate sentence.

``cues`` is the reporting-verb lexicon and the cheap test of which sentences to parse,
``extract`` reads one parsed sentence into its statements (speaker, cue, content),
``speakers`` resolves a speaker to a name (titles dropped, a pronoun's antecedent), and
``frames`` turns the sentences and paragraphs frames into the ``attributions`` table.
The spaCy pipeline is always passed in by the caller; nothing here loads a model.
"""
