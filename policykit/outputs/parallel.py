"""Converting many documents at once: batches of documents, a pool of worker threads.

pandoc's start-up and Typst's layout are the cost of a build, not Python. Each batch is one
`pandoc lua` process (start-up paid once per batch) followed by a Typst compile per PDF,
and both release the GIL (a subprocess wait; typst.compile runs in Rust without it), so
threads keep every core busy without the start-up and pickling cost of worker processes.
Each batch hands its files to `sink` as soon as they are made, so memory holds only the
batches in flight, never the whole build. A converter (and `sink`) may therefore be called
from several threads at once.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

from policykit.outputs.pandoc import Converter
from policykit.system import processes

if TYPE_CHECKING:
    from policykit.core.render import RenderedDocument

T = TypeVar("T")
BATCH = 12  # documents per pandoc process: amortises start-up, keeps memory and progress steady

Sink = Callable[[str, str, bytes], None]  # (document key, format, file bytes)
Progress = Callable[[int, int, str], None]
MEMORY_PER_JOB = 512 * 2**20  # a pandoc process and a Typst compile in flight, with room to spare


def default_jobs() -> int:
    """The cores this process may use (a container's limit, not the host's count), but no more
    jobs than the memory holds: a 64-core runner with 8 GB gets 16."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        memory = 0
    return max(1, min(cores, memory // MEMORY_PER_JOB) if memory > 0 else cores)


def batches(items: Sequence[T], jobs: int, size: int = BATCH) -> list[Sequence[T]]:
    """At most `size` items a batch, a multiple of `jobs` batches of even size where possible,
    and the last `jobs` of them halved: the workers then finish within half a batch of each
    other, not a whole one, and no core idles long at the end of a big build."""
    n = len(items)
    if n == 0:
        return []
    count = -(-n // size)
    count = min(n, -(-count // jobs) * jobs)
    per, extra = divmod(n, count)  # the first `extra` batches take one more
    bounds = [i * per + min(i, extra) for i in range(count + 1)]
    out = [items[bounds[i]:bounds[i + 1]] for i in range(count)]
    if jobs > 1 and count > jobs:
        tail = [half for batch in out[-jobs:] for half in (batch[:len(batch) // 2], batch[len(batch) // 2:]) if half]
        out = out[:-jobs] + tail
    return out


def convert(work: Sequence[tuple[RenderedDocument, tuple[str, ...]]], converter: Converter, jobs: int,
            sink: Sink, progress: Progress | None = None) -> None:
    """Make every (document, its formats) in `work`, `jobs` batches at a time, into `sink`.

    The bytes of each file do not depend on the batch or the order: a parallel build writes
    exactly what a serial one does. The first failure stops the build (work not yet started
    is cancelled) and is raised here.
    """
    from policykit.outputs.formats import (  # here: it loads python-docx, which a no-op build never needs
        WRITERS,
        produce,
    )

    groups: dict[tuple[str, ...], list[RenderedDocument]] = {}
    for doc, formats in work:
        groups.setdefault(formats, []).append(doc)
    tasks = [(formats, batch) for formats, docs in groups.items() for batch in batches(docs, jobs)]
    total, done = len(work), 0

    def run(formats: tuple[str, ...], batch: Sequence[RenderedDocument]) -> Sequence[RenderedDocument]:
        for (key, fmt), data in produce(batch, formats, converter).items():
            sink(key, fmt, data)
        return batch

    if jobs <= 1 or len(tasks) <= 1:
        for formats, batch in tasks:
            run(formats, batch)
            done += len(batch)
            if progress:
                progress(done, total, batch[-1].key)
        return
    # fill per-process caches (the DOCX reference document, built once per trust colours) here,
    # before the workers would race to build them; every document of a build has the same trust
    for formats, docs in groups.items():
        for fmt in formats:
            WRITERS[fmt].pandoc_output(docs[0])
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(tasks)), thread_name_prefix="policykit")
    try:
        futures = [pool.submit(run, formats, batch) for formats, batch in tasks]
        for future in as_completed(futures):
            batch = future.result()
            done += len(batch)
            if progress:
                progress(done, total, batch[-1].key)
    except BaseException:
        # interrupted (or a batch failed): end the workers' pandoc now, rather than wait for it
        processes.stop()
        raise
    finally:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        finally:
            processes.resume()
