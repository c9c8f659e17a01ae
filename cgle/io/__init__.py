"""Trajectory files: the writer, the readers, the xarray view, the table of a
directory of runs, and the repair of killed files.

This layer knows nothing of physics: it stores and returns the arrays it is handed.

=================  ============================================================
``hdf5``           format bounds (HDF5 1.10 readable) and readers that never hang
``lock``           one writer per file
``writer``         frames appended and flushed as a run goes (SWMR)
``reader``         the checked, read-only view (complete, running, killed files)
``checkpoint``     restart data as named datasets, two slots and a pointer
``recovery``       ``repair``: a killed file made readable by every HDF5 tool
``xarray_view``    ``open_dataset``: an ``xarray.Dataset`` of any run file
``runs``           ``open_runs``: one row per run file of a directory
=================  ============================================================
"""

from cgle.io.checkpoint import DamagedCheckpoint
from cgle.io.lock import Locked, WriterLock, writer_alive
from cgle.io.reader import FORMAT, FORMAT_VERSION, DamagedFile, Trajectory, open_trajectory
from cgle.io.writer import DiskFull, OutputError, TrajectoryWriter, check_free_space, finalize, frame_bytes

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "DamagedCheckpoint",
    "DamagedFile",
    "DiskFull",
    "Locked",
    "OutputError",
    "Trajectory",
    "TrajectoryWriter",
    "WriterLock",
    "check_free_space",
    "finalize",
    "frame_bytes",
    "open_dataset",
    "open_runs",
    "open_trajectory",
    "repair",
    "writer_alive",
]


def open_dataset(path, *, load=True):
    """The run file as an :class:`xarray.Dataset` (see :mod:`cgle.io.xarray_view`)."""
    from cgle.io.xarray_view import open_dataset as _open

    return _open(path, load=load)


def open_runs(directory, pattern="**/*.h5"):
    """One row per run file of ``directory`` (see :mod:`cgle.io.runs`)."""
    from cgle.io.runs import open_runs as _open

    return _open(directory, pattern)


def repair(path):
    """Make a killed run file readable by every HDF5 tool (see :mod:`cgle.io.recovery`)."""
    from cgle.io.recovery import repair as _repair

    return _repair(path)
