"""Spread independent work over the machine's cores, with the same results.

Inference by re-estimation (randomisation over rollout order, in particular) calls one
estimator on many panels that do not depend on each other. :func:`ordered_map` shares those
calls between this process and forked copies of it: each copy inherits the estimator, its
data and any design it has cached, takes the next call not yet taken, and sends its results
back. The results are those of ``[func(x) for x in items]`` in that order, bit for bit: every
call runs the same code on the same inputs, only in another process. Randomness is not drawn
inside the calls (the caller draws the assignments first), so no draw depends on which process
made a call. :func:`start_forked` runs one call in a forked copy while this process goes on
(the impact report's equality breakdowns and dose-response slopes, beside the estimates).

Where processes cannot be forked (Windows, macOS by default), with one core available, or for
a handful of calls, the calls run here, one after another. A forked copy must not use a
database connection (DuckDB's threads are not copied): callers run their queries first.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import time
import weakref
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from eah_eval.errors import OptionError

__all__ = ["CORES_VARIABLE", "Forked", "available_cores", "ordered_map", "start_forked"]

T = TypeVar("T")
R = TypeVar("R")

#: Fewest calls per process worth forking for, by default (forking and sending results back
#: cost a few milliseconds; one re-estimation costs about as much).
MIN_CALLS = 8


#: Environment variable capping the cores used (``1``: every call runs in this process).
CORES_VARIABLE = "EAH_EVAL_CORES"


def available_cores() -> int:
    """Return the number of cores this process may run on.

    The cores this process may run on (its CPU affinity), capped by the environment variable
    ``EAH_EVAL_CORES`` when it holds a whole number of at least 1 (``EAH_EVAL_CORES=1`` runs
    everything in one process, forking nothing).

    Raises
    ------
    OptionError
        When ``EAH_EVAL_CORES`` is set but is not a whole number of at least 1.
    """
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    cap = os.environ.get(CORES_VARIABLE, "").strip()
    if not cap:
        return cores
    if not cap.isdigit() or int(cap) < 1:
        raise OptionError(f"environment variable {CORES_VARIABLE} must be a whole number of "
                          f"at least 1 (the most cores to use); got {cap!r}")
    return min(cores, int(cap))


def _start(proc: Any) -> None:
    """Fork ``proc`` with this process's objects out of the copy's garbage collector's sight.

    A forked copy shares this process's memory until it writes to it; its collector would
    write to every object it inspects, copying most of the heap for nothing (the objects made
    before the fork outlive the copy anyway). Frozen for the fork (:func:`gc.freeze`), they
    stay out of the copy's collections; here they are collected as before.
    """
    gc.freeze()
    try:
        proc.start()
    finally:
        gc.unfreeze()


def _take(counter: Any) -> int:
    with counter.get_lock():
        i = int(counter.value)
        counter.value = i + 1
    return i


def _work(func: Callable[[Any], Any], items: Sequence[Any], counter: Any,
          done: dict[int, Any]) -> None:
    while (i := _take(counter)) < len(items):
        done[i] = func(items[i])


def _call(func: Callable[[], Any], conn: Connection) -> None:
    try:
        value = func()
    except BaseException as exc:  # sent to the parent, which raises it
        conn.send(("error", exc))
    else:
        conn.send(("ok", value))
    finally:
        conn.close()


def _child(func: Callable[[Any], Any], items: Sequence[Any], counter: Any,
           conn: Connection) -> None:
    def share() -> dict[int, Any]:
        done: dict[int, Any] = {}
        _work(func, items, counter, done)
        return done

    _call(share, conn)


def ordered_map(func: Callable[[T], R], items: Sequence[T], *,
                processes: int | None = None, min_calls: int = MIN_CALLS,
                min_seconds: float = 0.0) -> list[R]:
    """Return ``[func(x) for x in items]``, computed by up to ``processes`` processes.

    Parameters
    ----------
    func : callable
        Called once per item. It may read (and cache into) state built before the call; what
        it changes in a forked process is not seen here, so it must not be needed later.
    items : sequence
        Inputs, in the order of the results.
    processes : int, optional
        Most processes, this one included (default: the cores available). With 1, or no
        ``fork`` start method, every call runs here.
    min_calls : int
        Fewest calls per process: fewer processes are used when there are fewer items (1 for
        calls that each take long, such as chunks of a batch).
    min_seconds : float
        When positive, the first call is made here and timed, and the others are shared out
        only if they would take at least this long in all at that pace (a short job is not
        worth a process).

    Returns
    -------
    list
        One result per item, in the order of ``items``.

    Raises
    ------
    Exception
        The first error raised by a call (here or in a forked process).

    Notes
    -----
    Calls are handed out one at a time (a shared counter), so a process slowed by other work
    on the machine takes fewer of them; which process made a call does not change its result.
    """
    items = list(items)
    n_proc = min(processes or available_cores(), max(len(items) // max(min_calls, 1), 1))
    if n_proc < 2 or "fork" not in mp.get_all_start_methods():
        return [func(x) for x in items]
    done: dict[int, Any] = {}
    if min_seconds > 0:
        t0 = time.perf_counter()
        done[0] = func(items[0])
        if (time.perf_counter() - t0) * (len(items) - 1) < min_seconds:
            return [done[0], *(func(x) for x in items[1:])]
    ctx = mp.get_context("fork")
    counter = ctx.Value("q", len(done))
    children: list[tuple[Any, Connection]] = []
    for _ in range(n_proc - 1):
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(func, items, counter, send))
        _start(proc)
        send.close()
        children.append((proc, receive))
    try:
        _work(func, items, counter, done)
        for _, receive in children:
            try:
                status, payload = receive.recv()
            except EOFError as exc:
                raise RuntimeError("a forked worker process ended without sending its "
                                   "results (killed, or out of memory?)") from exc
            if status == "error":
                raise payload
            done.update(payload)
    except BaseException:
        for proc, _ in children:  # the others' work is not needed now
            proc.terminate()
        raise
    finally:
        for proc, receive in children:
            receive.close()
            proc.join()
    return [done[i] for i in range(len(items))]


def _stop(proc: Any, receive: Connection) -> None:
    if proc.is_alive():
        proc.terminate()
    proc.join()
    receive.close()


class Forked:
    """One call running in a forked copy of this process (:func:`start_forked`).

    :meth:`result` waits for it and returns its value, or raises its error.

    Parameters
    ----------
    func : callable
        Called with no arguments.
    here : bool
        Make the call here and now instead (as with one core).
    """

    def __init__(self, func: Callable[[], Any], *, here: bool = False) -> None:
        self._value: Any = None
        self._proc: Any = None
        self._receive: Connection | None = None
        if here or available_cores() < 2 or "fork" not in mp.get_all_start_methods():
            self._value = func()  # no second core: the call is made here and now
            return
        ctx = mp.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        # not a daemon: the call may share its own work out (daemons cannot fork)
        self._proc = ctx.Process(target=_call, args=(func, send))
        _start(self._proc)
        send.close()
        self._receive = receive
        # a call whose result is never read (the caller raised first) is stopped, not left
        # blocked on its pipe (the interpreter would wait for it at exit)
        weakref.finalize(self, _stop, self._proc, receive)

    @classmethod
    def of(cls, value: Any) -> Forked:
        """Return a call already made here, with its value (for a result known at once)."""
        return cls(lambda: value, here=True)

    def result(self) -> Any:
        """Wait for the call; return its value or raise its error."""
        if self._receive is None:
            return self._value
        receive, self._receive = self._receive, None
        try:
            status, payload = receive.recv()
        except EOFError as exc:
            raise RuntimeError("a forked worker process ended without sending its result "
                               "(killed, or out of memory?)") from exc
        finally:
            receive.close()
            self._proc.join()
        if status == "error":
            raise payload
        self._value = payload
        return self._value


def start_forked(func: Callable[[], R]) -> Forked:
    """Start ``func()`` in a forked copy of this process and return at once.

    The copy sees the state of this process as it is now, and nothing done here afterwards;
    what ``func`` changes is not seen here (its return value is). With one core available, or
    where processes cannot be forked, ``func()`` is called here before returning. Either way
    :meth:`Forked.result` gives its value, the same in both cases.

    Parameters
    ----------
    func : callable
        Called with no arguments; it must not use a database connection or another resource
        that a forked copy cannot share.

    Returns
    -------
    Forked
        The running call.
    """
    return Forked(func)
