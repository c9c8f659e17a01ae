"""The sections of a run configuration: frozen dataclasses with their defaults, and the
parser of every key.

The equation is

    q_t = -nu q_x + gamma Lap(q) + mu(x) q - beta |q|^2 q

given either directly (``equation:``) or in the flow form of Bagheri et al. (2009)
(``flow:``): nu = U + 2i c_u, gamma = 1 + i c_d, mu(x) = mu0 - c_u^2 + mu2 x^2 / 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from cgle.config.fields import (
    ConfigError,
    amplitude,
    boolean,
    choice,
    cplx,
    integer,
    optional,
    real,
    real_or_choice,
    seq,
    text,
)

# lengths (periods, scales, domain ends) within which nodes, wavenumbers and their
# squares stay finite, normal numbers
SPAN = (1e-100, 1e100)


class _Section:
    """Base of the section dataclasses: every field is checked by its key's parser when
    the section is built, so ``dataclasses.replace(cfg.time, dt=-1)`` raises the same
    :class:`ConfigError` as the YAML would (``Config.replace`` also re-checks the
    relations between sections)."""

    section = ""

    def _parsers(self):
        return PARSERS[type(self)]

    def __post_init__(self):
        parsers = self._parsers()
        for f in fields(self):
            if f.name in parsers:
                value = parsers[f.name](f"{self.section}.{f.name}", getattr(self, f.name))
                object.__setattr__(self, f.name, value)


@dataclass(frozen=True)
class Equation(_Section):
    """Coefficients of q_t = -nu q_x + gamma Lap q + mu(x) q - beta |q|^2 q.

    ``mu`` holds polynomial coefficients in x, lowest power first.
    """

    nu: complex = 0j
    gamma: complex = 1 + 0j
    mu: tuple = (0j,)
    beta: complex = 0j


@dataclass(frozen=True)
class Flow(_Section):
    """Flow form (Bagheri et al. 2009): nu = U + 2i cu, gamma = 1 + i cd,
    mu(x) = mu0 - cu^2 + mu2 x^2 / 2. Defaults are the standard values."""

    U: float = 2.0
    cu: float = 0.2
    cd: float = -1.0
    mu0: float = 0.38
    mu2: float = -0.01
    beta: complex = 0j

    def equation(self) -> Equation:
        """The :class:`Equation` these parameters mean (nu = U + 2i cu, gamma = 1 + i cd, ...)."""
        return Equation(
            nu=complex(self.U, 2 * self.cu),
            gamma=complex(1.0, self.cd),
            mu=(complex(self.mu0 - self.cu**2), 0j, complex(self.mu2 / 2)),
            beta=self.beta,
        )


@dataclass(frozen=True)
class Grid(_Section):
    """Discretisation. ``n`` is a tuple (one entry per dimension)."""

    basis: str = "hermite"
    n: tuple = (220,)
    scale: object = "auto"  # hermite: float, "auto" (forum lineage) or "ilak"
    domain: tuple = (-1.0, 1.0)  # chebyshev
    length: tuple = (2 * math.pi,)  # fourier
    dealias: bool = False  # fourier: 2/3 rule on the cubic term

    def __post_init__(self):
        basis = choice(*GRID_BASES)("grid.basis", self.basis)
        if basis == "fourier":
            n = seq(integer(ge=4))("grid.n", self.n)
            if len(n) > 2:
                raise ConfigError("grid.n", "must be N or [Nx, Ny] (1D or 2D)", self.n)
            length = seq(real(ge=SPAN[0], le=SPAN[1]))("grid.length", self.length)
            if len(length) == 1 and len(n) == 2:
                length = length * 2
            if len(length) != len(n):
                raise ConfigError("grid.length", f"must have {len(n)} entries like grid.n", self.length)
            values = {"n": n, "length": length, "dealias": boolean("grid.dealias", self.dealias)}
        else:
            # the resolved form is a 1-tuple; a YAML list is not a number of nodes
            n = self.n[0] if isinstance(self.n, tuple) and len(self.n) == 1 else self.n
            values = {"n": (integer(ge=4, le=4000)("grid.n", n),)}
            if basis == "hermite":
                values["scale"] = real_or_choice(real(ge=SPAN[0], le=SPAN[1]), "auto", "ilak")("grid.scale", self.scale)
            else:
                domain = seq(real(ge=-SPAN[1], le=SPAN[1]), length=2)("grid.domain", self.domain)
                if not domain[1] - domain[0] >= SPAN[0]:
                    raise ConfigError("grid.domain", f"must be [a, b] with b - a >= {SPAN[0]:g}", list(domain))
                values["domain"] = domain
        for key, value in values.items():
            object.__setattr__(self, key, value)


@dataclass(frozen=True)
class Initial(_Section):
    """The initial condition; which fields apply depends on ``kind`` (see the config reference)."""

    kind: str = "constant"
    amplitude: object = 1.0  # float; for plane_wave None means sqrt(1 - k^2)
    seed: int = 0
    center: float = 0.0
    width: float = 1.0
    m: tuple = (0,)
    noise: float = 0.0
    n: int = 0
    path: str = ""
    frame: int = -1


    def _parsers(self):
        return {"kind": choice(*INITIAL_KINDS), **INITIAL_KINDS.get(self.kind, {})}


@dataclass(frozen=True)
class Time(_Section):
    """The time scheme, its step and end time, tolerances and the blow-up checks."""

    scheme: str = "strang"
    dt: float = 0.1
    t_end: float = 10.0
    rtol: object = None
    atol: object = None
    max_amplitude: object = None  # None: 1e6 * max(1, max|q0|)
    precheck: str = "error"


@dataclass(frozen=True)
class Output(_Section):
    """What the trajectory file holds and how often frames and checkpoints are written."""

    path: object = None  # None: runs/<name>.h5
    every: object = None  # None: every step (fixed dt) / t_end (adaptive)
    checkpoint_every: object = None  # None: at every output frame
    compression: object = None
    fields: tuple = ("q", "energy")  # fourier grids add "diagnostics" by default


@dataclass(frozen=True)
class Forcing(_Section):
    """Additive white noise f(x) dW/dt, f(x) = sqrt(intensity) exp(-((x - x0)/width)^2)."""

    kind: str = "white_noise"
    shape: str = "gaussian"
    x0: float = -11.0
    width: float = 1.6
    intensity: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class Actuators(_Section):
    """Inputs u_j(t) acting through Gaussian shapes b_j(x) = exp(-((x - x0_j)/width)^2)."""

    x0: tuple = (-3.0,)
    width: float = 0.4


@dataclass(frozen=True)
class Sensors(_Section):
    """Outputs y_j = integral of s_j(x) q(x) dx, s_j(x) = exp(-((x - x0_j)/width)^2), plus
    white measurement noise of intensity ``noise``."""

    x0: tuple = (0.0,)
    width: float = 0.4
    noise: float = 0.1


@dataclass(frozen=True)
class Disturbances(_Section):
    """Independent white-noise sources sqrt(variance) exp(-((x - x0_j)/width)^2) dW_j/dt."""

    x0: tuple = (-11.0,)
    width: float = 1.6
    variance: float = 1.0


@dataclass(frozen=True)
class Control(_Section):
    """The compensator of a closed-loop run and its cost (see :mod:`cgle.control`)."""

    compensator: str = "lqg"
    order: int = 6
    R: float = 1.0
    cost: str = "energy"
    t_on: float = 0.0
    t_off: object = None  # None: never switched off
    plant: str = "nonlinear"
    seed: int = 0


@dataclass(frozen=True)
class Limits(_Section):
    """What a run may ask of the machine; a run that needs more is refused before it
    starts, with the estimate in the message. "auto": what this machine has now."""

    max_steps: int = 10**9
    max_memory_gb: object = "auto"
    max_disk_gb: object = "auto"


for _cls, _name in ((Equation, "equation"), (Flow, "flow"), (Grid, "grid"), (Initial, "initial"), (Time, "time"),
                   (Output, "output"), (Forcing, "forcing"), (Actuators, "actuators"), (Sensors, "sensors"),
                   (Disturbances, "disturbances"), (Control, "control"), (Limits, "limits")):
    _cls.section = _name


# Allowed keys of each section, their parsers and defaults.
EQUATION = {"nu": cplx, "gamma": cplx, "mu": seq(cplx), "beta": cplx}
FLOW = {
    "U": real(),
    "cu": real(),
    "cd": real(),
    "mu0": real(),
    "mu2": real(),
    "beta": cplx,
}
TIME = {
    "scheme": text,
    "dt": real(gt=0),
    "t_end": real(gt=0),
    # below ~100 machine epsilons no step can meet a relative tolerance in double precision
    "rtol": optional(real(ge=1e-14, le=1)),
    "atol": optional(real(gt=0)),
    # squared in the blow-up check, so it must stay below sqrt(float max)
    "max_amplitude": optional(real(gt=0, le=1e150)),
    "precheck": lambda key, value: choice("error", "warn", "off")(
        key, {False: "off", True: "error"}.get(value, value) if isinstance(value, bool) else value),
}
OUTPUT = {
    "path": optional(text),
    "every": optional(real(gt=0)),
    "checkpoint_every": optional(real(gt=0)),
    "compression": optional(choice("gzip", "lzf")),
    "fields": seq(choice("q", "energy", "diagnostics")),
}
FORCING = {
    "kind": choice("white_noise"),
    "shape": choice("gaussian"),
    "x0": real(),
    "width": real(gt=0),
    "intensity": real(ge=0),
    "seed": integer(ge=0),
}
ACTUATORS = {"x0": seq(real()), "width": real(gt=0)}
SENSORS = {"x0": seq(real()), "width": real(gt=0), "noise": real(gt=0)}
DISTURBANCES = {"x0": seq(real()), "width": real(gt=0), "variance": real(ge=0)}
CONTROL = {
    "compensator": choice("lqg", "lqr", "reduced", "none"),
    "order": integer(ge=1, le=4000),
    "R": real(gt=0),
    "cost": choice("energy", "output"),
    "t_on": real(ge=0),
    "t_off": optional(real(ge=0)),
    "plant": choice("linear", "nonlinear"),
    "seed": integer(ge=0),
}
INITIAL_KINDS = {
    "constant": {"amplitude": amplitude},
    "gaussian": {"amplitude": amplitude, "center": real(), "width": real(gt=0)},
    "noise": {"amplitude": real(ge=0, le=1e150), "seed": integer(ge=0)},
    "plane_wave": {
        "m": seq(integer(), min_length=1),
        "amplitude": optional(amplitude),
        "noise": real(ge=0),
        "seed": integer(ge=0),
    },
    "mode": {"n": integer(ge=0), "amplitude": amplitude},
    "file": {"path": text, "frame": integer()},
    "spiral": {"amplitude": real(gt=0, le=1e150), "center": seq(real(), length=2), "width": real(gt=0),
               "noise": real(ge=0), "seed": integer(ge=0)},
}
LIMITS = {
    "max_steps": integer(ge=1),
    "max_memory_gb": real_or_choice(real(gt=0), "auto"),
    "max_disk_gb": real_or_choice(real(gt=0), "auto"),
}
GRID_BASES = ("hermite", "chebyshev", "fourier")
TOP_LEVEL = ("name", "equation", "flow", "grid", "initial", "time", "output", "forcing", "actuators", "sensors",
             "disturbances", "control", "limits")
PARSERS = {Equation: EQUATION, Flow: FLOW, Time: TIME, Output: OUTPUT, Forcing: FORCING, Actuators: ACTUATORS,
           Sensors: SENSORS, Disturbances: DISTURBANCES, Control: CONTROL, Limits: LIMITS}
