"""One function run in a forked process while the caller goes on: the second core's share of a stage.

Most of the pipeline after parsing is one Python thread, so on a 2-core
machine one core idles through matching, grouping, findings, lineage and
report writing. Where two pieces of work do not depend on each other (the
section class and the unit class of matching; lineage and findings; the
pictures and the CSVs), ``beside`` runs one of them in a forked child while
the caller computes the other.

A forked child starts with the caller's memory as it is, so the inputs are
not pickled (they are hundreds of MB of blocks); only the return value
travels back. Where ``fork`` does not exist (Windows), or with
``parallel=False`` (``--workers 1``, or inputs so small that a fork costs
more than it saves), the function runs in the caller when its result is
asked for. Either way the result is the
same value, so outputs never depend on which path ran.

Descriptors listed in ``close_in_child`` are closed in the child first (the
report writer's output lock: the child must not keep it held).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_PENDING: dict[int, tuple[Callable[..., Any], tuple, dict]] = {}  # what each forked child runs, by token
_TOKENS = itertools.count()


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def beside(function: Callable[..., T], *args: Any, parallel: bool = True, close_in_child: tuple[int, ...] = (),
           **kwargs: Any) -> Iterator[Callable[[], T]]:
    """Start ``function(*args, **kwargs)`` in a forked process; yields a callable that returns its result.

    Call the yielded callable once, inside the ``with`` block. Without
    ``parallel`` (or without fork) it computes the result there and then.
    An exception raised by ``function`` is raised by the callable.
    """
    if not parallel or not can_fork():
        yield lambda: function(*args, **kwargs)
        return
    token = next(_TOKENS)
    _PENDING[token] = (function, args, kwargs)
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_close, initargs=(close_in_child,)) as pool:
            future = pool.submit(_run, token)
            yield future.result
    finally:
        del _PENDING[token]


def _close(descriptors: tuple[int, ...]) -> None:
    for descriptor in descriptors:
        os.close(descriptor)


def _run(token: int) -> Any:
    function, args, kwargs = _PENDING[token]
    return function(*args, **kwargs)
