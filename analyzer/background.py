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
The fresh child is ``python -c _BOOTSTRAP`` reading pickles from its stdin
(the caller's ``sys.path``, modules to import at once, then the function and
its arguments) and writing the pickled result, or the exception, to its
stdout. ``prepare_fresh`` starts it before its call is known, so its imports
overlap the caller's work. Not ``multiprocessing``'s
``spawn``, which imports the caller's ``__main__`` again in the child: a
script that calls the library without an ``if __name__ == "__main__"`` guard
would run twice.
"""

from __future__ import annotations

import atexit
import importlib
import itertools
import multiprocessing
import os
import pickle
import subprocess
import sys
import threading
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
        child = _take_fresh()
        writer = _send(child, function, args, kwargs)
        try:
            yield lambda: _fresh_result(child)
        finally:
            if child.poll() is None:  # the block failed before asking: the result is not wanted
                child.kill()
                child.wait()
            writer.join()
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


_BOOTSTRAP = ("import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
              "from analyzer.background import _serve; _serve()")
_STANDBY: list[tuple[tuple, subprocess.Popen]] = []  # at most one prepared fresh child, with where it was started


def prepare_fresh(*modules: str) -> None:
    """Start the next ``beside(..., fresh=True)`` child now, importing ``modules`` while the caller works.

    A fresh interpreter spends most of its first seconds importing (matplotlib
    alone is about 1.4 s); started before the analysis, it has done that by
    the time its call comes. The next fresh ``beside`` takes it, when it was
    started with the same ``sys.path`` and working folder (else it is stopped
    and a new child started). Does nothing without fork, or when one is
    already waiting. One never used reads end-of-file when this process
    exits and ends without output; ``atexit`` stops it first.
    """
    if not can_fork() or _STANDBY:
        return
    _STANDBY.append((_origin(), _start_fresh(modules)))


def _origin() -> tuple:
    return tuple(sys.path), os.getcwd()


def _stop_standby() -> None:
    while _STANDBY:
        _, child = _STANDBY.pop()
        _stop(child)


atexit.register(_stop_standby)


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.kill()
    child.wait()
    for stream in (child.stdin, child.stdout):
        try:
            stream.close()
        except OSError:
            pass  # a broken pipe: the child is gone either way


def _take_fresh() -> subprocess.Popen:
    """The prepared child when it still fits (see ``prepare_fresh``), else a new one."""
    while _STANDBY:
        origin, child = _STANDBY.pop()
        if origin == _origin() and child.poll() is None:
            return child
        _stop(child)
    return _start_fresh(())


def _start_fresh(modules: tuple[str, ...]) -> subprocess.Popen:
    """A new interpreter that imports ``modules``, then waits for one call on its stdin (``_send``)."""
    child = subprocess.Popen([sys.executable, "-c", _BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        pickle.dump(list(sys.path), child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(tuple(modules), child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        child.stdin.flush()
    except BaseException:
        _stop(child)
        raise
    return child


def _send(child: subprocess.Popen, function: Callable[..., Any], args: tuple, kwargs: dict) -> threading.Thread:
    """Write the call to ``child`` from a thread, so the caller goes on while a busy child fills the pipe.

    The call is pickled here and sent as one bytes frame, so the child reads
    all of it before unpickling (which imports the function's module). A
    child that died meanwhile breaks the pipe; ``_fresh_result`` reports it.
    """
    call = pickle.dumps((function, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)

    def write() -> None:
        try:
            pickle.dump(call, child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            child.stdin.close()
        except OSError:
            pass

    writer = threading.Thread(target=write, name="fresh-child-call", daemon=True)
    writer.start()
    return writer


def _fresh_result(child: subprocess.Popen) -> Any:
    output = child.stdout.read()
    code = child.wait()
    if not output:
        raise RuntimeError(f"the background process exited with code {code} before returning a result")
    failed, value = pickle.loads(output)
    if failed:
        raise value
    return value


def _serve() -> None:
    """The fresh child's side: import what it was told, run the call it is sent, write (failed, value).

    A module that fails to import here is left for the call, which imports
    it again and reports the error as its own. End-of-file before the call
    means the caller ended without one (a prepared child never used).
    """
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything the function prints goes to stderr, not into the result
    stdin = sys.stdin.buffer
    try:
        for name in pickle.load(stdin):
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - see the docstring
                pass
        call = pickle.load(stdin)
    except EOFError:
        return
    function, args, kwargs = pickle.loads(call)
    try:
        reply = (False, function(*args, **kwargs))
    except BaseException as error:  # noqa: BLE001 - raised again in the caller
        reply = (True, error)
    pickle.dump(reply, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.close()
