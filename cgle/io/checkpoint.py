"""Restart data as named datasets: two slots and a pointer, exact and kill-safe.

::

    /checkpoint/active          int64 (2,): [slot, frames]   (slot -1: none yet)
    /checkpoint/slot0/<entry>   one dataset per entry: state, t, step, dt, stepper.*, ...
    /checkpoint/slot0/present   int8 (entries,): which entries this checkpoint holds
    /checkpoint/slot1/...       the same

Each entry is stored in its own dtype and shape, with a leading axis of length 1
(``slot0/state[0]`` is the state), so it is exact and readable by any HDF5 tool; the
first axis of an array entry is extendable (its length may change between checkpoints). The
entries are fixed when the file is created (an SWMR writer cannot create datasets or
attributes later): the caller gives the *layout*, name -> (shape, dtype), of every entry
a checkpoint may hold; the slot group's attribute ``entries`` lists them in order.

A checkpoint is written into the slot not pointed to, flushed, and only then is the
pointer moved: a kill at any moment leaves the previous checkpoint intact.
"""

import numpy as np

POINTER = "active"


class DamagedCheckpoint(ValueError):
    """The checkpoint in a file is missing, inconsistent or out of bounds."""


def create_slots(group, layout, compression=None):
    """Create both slots in the (new, not yet SWMR) ``group`` for ``layout``."""
    group.create_dataset(POINTER, data=np.array([-1, 0], dtype="i8"))
    names = list(layout)
    for slot in (0, 1):
        g = group.create_group(f"slot{slot}")
        g.attrs["entries"] = names
        g.create_dataset("present", data=np.zeros(len(names), dtype="i1"))
        for name in names:
            shape, dtype = layout[name]
            shape = tuple(shape)
            # the first axis of an array entry may change length between checkpoints
            # (a stepper's list of step sizes seen): it is extendable
            maxshape = (1, None) + shape[1:] if shape else (1,)
            chunks = (1,) + ((shape[0] or 64,) + shape[1:] if shape else ())
            g.create_dataset(name, shape=(1,) + shape, maxshape=maxshape, dtype=np.dtype(dtype), fletcher32=True,
                             chunks=chunks)


def write(group, data, frames):
    """Store ``data`` (entry -> value) in the inactive slot, then point to it."""
    pointer = group[POINTER]
    active = int(pointer[0])
    slot = group[f"slot{1 - active if active >= 0 else 0}"]
    names = [str(n) for n in slot.attrs["entries"]]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise KeyError(f"checkpoint entries {unknown} are not in the layout the file was created with")
    present = np.array([name in data for name in names], dtype="i1")
    for name in names:
        if name in data:
            d = slot[name]
            value = np.asarray(data[name])
            if value.dtype.kind in "SU":
                value = np.asarray(value, dtype=d.dtype)
            if value.ndim and value.shape != d.shape[1:]:
                d.resize((1,) + value.shape)
            d[0] = value
            d.flush()
    slot["present"][:] = present
    slot["present"].flush()
    pointer[:] = np.array([int(slot.name[-1]), frames], dtype="i8")
    pointer.flush()


def read(group, nframes):
    """The active checkpoint as (entry -> value, frames), or None when there is none.

    Raises :class:`DamagedCheckpoint` naming what is wrong (pointer out of range, frames
    beyond those in the file, entries missing)."""
    try:
        pointer = group[POINTER][()]
    except (KeyError, OSError, RuntimeError) as err:
        raise DamagedCheckpoint(f"the checkpoint pointer cannot be read ({err})") from None
    if pointer.shape != (2,) or pointer.dtype.kind not in "iu":
        raise DamagedCheckpoint(f"the checkpoint pointer has shape {pointer.shape}, dtype {pointer.dtype}")
    active, frames = int(pointer[0]), int(pointer[1])
    if active == -1:
        return None
    if active not in (0, 1) or not 1 <= frames <= nframes:
        raise DamagedCheckpoint(f"the checkpoint pointer [{active}, {frames}] is out of range (slots 0 and 1, "
                                f"1 to {nframes} frames)")
    try:
        slot = group[f"slot{active}"]
        if not hasattr(slot, "attrs") or "entries" not in slot.attrs:
            return _read_npz(slot, active), frames
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in slot.attrs["entries"]]
        present = slot["present"][()]
        if present.shape != (len(names),):
            raise DamagedCheckpoint(f"checkpoint slot {active}: 'present' has shape {present.shape}, "
                                    f"not ({len(names)},)")
        data = {}
        for name, here in zip(names, present):
            if here:
                value = slot[name][0]
                data[name] = value.decode() if isinstance(value, bytes) else value
    except DamagedCheckpoint:
        raise
    except (KeyError, OSError, RuntimeError, ValueError) as err:
        raise DamagedCheckpoint(f"checkpoint slot {active} cannot be read ({err})") from None
    return data, frames


def _read_npz(slot, active):
    """A checkpoint of the files of cgle 0.1: the slot is the bytes of an npz archive."""
    import io

    if not hasattr(slot, "dtype") or slot.dtype != np.uint8 or slot.ndim != 1:
        raise DamagedCheckpoint(f"checkpoint slot {active} is neither named datasets nor npz bytes")
    try:
        with np.load(io.BytesIO(slot[()].tobytes()), allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError) as err:
        raise DamagedCheckpoint(f"checkpoint slot {active} (npz bytes) cannot be read ({err})") from None
    if "v" in data and "state" not in data:
        data["state"] = data.pop("v")
    return {k: (v[()] if v.ndim == 0 else v) for k, v in data.items()}


def layout_of(data):
    """A layout (name -> (shape, dtype)) that holds exactly the entries of ``data``."""
    layout = {}
    for name, value in data.items():
        value = np.asarray(value)
        if value.dtype.kind == "U":
            value = np.asarray(value, dtype="S")
        layout[name] = (value.shape, value.dtype)
    return layout
