"""The threads the S3 gateway's store work runs on, off the event loop.

A bucket's claim and release, its policy's writes, decisions that grow with a body
(DeleteObjects' keys, a policy document), and on PostgreSQL every decision (its reads
wait on the network) run here, off the event loop that streams other requests'
bodies. On SQLite a request's own decision (`s3_checks.admit_and_authorize`, a
statement or two from a local file) runs on the loop, as the IAM API's calls do.

Why not Starlette's `run_in_threadpool`: anyio's worker-thread machinery (a capacity
limiter, a cancel scope, its own queue to the thread) cost a small GET's decision about
0.13 ms of wall clock and 0.07 ms of CPU per hop, against about 0.06 and 0.04 ms for
asyncio's own executor. The pool is as large as anyio's default limiter (40), so as
many decisions can wait on a slow store at once as before; the caller's context
variables go with the call, as they do with `run_in_threadpool`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_THREADS = ThreadPoolExecutor(max_workers=40, thread_name_prefix="iamd-gateway")


async def off_loop(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` on a worker thread, awaited on the event loop."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, func, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_THREADS, call)
