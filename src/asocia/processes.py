"""Child processes that do not outlive their parent.

A process started by ``multiprocessing`` (the import's reading process) blocks on a full
queue once its parent stops reading; if the parent is killed (``kill -9``, the OOM killer)
it would wait forever, and keep multiprocessing's resource tracker alive with it.
:func:`exit_with_parent`, called first thing in the child, starts a daemon thread that waits
on the parent's sentinel (a pipe the kernel closes when the parent dies) and ends the child
at once.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import wait

#: Exit code of a child that ended because its parent died.
ORPHANED = 70


def exit_with_parent() -> bool:
    """In a ``multiprocessing`` child: exit as soon as the parent dies. False in a parent."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return False
    sentinel = parent.sentinel

    def watch() -> None:
        wait([sentinel])
        os._exit(ORPHANED)

    threading.Thread(target=watch, name="asocia-exit-with-parent", daemon=True).start()
    return True
