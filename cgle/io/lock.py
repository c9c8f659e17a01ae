"""One writer per trajectory file: an advisory lock held for the writer's whole life.

The lock is ``flock(LOCK_EX)`` on ``RUN.h5.lock`` beside the file, which holds the
writer's pid and host for messages. The kernel drops it when the process dies, however
it dies, so a killed run never leaves a stale lock: the next writer, ``--resume`` or
``cgle repair`` takes it at once. (HDF5's own file lock cannot serve: an SWMR writer
releases it.) A second writer is refused while the first lives, naming its pid.

The lock file is removed by its holder before release; a process that opened it in
between finds, once it holds the lock, that the path no longer names its file, and
starts over.
"""

import errno
import fcntl
import os
import socket
import time
from pathlib import Path


class Locked(RuntimeError):
    """Another process holds the writer lock of the file."""


def lock_path(path):
    """The lock file of a trajectory file: ``RUN.h5.lock`` beside it."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


def _holder(path):
    """'process PID on HOST' as recorded in the lock file (or 'another process')."""
    try:
        pid, _, host = lock_path(path).read_text().partition("@")
        pid = int(pid)
    except (OSError, ValueError):
        return "another process"
    here = socket.gethostname()
    return f"process {pid}" + ("" if host.strip() in ("", here) else f" on {host.strip()}")


class WriterLock:
    """The exclusive writer lock of a trajectory file (a context manager)."""

    def __init__(self, path):
        self.path = Path(path)
        self.fd = None

    def acquire(self, purpose="write"):
        """Take the lock, or raise :class:`Locked` naming the process that holds it."""
        where = lock_path(self.path)
        busy = 0
        while True:
            fd = os.open(where, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                os.close(fd)
                if err.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                    raise
                # a reader's probe (writer_alive) holds it for microseconds: try again briefly
                busy += 1
                if busy > 5:
                    raise Locked(f"{self.path} is being written by {_holder(self.path)}; cannot {purpose} it "
                                 f"until that run ends (or stop it first)") from None
                time.sleep(0.02)
                continue
            # the holder before us may have removed the file we opened: then start over
            try:
                same = os.fstat(fd).st_ino == os.stat(where).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}@{socket.gethostname()}".encode())
        self.fd = fd
        return self

    def release(self):
        """Remove the lock file and drop the lock (a no-op when not held)."""
        if self.fd is None:
            return
        try:
            lock_path(self.path).unlink(missing_ok=True)
        finally:
            os.close(self.fd)  # closing drops the flock
            self.fd = None

    def __enter__(self):
        return self.acquire() if self.fd is None else self

    def __exit__(self, *exc):
        self.release()
        return False


def writer_alive(path):
    """Whether a live process holds the writer lock of ``path`` (works for killed
    writers: their lock died with them)."""
    where = lock_path(path)
    try:
        fd = os.open(where, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def holder(path):
    """Who holds (or last held) the lock, for messages."""
    return _holder(path)
