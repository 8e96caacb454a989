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

**Memory.** A forked child's resident set starts as the caller's: Linux
counts every inherited page it maps, shared or not, so its peak RSS (what
``ru_maxrss`` and the benchmarks report, per process) is the caller's size at
the fork plus whatever the child allocates. Forking the 880 MB report writer to
draw four PNGs made a 1,030 MB child, the run's peak on corpus-public. With ``fresh=True`` the
child is a new interpreter (``spawn``) that imports what the function needs
and receives its arguments pickled: right for small inputs and heavy work
(matplotlib), wrong for the hundreds of MB of blocks that matching reads.
The fresh child is ``python -c _BOOTSTRAP`` reading one pickle from its stdin
(the caller's ``sys.path``, then the function and its arguments) and writing
the pickled result, or the exception, to its stdout. Not ``multiprocessing``'s
``spawn``, which imports the caller's ``__main__`` again in the child: a
script that calls the library without an ``if __name__ == "__main__"`` guard
would run twice.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import subprocess
import sys
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
           fresh: bool = False, **kwargs: Any) -> Iterator[Callable[[], T]]:
    """Start ``function(*args, **kwargs)`` in a forked process; yields a callable that returns its result.

    Call the yielded callable once, inside the ``with`` block. Without
    ``parallel`` (or without fork) it computes the result there and then.
    An exception raised by ``function`` is raised by the callable. With
    ``fresh``, the child is a new interpreter instead of a fork (see the
    module docstring): ``function`` must be importable and the arguments
    picklable; descriptors are not inherited then, so none need closing.
    """
    if not parallel or not can_fork():
        yield lambda: function(*args, **kwargs)
        return
    if fresh:
        child = _start_fresh(function, args, kwargs)
        try:
            yield lambda: _fresh_result(child)
        finally:
            if child.poll() is None:  # the block failed before asking: the result is not wanted
                child.kill()
                child.wait()
            child.stdout.close()
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


_BOOTSTRAP = ("import pickle, sys; path, call = pickle.load(sys.stdin.buffer); sys.path[:] = path; "
              "from analyzer.background import _serve; _serve(call)")


def _start_fresh(function: Callable[..., Any], args: tuple, kwargs: dict) -> subprocess.Popen:
    """A new interpreter running ``function(*args, **kwargs)`` (see the module docstring).

    The call is pickled here and sent as bytes, so the child reads all of it
    before unpickling (which imports the function's module) and this process
    waits only for the child to start, not for its imports.
    """
    call = pickle.dumps((function, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    child = subprocess.Popen([sys.executable, "-c", _BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        pickle.dump((list(sys.path), call), child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        child.stdin.close()
    except BaseException:
        child.kill()
        child.wait()
        raise
    return child


def _fresh_result(child: subprocess.Popen) -> Any:
    output = child.stdout.read()
    code = child.wait()
    if not output:
        raise RuntimeError(f"the background process exited with code {code} before returning a result")
    failed, value = pickle.loads(output)
    if failed:
        raise value
    return value


def _serve(call: bytes) -> None:
    """The fresh child's side: run the pickled call, write (failed, value) to the original stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything the function prints goes to stderr, not into the result
    function, args, kwargs = pickle.loads(call)
    try:
        reply = (False, function(*args, **kwargs))
    except BaseException as error:  # noqa: BLE001 - raised again in the caller
        reply = (True, error)
    pickle.dump(reply, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.close()
