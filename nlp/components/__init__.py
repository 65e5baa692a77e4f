"""The ecoute spaCy components; importing this package registers their factories."""

from nlp.components import language, questions, sentiment, topics

__all__ = ["language", "questions", "sentiment", "topics"]
