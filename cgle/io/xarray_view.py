"""``cgle.open_dataset``: any run file as an :class:`xarray.Dataset`.

``xarray.open_dataset(path, engine="h5netcdf")`` reads a complete file directly (q(t, x)
with coordinates t and x, energy(t), weights(x), every attribute). It cannot open a file
that a run is writing or that a killed run left: HDF5 lets only SWMR readers open those.
:func:`open_dataset` gives the same Dataset for all of them: it opens the file through
:func:`cgle.io.hdf5.open_read` (plainly or in SWMR mode, never hanging on damage),
hands the h5py file to h5netcdf, and keeps the frames that every per-frame variable
holds (a running writer extends q, energy and the series before t; h5netcdf would pad
the shorter ones).
"""

from cgle.io.hdf5 import Unreadable, open_read
from cgle.io.reader import DamagedFile, check_layout


def open_dataset(path, *, load=True):
    """The run file at ``path`` as an :class:`xarray.Dataset`.

    Parameters
    ----------
    path : path-like
        A trajectory file: complete, running, failed or killed.
    load : bool
        Read everything into memory and close the file (default). False keeps the
        variables lazy; the file stays open until the Dataset is closed.

    Returns
    -------
    xarray.Dataset
        The variables, coordinates and attributes ``xarray.open_dataset(path,
        engine="h5netcdf")`` gives for a complete file, cut to the frames written so far.

    Raises
    ------
    FileNotFoundError, DamagedFile
        No such file; not a readable cgle trajectory (the message says why).
    """
    import h5netcdf
    import xarray as xr

    try:
        f = open_read(path)
    except Unreadable as err:
        raise DamagedFile(str(err)) from None
    try:
        _, frames = check_layout(f)
        store = xr.backends.H5NetCDFStore(h5netcdf.File(f, "r"))
        ds = xr.open_dataset(store).isel(t=slice(0, frames))
        if load:
            ds = ds.load()
            ds.close()
    except BaseException:
        f.close()
        raise
    if load:
        f.close()
    else:
        ds.set_close(f.close)
    return ds
