"""What each config key means: the one description the config reference is rendered
from (:mod:`cgle.config.reference`), kept beside the parsers of :mod:`cgle.config.schema`
and checked against them by ``tests/config/test_reference.py``."""

from __future__ import annotations

from dataclasses import dataclass

from cgle.config.schema import (
    GRID_BASES,
    INITIAL_KINDS,
    Actuators,
    Control,
    Disturbances,
    Equation,
    Flow,
    Forcing,
    Grid,
    Initial,
    Limits,
    Output,
    Sensors,
    Time,
)

# --------------------------------------------------------------------------- documentation
# What each key means, for the config reference (cgle.config.reference renders it, and
# tests/config/test_reference.py checks it against the parsers above and the loader).
# Defaults come from the dataclasses unless an entry gives one: a few depend on the
# context (grid.n on fourier grids) or on other keys (output.every).

_DATACLASS = object()  # marker: the default is the dataclass field's


@dataclass(frozen=True)
class KeyDoc:
    """Documentation of one config key.

    Attributes
    ----------
    key : str
        Dotted YAML path, e.g. ``"time.dt"``.
    text : str
        What the key means.
    kind : str
        The type in words: ``"real"``, ``"complex"``, ``"list of integers"``, ...
    rule : str
        The validator's rule in words (empty when any value of the type is accepted).
    allowed : tuple
        Every accepted value, for keys that take one of a few names.
    example : object
        A valid value (the reference shows it; the tests load it).
    invalid : object
        A value the validator rejects (tested), or None.
    when : tuple
        ``(key, values)``: the entry applies only when that key has one of the values
        (``("grid.basis", ("fourier",))``); empty for every config.
    default : object
        The value a config gets without the key; by default the dataclass field's.
    derived : str
        Set instead of a fixed default when the default depends on other keys.
    """

    key: str
    text: str
    kind: str
    rule: str = ""
    allowed: tuple = ()
    example: object = None
    invalid: object = None
    when: tuple = ()
    default: object = _DATACLASS
    derived: str = ""

    @property
    def section(self) -> str:
        """The config section: ``"time"`` for ``time.dt``."""
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The key within its section: ``"dt"`` for ``time.dt``."""
        return self.key.split(".", 1)[-1]

    def default_value(self) -> object:
        """The default as the config holds it, or None when :attr:`derived` says it."""
        if self.derived:
            return None
        if self.default is not _DATACLASS:
            return self.default
        cls = SECTION_CLASSES[self.section]
        field = cls.__dataclass_fields__[self.name]
        return field.default


SECTION_CLASSES = {"equation": Equation, "flow": Flow, "grid": Grid, "initial": Initial, "time": Time,
                   "output": Output, "forcing": Forcing, "actuators": Actuators, "sensors": Sensors,
                   "disturbances": Disturbances, "control": Control, "limits": Limits}

SECTION_DOCS = {
    "name": "The run's name: the default output file is runs/<name>.h5.",
    "equation": "The coefficients of q_t = -nu q_x + gamma Lap(q) + mu(x) q - beta |q|^2 q. "
                "Give exactly one of `equation` and `flow`.",
    "flow": "The same equation in the flow form of Bagheri et al. (2009): nu = U + 2i cu, "
            "gamma = 1 + i cd, mu(x) = mu0 - cu^2 + mu2 x^2 / 2. The defaults are the standard values.",
    "grid": "The discretisation: Hermite functions on the real line, Chebyshev polynomials on an "
            "interval with q = 0 at both ends, or a periodic Fourier box in 1D or 2D. "
            "The keys allowed depend on `basis`.",
    "initial": "The state at t = 0. The keys allowed depend on `kind`.",
    "time": "The time scheme, its step and the end time.",
    "output": "What is written to the trajectory file, and how often.",
    "forcing": "Optional additive white noise f(x) dW/dt with f(x) = sqrt(intensity) "
               "exp(-((x - x0)/width)^2) (Hermite and Chebyshev grids only).",
    "actuators": "Optional inputs u_j(t) of the control system, acting through Gaussian shapes "
                 "b_j(x) = exp(-((x - x0_j)/width)^2) (Hermite and Chebyshev grids only; see the control how-to).",
    "sensors": "Optional outputs y_j = integral of s_j(x) q(x) dx (the quadrature sum), "
               "s_j(x) = exp(-((x - x0_j)/width)^2), each read with white noise of intensity `noise`.",
    "disturbances": "Optional independent white-noise sources sqrt(variance) exp(-((x - x0_j)/width)^2) "
                    "dW_j/dt: the process noise the Kalman filter is designed for, and the noise a "
                    "closed-loop run is driven by.",
    "control": "Optional: makes `cgle run` a closed-loop run, the plant and the compensator (LQR, LQG or a "
               "reduced-order LQG) integrated together; sensor and actuator signals are written as series.",
    "limits": "What a run may ask of the machine: a run that needs more steps, memory or disk is "
              "refused before it starts, with the estimate in the message.",
}

_HERMITE, _CHEBYSHEV, _FOURIER = ("grid.basis", ("hermite",)), ("grid.basis", ("chebyshev",)), \
    ("grid.basis", ("fourier",))


def _kind(*kinds):
    return ("initial.kind", kinds)


KEY_DOCS = (
    KeyDoc("name", "Name of the run; the default output path is runs/<name>.h5.", "string",
           "a plain name: no path separators", example="forum_hermite", invalid="a/b",
           derived="the YAML file's name without .yaml (\"run\" for a mapping)"),
    # equation
    KeyDoc("equation.nu", "Advection coefficient: the term -nu q_x.", "complex",
           example="2+0.2j", invalid="2+i"),
    KeyDoc("equation.gamma", "Diffusion coefficient: the term gamma Lap(q) (q_xx in 1D).", "complex",
           example="1-1j", invalid=True),
    KeyDoc("equation.mu", "mu(x) as polynomial coefficients, lowest power first: [0.34, 0, -0.005] is "
           "0.34 - 0.005 x^2. A single number is a constant.", "list of complex",
           "at least one entry; a constant (one entry) on fourier grids; grid.scale auto/ilak need "
           "mu = c1 - c2 x^2 with c2 != 0", example=[0.34, 0.0, -0.005], invalid=[]),
    KeyDoc("equation.beta", "Coefficient of the cubic term -beta |q|^2 q; 0 gives the linear equation. "
           "Re(beta) > 0 saturates growth; Re(beta) < 0 blows up in finite time.", "complex",
           example=1, invalid="big"),
    # flow
    KeyDoc("flow.U", "Advection speed (nu = U + 2i cu).", "real", example=2.0, invalid="fast"),
    KeyDoc("flow.cu", "Imaginary part of the advection, halved (nu = U + 2i cu).", "real",
           example=0.2, invalid="1+1j"),
    KeyDoc("flow.cd", "Dispersion (gamma = 1 + i cd).", "real", example=-1.0, invalid=[1]),
    KeyDoc("flow.mu0", "Amplification at x = 0 plus cu^2 (mu(x) = mu0 - cu^2 + mu2 x^2 / 2); the "
           "control parameter of the global instability (mu_c = 0.3977 for the standard values).", "real",
           example=0.41, invalid="high"),
    KeyDoc("flow.mu2", "Curvature of the amplification (mu(x) = mu0 - cu^2 + mu2 x^2 / 2); must be 0 "
           "on fourier grids.", "real", example=-0.01, invalid="steep"),
    KeyDoc("flow.beta", "Coefficient of the cubic term -beta |q|^2 q.", "complex", example=0.1,
           invalid="x"),
    # grid
    KeyDoc("grid.basis", "The discretisation.", "string", allowed=GRID_BASES, example="chebyshev",
           invalid="legendre"),
    KeyDoc("grid.n", "Number of collocation points.", "integer", "4 <= n <= 4000", example=120,
           invalid=3, when=("grid.basis", ("hermite", "chebyshev"))),
    KeyDoc("grid.n", "Number of points: N (1D) or [Nx, Ny] (2D).", "integer or list of 2 integers",
           "each >= 4", example=[64, 64], invalid=[8, 8, 8], when=_FOURIER, default=(256,)),
    KeyDoc("grid.scale", "Hermite scale b: the nodes are the roots of H_N divided by b. `auto` is "
           "Re((4 c2 / gamma)^(1/4)) for mu = c1 - c2 x^2, `ilak` is Re((c2 / gamma)^(1/4)).",
           "real or string", "a number > 0", allowed=("auto", "ilak"), example=0.338,
           invalid=-1.0, when=_HERMITE),
    KeyDoc("grid.domain", "The interval [a, b]; q = 0 at both ends.", "list of 2 reals", "a < b",
           example=[-20.0, 20.0], invalid=[1.0, 0.0], when=_CHEBYSHEV),
    KeyDoc("grid.length", "Period of the box: L (1D) or [Lx, Ly] (2D; one number is used for both).",
           "real or list of 2 reals", "each > 0; as many entries as grid.n", example=100.0, invalid=0.0,
           when=_FOURIER),
    KeyDoc("grid.dealias", "Apply the 2/3 rule to the cubic term.", "boolean", example=True, invalid="yes",
           when=_FOURIER),
    # initial
    KeyDoc("initial.kind", "The initial state: a constant, a Gaussian bump, complex noise, a plane wave "
           "exp(i k x) (fourier), the n-th global mode of L (hermite, chebyshev), a frame of a file, or a "
           "spiral seed (2D fourier).", "string", allowed=tuple(INITIAL_KINDS), example="noise",
           invalid="random"),
    KeyDoc("initial.amplitude", "The value at every node.", "complex", example=1.0e4, invalid="big",
           when=_kind("constant")),
    KeyDoc("initial.amplitude", "Peak value of amplitude exp(-((x - center)/width)^2).", "complex",
           example="1+1j", invalid="big", when=_kind("gaussian")),
    KeyDoc("initial.center", "Centre of the Gaussian.", "real", example=-5.0, invalid="left",
           when=_kind("gaussian")),
    KeyDoc("initial.width", "Width of the Gaussian.", "real", "> 0", example=2.0, invalid=0.0,
           when=_kind("gaussian")),
    KeyDoc("initial.amplitude", "RMS value: complex Gaussian noise with E|q|^2 = amplitude^2 at every node.",
           "real", ">= 0", example=1.0e-3, invalid=-1.0, when=_kind("noise")),
    KeyDoc("initial.seed", "Seed of the random numbers (recorded in the output).", "integer", ">= 0",
           example=7, invalid=-1, when=_kind("noise")),
    KeyDoc("initial.m", "Wave number index: k = 2 pi m / L along x ([mx, my] in 2D; one entry means "
           "[m, 0]).", "list of integers", "as many entries as grid.n", example=[3], invalid=[],
           when=_kind("plane_wave")),
    KeyDoc("initial.amplitude", "Amplitude of the wave; without it sqrt(1 - k^2), the exact plane wave of "
           "the standard form.", "complex", example=0.9, invalid="big", when=_kind("plane_wave"),
           default=None),
    KeyDoc("initial.noise", "RMS of complex noise added to the wave.", "real", ">= 0", example=1.0e-2,
           invalid=-0.1, when=_kind("plane_wave")),
    KeyDoc("initial.seed", "Seed of the noise.", "integer", ">= 0", example=1, invalid=1.5,
           when=_kind("plane_wave")),
    KeyDoc("initial.n", "Index of the global mode of L, sorted by decreasing growth rate (0: the leading "
           "mode), normalised to unit energy.", "integer", ">= 0", example=1, invalid=-1, when=_kind("mode")),
    KeyDoc("initial.amplitude", "Factor on the unit-energy mode.", "complex", example=1.0e-3, invalid="big",
           when=_kind("mode")),
    KeyDoc("initial.path", "A .npy array shaped like the grid (or a stack of them), or a cgle run file; "
           "relative to the config's folder.", "string", "required", example="runs/previous.h5", invalid="",
           when=_kind("file"), derived="none: required for kind file"),
    KeyDoc("initial.frame", "Which frame of the file (or of a stacked .npy array); -1 is the last.",
           "integer", example=0, invalid="last", when=_kind("file")),
    KeyDoc("initial.amplitude", "Far-field amplitude of the spiral.", "real", "> 0", example=1.0,
           invalid=0.0, when=_kind("spiral")),
    KeyDoc("initial.center", "Position [x, y] of the spiral's core.", "list of 2 reals", example=[50.3, 50.3],
           invalid=[1.0], when=_kind("spiral"), derived="the centre of the box"),
    KeyDoc("initial.width", "Core size of the spiral.", "real", "> 0", example=2.0, invalid=-2.0,
           when=_kind("spiral"), derived="min(grid.length) / 8"),
    KeyDoc("initial.noise", "RMS of complex noise added to the seed.", "real", ">= 0", example=0.01,
           invalid=-1.0, when=_kind("spiral")),
    KeyDoc("initial.seed", "Seed of the noise.", "integer", ">= 0", example=3, invalid=-3,
           when=_kind("spiral")),
    # time
    KeyDoc("time.scheme", "The time scheme (see the theory page for orders and stability).", "string",
           "a registered scheme", example="etdrk4", invalid="rk4"),
    KeyDoc("time.dt", "Time step of fixed-step schemes (adaptive runs choose their own).", "real",
           "> 0 and <= time.t_end; output.every must be a whole multiple of it", example=0.05, invalid=-1.0),
    KeyDoc("time.t_end", "End time; a finished run can be extended by raising it and resuming.", "real",
           "> 0; a whole multiple of output.every", example=200.0, invalid=0.0),
    KeyDoc("time.rtol", "Relative tolerance; makes the run adaptive (strang_richardson, ark436 only).",
           "real or null", "1e-14 <= rtol <= 1 (below, no step meets it in double precision)", example=1.0e-6,
           invalid=1.0e-300),
    KeyDoc("time.atol", "Absolute tolerance, an amplitude; defaults to 1e-12 rtol when rtol is given.",
           "real or null", "> 0; needs time.rtol", example=1.0e-12, invalid=0.0),
    KeyDoc("time.max_amplitude", "Growth bound on max|q|: a run that passes it stops as a blow-up. "
           "Without it 1e6 max(1, max|q(0)|).", "real or null", "0 < value <= 1e150", example=1.0e8,
           invalid=1.0e200),
    KeyDoc("time.precheck", "The dt pre-check on the spectrum of L (and the linearised cubic term): "
           "refuse an unstable dt (error), report it (warn) or skip it (off); true/false mean error/off.",
           "string or boolean", allowed=("error", "warn", "off"), example="warn", invalid="maybe"),
    # output
    KeyDoc("output.path", "The trajectory file, relative to the current folder.", "string or null",
           example="runs/forum.h5", invalid="", derived="runs/<name>.h5"),
    KeyDoc("output.every", "Time between frames.", "real or null", "> 0; a whole multiple of time.dt "
           "(fixed steps); time.t_end a whole multiple of it", example=1.0, invalid=-1.0,
           derived="time.dt with fixed steps, time.t_end with adaptive ones"),
    KeyDoc("output.checkpoint_every", "Time between checkpoints (restart data).", "real or null",
           "> 0; a whole multiple of output.every", example=50.0, invalid=0.0,
           derived="every frame"),
    KeyDoc("output.compression", "HDF5 compression of q.", "string or null", allowed=("gzip", "lzf"),
           example="gzip", invalid="zip"),
    KeyDoc("output.fields", "Series written at every frame: q, the energy sum(w |q|^2), and the "
           "diagnostics of periodic fields (mean |A|^2, defects, correlation length; fourier only).",
           "list of strings", allowed=("q", "energy", "diagnostics"), example=["q"], invalid=["phase"],
           derived="[q, energy], and diagnostics on fourier grids"),
    # forcing
    KeyDoc("forcing.kind", "The kind of forcing.", "string", allowed=("white_noise",), example="white_noise",
           invalid="colored"),
    KeyDoc("forcing.shape", "Shape of f(x).", "string", allowed=("gaussian",), example="gaussian",
           invalid="box"),
    KeyDoc("forcing.x0", "Centre of f(x).", "real", example=-11.0, invalid="upstream"),
    KeyDoc("forcing.width", "Width of f(x).", "real", "> 0", example=1.6, invalid=0.0),
    KeyDoc("forcing.intensity", "Variance scale: f(x) = sqrt(intensity) exp(-((x - x0)/width)^2).", "real",
           ">= 0", example=0.5, invalid=-1.0),
    KeyDoc("forcing.seed", "Seed of the noise generator (PCG64).", "integer", ">= 0", example=3, invalid=-1),
    # inputs, outputs, control
    KeyDoc("actuators.x0", "Centres of the actuator shapes, one per input.", "list of reals", "at least one",
           example=[-3.0, 1.0], invalid=[]),
    KeyDoc("actuators.width", "Width of every actuator shape.", "real", "> 0", example=0.4, invalid=0.0),
    KeyDoc("sensors.x0", "Centres of the sensor shapes, one per output.", "list of reals", "at least one",
           example=[0.0], invalid="here"),
    KeyDoc("sensors.width", "Width of every sensor shape.", "real", "> 0", example=0.4, invalid=-0.4),
    KeyDoc("sensors.noise", "Intensity V of each sensor's white measurement noise: E[n(t) n(s)^*] = V delta(t - s).",
           "real", "> 0 (the Kalman filter divides by it)", example=0.1, invalid=0.0),
    KeyDoc("disturbances.x0", "Centres of the disturbance sources.", "list of reals", "at least one",
           example=[-11.0], invalid=[]),
    KeyDoc("disturbances.width", "Width of every disturbance source.", "real", "> 0", example=1.6, invalid=0.0),
    KeyDoc("disturbances.variance", "Intensity of each source: the source is sqrt(variance) times the shape.",
           "real", ">= 0", example=1.0, invalid=-1.0),
    KeyDoc("control.compensator", "lqr: full-state feedback u = -K q; lqg: Kalman filter and LQR gain on the "
           "estimate; reduced: LQG designed on a balanced truncation of order `order`; none: an open-loop run "
           "that still writes the sensor signals.", "string", allowed=("lqg", "lqr", "reduced", "none"),
           example="reduced", invalid="pid"),
    KeyDoc("control.order", "Order of the balanced truncation the reduced compensator is designed on.",
           "integer", "1 <= order <= grid.n", example=8, invalid=0),
    KeyDoc("control.R", "Penalty R on the input energy in the LQR cost: integral of z^H Q z + R |u|^2.", "real",
           "> 0", example=1.0, invalid=0.0),
    KeyDoc("control.cost", "The state cost Q: the energy of q (Q = identity in energy coordinates) or the sensor "
           "outputs (Q = C^H C).", "string", allowed=("energy", "output"), example="output", invalid="power"),
    KeyDoc("control.t_on", "Time the actuators are switched on (the estimator runs from t = 0).", "real", ">= 0",
           example=250.0, invalid=-1.0),
    KeyDoc("control.t_off", "Time the actuators are switched off; null: never.", "real or null",
           "> control.t_on", example=750.0, invalid=-5.0),
    KeyDoc("control.plant", "linear: the run drops the cubic term (beta = 0), so that its statistics are "
           "those of the Lyapunov equations; nonlinear: the equation as given.", "string",
           allowed=("linear", "nonlinear"), example="linear", invalid="affine"),
    KeyDoc("control.seed", "Seed of the disturbance and sensor noise (PCG64).", "integer", ">= 0", example=5,
           invalid=-1),
    # limits
    KeyDoc("limits.max_steps", "Largest number of steps a run may take: a fixed-step run needing more "
           "(time.t_end / time.dt) is refused before it starts; an adaptive run (time.rtol) that reaches it stops "
           "as failed, with a checkpoint to continue from.",
           "integer", ">= 1", example=10**10, invalid=0),
    KeyDoc("limits.max_memory_gb", "Memory a run may use, in GiB (estimated before it starts); auto: the "
           "memory available on this machine now.", "real or string", "a number > 0", allowed=("auto",),
           example=8.0, invalid=-1.0),
    KeyDoc("limits.max_disk_gb", "Disk space the trajectory may take, in GiB (every frame uncompressed); "
           "auto: the free space on the output disk.", "real or string", "a number > 0", allowed=("auto",),
           example=100.0, invalid=0.0),
)
