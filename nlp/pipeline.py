"""Build the French pipeline once per process and annotate comments with it.

Why here: other stages only need ``annotate_texts`` (or an ``Annotator`` for a long
stream); how the spaCy pipeline is put together (which model parts are left out, the
order of our components) and how it runs in worker processes stay here. Order matters:
language first (the French components skip other languages), sentiment before questions
(a negative question is typed "complaint").
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch
from thinc.api import Model, NumpyOps
from threadpoolctl import threadpool_limits

import nlp.components  # noqa: F401  (registers the ecoute_* factories)
from nlp.version import MODEL

#: Our components, in pipeline order.
COMPONENTS: tuple[str, ...] = (
    "ecoute_language",
    "ecoute_sentiment",
    "ecoute_questions",
    "ecoute_topics",
)
#: How often a worker checks that the process that started it is still there.
_PARENT_CHECK_SECONDS = 1.0
#: Model parts we don't use: named entities.
_EXCLUDE = ("ner",)


@dataclass(frozen=True)
class Annotation:
    """What the NLP stage says about one comment."""

    lang: str
    is_question: bool
    question_sentence: str | None
    question_rule: str | None
    question_type: str | None
    sentiment: str
    sentiment_score: float
    topics: list[str]

    @classmethod
    def from_doc(cls, doc: Doc) -> Annotation:
        return cls(
            lang=doc._.lang,
            is_question=doc._.is_question,
            question_sentence=doc._.question_sentence,
            question_rule=doc._.question_rule,
            question_type=doc._.question_type,
            sentiment=doc._.sentiment,
            sentiment_score=doc._.sentiment_score,
            topics=list(doc._.topics or []),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready), keys in field order (``dataclasses.asdict`` deep-copies
        field by field: 10 times slower, on every stored annotation)."""
        return {**self.__dict__, "topics": list(self.topics)}


@functools.lru_cache(maxsize=2)
def build_pipeline(*, sentiment_model: bool = True) -> Language:
    """The model without its unused parts, plus the ecoute components. Loaded once.

    ``sentiment_model=False`` leaves sentiment to the lexicon and rules alone (what the
    sentiment tests of single rules look at, and the baseline of nlp/README.md).
    """
    nlp = spacy.load(MODEL, exclude=list(_EXCLUDE))
    _multiply_with_numpy(nlp.get_pipe("tok2vec").model)
    for name in COMPONENTS:
        config = {"model": sentiment_model} if name == "ecoute_sentiment" else {}
        nlp.add_pipe(name, config=config)
    return nlp


def _multiply_with_numpy(model: Model) -> None:
    """Run the token-to-vector layers' matrix products through numpy, on one thread.

    thinc sends them to BLIS, which reaches about 30 GFLOPS on the development machine
    (AVX-512) where numpy's OpenBLAS reaches 90: the tok2vec layers, a third of the cost
    of a comment, take 30% less time. The parser's many small products stay on BLIS, which
    is faster there. One BLAS thread: parallelism comes from worker processes.
    """
    threadpool_limits(limits=1, user_api="blas")
    ops = NumpyOps(use_blis=False)
    for node in model.walk():
        node.ops = ops


class Annotator:
    """Annotates streams of texts, in this process or in worker processes started once.

    With ``n_process`` > 1 the pipeline is built here, then the workers are forked: they
    inherit it (the model, lingua's models, the trained sentiment model) instead of each
    building its own, so they start in milliseconds. A worker annotates chunks of
    ``batch_size`` texts and sends back the annotations only. spaCy's own ``n_process`` is
    not used: its workers send whole Docs back, through srsly's msgpack, which looks up its
    plugins among every installed package's entry points at each call: packing and unpacking
    a Doc cost about 2.4 ms, more than annotating it.

    Use it as a context manager (the workers stop at the end); ``annotate`` may be called
    several times, the workers stay up.
    """

    def __init__(self, *, n_process: int = 1, batch_size: int = 64) -> None:
        self.n_process = n_process
        self.batch_size = batch_size
        build_pipeline()  # here, before any worker is forked: they inherit it
        self._pool: ProcessPoolExecutor | None = None
        if n_process > 1:
            self._pool = _fork_workers(n_process)

    def __enter__(self) -> Annotator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (texts not yet annotated are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def annotate(self, texts: Iterable[str]) -> Iterator[Annotation]:
        """One ``Annotation`` per text, in order; reads ``texts`` only a few chunks ahead."""
        chunks = minibatch(texts, size=self.batch_size)
        if self._pool is None:
            for chunk in chunks:
                yield from _annotate_chunk(chunk, self.batch_size)
            return
        # Each worker has a chunk in hand and one waiting: busy, and memory stays bounded.
        in_flight: deque[Future[list[Annotation]]] = deque()
        for chunk in chunks:
            in_flight.append(self._pool.submit(_annotate_chunk, chunk, self.batch_size))
            if len(in_flight) > 2 * self.n_process:
                yield from in_flight.popleft().result()
        while in_flight:
            yield from in_flight.popleft().result()


def _fork_workers(n_process: int) -> ProcessPoolExecutor:
    """``n_process`` workers forked from this process, which has built the pipeline."""
    pool = ProcessPoolExecutor(
        n_process,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_exit_with,
        initargs=(os.getpid(),),
    )
    pool.submit(int).result()  # with "fork" the first task starts every worker
    return pool


def _exit_with(parent: int) -> None:
    """In a worker: end when ``parent`` does, even killed (a killed parent never tells its
    workers, which would wait for a next chunk forever, holding their memory)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="ecoute-parent-watch", daemon=True).start()


def _annotate_chunk(texts: list[str], batch_size: int) -> list[Annotation]:
    """The annotations of a chunk of texts, in a spaCy memory zone.

    The zone frees what the chunk added to the pipeline's vocabulary and tokenizer cache
    (the annotations are plain values): otherwise every new word, number or name of a long
    stream stays in memory, about 1 MB per thousand new ones. In a worker,
    ``build_pipeline()`` is the pipeline inherited from the parent.
    """
    nlp = build_pipeline()
    with nlp.memory_zone():
        return [Annotation.from_doc(doc) for doc in nlp.pipe(texts, batch_size=batch_size)]


def annotate_texts(
    texts: Iterable[str], *, batch_size: int = 64, n_process: int = 1
) -> Iterator[Annotation]:
    """One ``Annotation`` per text, in order, streaming through the pipeline in batches.

    ``n_process`` > 1 forks worker processes once for the whole stream (see ``Annotator``).
    """
    with Annotator(n_process=n_process, batch_size=batch_size) as annotator:
        yield from annotator.annotate(texts)
