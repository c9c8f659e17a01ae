"""How cgle opens HDF5 files: format bounds, and readers that never hang.

Format bounds (``LIBVER``): every file is written with ``libver=("v110", "v110")``.

- The low bound v110 is the lowest that allows single-writer/multiple-reader (SWMR)
  writing (superblock version 3), which is what keeps every flushed frame readable when
  a run is killed.
- It is also the highest that the HDF5 1.10 tools and libraries read: with a low bound
  of v112 or later, HDF5 writes datatype messages of version 4 for compound types (the
  complex {r, i} of q) and references (dimension scales), and ``h5dump`` of HDF5 1.10.8
  (Debian's hdf5-tools, MATLAB and Julia builds that link 1.10) fails on the whole file.
- The high bound v110 keeps a newer HDF5 (h5py 3.16 bundles 2.0) from upgrading
  objects as it writes them (native complex types, newer messages), in a new file or
  when an old one is reopened for appending.

Readers: a file whose superblock says it is open for writing (a running run, or one
whose writer was killed) can only be read in SWMR mode. In SWMR mode HDF5 retries a
metadata read that fails its checksum up to 100 times with growing pauses, which makes
a damaged file hang its reader for minutes; :func:`open_read` asks for one attempt, so
that damage is reported at once.
"""

import ctypes
import os
from pathlib import Path

import h5py

LIBVER = ("v110", "v110")
SUPERBLOCK_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# superblock version >= 2: byte 11 holds the file consistency flags; bits 0 (write
# access) and 2 (SWMR write access) mark a file that a writer has (or had) open
_WRITE_FLAGS = 0x01 | 0x04


class Unreadable(OSError):
    """The file is not a readable HDF5 file; the message says what is wrong with it."""


def superblock(path):
    """(version, flags) of the HDF5 superblock at the start of ``path``; raises
    :class:`Unreadable` when the file is not HDF5 (or has a user block: not cgle's)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as err:
        raise Unreadable(f"cannot read {path}: {err.strerror or err}") from None
    if len(head) < 12 or head[:8] != SUPERBLOCK_SIGNATURE:
        what = "empty" if not head else "not an HDF5 file"
        raise Unreadable(f"cannot open {path}: it is {what} (no HDF5 signature at its start)")
    version = head[8]
    flags = head[11] if version >= 2 else 0
    return version, flags


def open_for_writing(path):
    """Whether the superblock marks the file as open by a writer (running or killed)."""
    return bool(superblock(path)[1] & _WRITE_FLAGS)


def _hdf5_library():
    """The libhdf5 h5py is linked with (already loaded in this process), or None."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                name = os.path.basename(path)
                if name.startswith("libhdf5") and "_hl" not in name and ".so" in name:
                    return ctypes.CDLL(path)
    except (OSError, IndexError):
        return None
    return None


def _one_read_attempt(fapl):
    """H5Pset_metadata_read_attempts(fapl, 1): h5py does not expose it, so it is called
    from the HDF5 library h5py loaded. Returns False where that is not possible."""
    lib = _hdf5_library()
    if lib is None or not hasattr(lib, "H5Pset_metadata_read_attempts"):
        return False
    fn = lib.H5Pset_metadata_read_attempts
    fn.argtypes = [ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn(fapl.id, 1) >= 0


def open_read(path):
    """Open an HDF5 file read-only: plainly when it is closed, in SWMR mode when a
    writer has it open (or had, and was killed); damage raises at once, never hangs.

    Raises
    ------
    FileNotFoundError
        No such file.
    Unreadable
        Not HDF5, or damaged in a way HDF5 detects while opening.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"trajectory file not found: {path}")
    h5py.File  # the library is loaded before its functions are looked up
    swmr = open_for_writing(path)
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    flags = h5py.h5f.ACC_RDONLY
    if swmr:
        _one_read_attempt(fapl)
        flags |= h5py.h5f.ACC_SWMR_READ
    try:
        fid = h5py.h5f.open(os.fsencode(path), flags, fapl=fapl)
    except (OSError, RuntimeError, ValueError) as err:
        raise Unreadable(f"cannot open {path} as HDF5: {reason(err)}") from None
    return h5py.File(fid)


def reason(err):
    """The first line of an HDF5 error, without h5py's call-site noise."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text.replace("Unable to synchronously ", "").replace("Unable to ", "")
