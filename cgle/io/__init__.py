"""Trajectory files: the writer, the readers and the repair of killed files.

This layer knows nothing of physics: it stores and returns the arrays it is handed.
"""

from cgle.io.reader import FORMAT, FORMAT_VERSION, Trajectory, open_trajectory
from cgle.io.writer import DiskFull, OutputError, TrajectoryWriter, check_free_space, finalize, frame_bytes

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "DiskFull",
    "OutputError",
    "Trajectory",
    "TrajectoryWriter",
    "check_free_space",
    "finalize",
    "frame_bytes",
    "open_trajectory",
]
