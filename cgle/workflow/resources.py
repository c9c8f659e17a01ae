"""What a run will ask of the machine, estimated before anything is allocated.

A run whose step count, memory or disk need exceeds ``limits:`` (by default: 10^9
steps, the memory available now, the free disk space) is refused up front with the
estimate in the message and the key that overrides it -- instead of starting a run
that would take forever (``time.dt: 1e-300``), try to allocate 75 GiB (a 100000^2
Fourier grid) or fill the disk.

The estimates are deliberately generous upper bounds, not predictions:

- steps: t_end / dt for a fixed step (an adaptive run stops, failed and checkpointed,
  when it reaches the limit: :func:`cgle.integrate.integrate`'s ``max_steps``);
- memory: the state and the stepper's work arrays, ~40 arrays of the grid's size, plus
  for a dense operator (Hermite, Chebyshev) ~24 N x N complex matrices (operator,
  propagators, phi functions, LU factors, the adaptive ladder);
- disk: every frame uncompressed (q as complex128, t and energy as float64), checked
  against ``limits.max_disk_gb`` here and against the free space by the writer.
"""

import math
import os
from dataclasses import dataclass

GRID_ARRAYS = 40
DENSE_MATRICES = 24
COMPLEX_BYTES = 16


class RunRefused(ValueError):
    """The run would need more than ``limits:`` allows; the message gives the estimate."""


@dataclass(frozen=True)
class Needs:
    """Estimated needs of a run: ``steps`` (None when adaptive), ``memory`` and ``disk``
    in bytes, ``frames``."""

    steps: object
    memory: float
    disk: float
    frames: int


def _points(cfg):
    n = cfg.grid.n
    return math.prod(n) if cfg.grid.basis == "fourier" else n[0]


def estimate(cfg):
    """The :class:`Needs` of a validated config."""
    points = _points(cfg)
    adaptive = cfg.time.rtol is not None
    steps = None if adaptive else cfg.time.t_end / cfg.time.dt
    memory = GRID_ARRAYS * COMPLEX_BYTES * float(points)
    if cfg.grid.basis != "fourier":
        memory += DENSE_MATRICES * COMPLEX_BYTES * float(points) ** 2
    frames = cfg.time.t_end / cfg.output.every + 1
    per_frame = COMPLEX_BYTES * float(points) * ("q" in cfg.output.fields) + 16
    return Needs(steps, memory, frames * per_frame, int(min(frames, 2**62)))


def available_memory():
    """Bytes of memory available now (MemAvailable of /proc/meminfo; else physical memory)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return math.inf


def _gib(n):
    return f"{n / 2**30:.3g} GiB"


def check(cfg, output_path):
    """Raise :class:`RunRefused` when the run needs more than ``cfg.limits`` allows."""
    needs = estimate(cfg)
    lim = cfg.limits
    if needs.steps is not None and not needs.steps <= lim.max_steps:
        raise RunRefused(
            f"the run needs {needs.steps:.3g} steps (time.t_end = {cfg.time.t_end:g} / time.dt = {cfg.time.dt:g}), "
            f"more than limits.max_steps = {lim.max_steps:g}; at 10 us a step that is {_duration(needs.steps * 1e-5)}. "
            "Use a larger time.dt or a smaller time.t_end, or raise limits.max_steps")
    memory = available_memory() if lim.max_memory_gb == "auto" else lim.max_memory_gb * 2**30
    if needs.memory > memory:
        where = "the memory available now" if lim.max_memory_gb == "auto" else "limits.max_memory_gb"
        raise RunRefused(
            f"the run needs about {_gib(needs.memory)} of memory for its {cfg.grid.basis} grid of "
            f"{'x'.join(str(n) for n in cfg.grid.n)} points, more than {where} ({_gib(memory)}). "
            "Use a smaller grid.n, or set limits.max_memory_gb if the estimate is too cautious")
    # against the free space itself the writer checks (cgle.io.check_free_space, with its reserve)
    if lim.max_disk_gb != "auto" and needs.disk > lim.max_disk_gb * 2**30:
        raise RunRefused(
            f"the run would write {needs.frames:.3g} frames, about {_gib(needs.disk)} uncompressed, more than "
            f"limits.max_disk_gb = {lim.max_disk_gb:g}. Use a larger output.every, output.fields without q, "
            "output.compression, or raise limits.max_disk_gb")
    return needs


def _duration(seconds):
    if not math.isfinite(seconds):
        return "forever"
    for unit, size in (("years", 3.156e7), ("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"
