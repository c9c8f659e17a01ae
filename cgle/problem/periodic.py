"""Periodic problems in 1D and 2D: the equation in Fourier space.

On the periodic box [0, Lx) (x [0, Ly)) the equation

    q_t = -nu q_x + gamma Lap(q) + mu q - beta |q|^2 q                       (1)

(constant mu; the periodic standard form of Aranson & Kramer, Rev. Mod. Phys. 74 (2002)
99, is nu = 0, gamma = 1 + i b, mu = 1, beta = 1 + i c) is advanced in STATE
coordinates v = FFT(q): the unnormalised discrete Fourier transform of the nodal values
(numpy/scipy convention, v_m = sum_j q_j exp(-2 pi i j m / N)). The linear part is
diagonal,

    L(k) = mu - gamma |k|^2 - i nu k_x,     k = 2 pi m / L,

and the cubic term is evaluated pointwise in physical space by the numba kernels of
:mod:`cgle.problem.kernels` (on 1-D views of the grid arrays), then transformed back.

Conventions
-----------
- Grid: x_j = Lx j / Nx (2D: y_l = Ly l / Ny), arrays indexed [j] or [j, l] ("ij").
- Wavenumbers in ``numpy.fft.fftfreq`` order. For even N the Nyquist mode keeps its
  k^2 in the second derivative but has no first derivative (its k_x is set to 0), the
  convention of DMSuite's ``fourdif`` (:mod:`cgle.spectral.fourier`).
- Dealiasing (``grid.dealias: true``): the 2/3 rule, i.e. every mode with
  |m_i| > N_i / 3 in some direction is set to zero in the nonlinear term (and after the
  exact cubic flow). This removes all aliasing of quadratic products; for the cubic
  term it removes the aliases that land in the low third of the spectrum from the
  modes that are kept (fully alias-free cubic products would need the 1/2 rule).
- Quadrature: the periodic trapezoid rule, weights dx (2D: dx dy) on every node.
- FFTs: ``numpy.fft`` with ``out=`` (numpy >= 2), in place on preallocated arrays,
  single-threaded. Measured on 2 cores: pocketfft through ``numpy.fft`` and
  ``scipy.fft`` (``overwrite_x``) take the same time per transform (4 us at N = 256,
  0.11 ms at 128^2, 0.52 ms at 256^2), ``scipy.fft`` with ``workers=2`` was no faster
  than one worker, and only numpy documents in-place output.
"""

import math

import numpy as np

from cgle.errors import InitialConditionError
from cgle.problem import kernels
from cgle.problem.operators import DiagonalOperator
from cgle.spectral.fourier import fourier_grid, fourier_weights


def wavenumbers(n, length, first_derivative=False):
    """Angular wavenumbers k = 2 pi m / L in FFT order.

    Parameters
    ----------
    n : int
        Number of grid points.
    length : float
        Period L.
    first_derivative : bool
        If True and ``n`` is even, the Nyquist entry is 0 (the first derivative of the
        Nyquist mode cos(pi n x / L) vanishes at the nodes).

    Returns
    -------
    ndarray (n,)
    """
    k = 2.0 * np.pi * np.fft.fftfreq(n, d=length / n)
    if first_derivative and n % 2 == 0:
        k[n // 2] = 0.0
    return k


def dealias_mask(n):
    """Boolean mask (grid shaped) of the modes kept by the 2/3 rule: |m_i| <= N_i / 3."""
    masks = [np.abs(np.fft.fftfreq(ni, d=1.0 / ni)) <= ni / 3.0 for ni in n]
    if len(masks) == 1:
        return masks[0]
    return masks[0][:, None] & masks[1][None, :]


def symbol(equation, n, length):
    """The diagonal linear operator L(k) = mu - gamma |k|^2 - i nu k_x, grid shaped.

    ``equation.mu`` must be a constant (checked by :func:`build_fourier`).
    """
    mu = complex(equation.mu[0])
    gamma, nu = complex(equation.gamma), complex(equation.nu)
    kx2 = wavenumbers(n[0], length[0]) ** 2
    kx1 = wavenumbers(n[0], length[0], first_derivative=True)
    if len(n) == 1:
        return mu - gamma * kx2 - 1j * nu * kx1
    ky2 = wavenumbers(n[1], length[1]) ** 2
    return mu - gamma * (kx2[:, None] + ky2[None, :]) - 1j * nu * kx1[:, None]


def _SILENT_BLOWUP():
    """numpy.fft is a ufunc and raises the overflow/invalid flags on inf/NaN input; a
    blowing-up state is detected and reported by :func:`cgle.integrate.integrate` from
    max |q|^2 (inf/NaN), so the transforms stay silent like the numba kernels."""
    return np.errstate(over="ignore", invalid="ignore")


class FourierProblem:
    """The periodic problem (1) on a 1D or 2D Fourier grid.

    The interface mirrors :class:`cgle.problem.collocation.Problem`; the state is v = FFT(q).

    Attributes
    ----------
    x : ndarray (Nx,)
        Nodes along x; ``y`` (Ny,) in 2D.
    shape : tuple
        Grid shape, (Nx,) or (Nx, Ny); states and physical fields have this shape.
    weights : ndarray, grid shaped
        Trapezoid weights dx (dx dy): ``sum(weights * f)`` ~ integral of f over the box.
    L : ndarray, grid shaped, complex
        The symbol L(k) of the linear operator (FFT order).
    linear : DiagonalOperator
        ``L`` for the steppers.
    beta : complex
        Cubic coefficient.
    dealias : bool
        Whether the 2/3 rule is applied to the cubic term.
    """

    scale = None

    def __init__(self, config):
        grid = config.grid
        self.config = config
        self.basis = "fourier"
        self.n = tuple(int(v) for v in grid.n)
        self.length = tuple(float(v) for v in grid.length)
        self.ndim = len(self.n)
        self.shape = self.n
        self.x = fourier_grid(self.n[0], self.length[0])
        self.y = fourier_grid(self.n[1], self.length[1]) if self.ndim == 2 else None
        wx = fourier_weights(self.n[0], self.length[0])
        if self.ndim == 1:
            self.weights = wx
        else:
            self.weights = wx[:, None] * fourier_weights(self.n[1], self.length[1])[None, :]
        self.beta = complex(config.equation.beta)
        self.L = symbol(config.equation, self.n, self.length)
        self.linear = DiagonalOperator(self.L)
        self.dealias = bool(grid.dealias)
        # modes set to zero by the 2/3 rule (None: no dealiasing)
        self._aliased = ~dealias_mask(self.n) if self.dealias else None
        self._q = np.zeros(self.shape, dtype=complex)  # physical-space work array
        self._flow_work = kernels.flow_work(int(np.prod(self.shape)))  # of the cubic flow
        # numpy.fft (pocketfft, as scipy.fft) for its in-place ``out=``; the 1-D entry
        # point has less per-call overhead than fftn (numpy 2.4's ifft2 drops ``out=``)
        self._fft_fn, self._ifft_fn = (np.fft.fft, np.fft.ifft) if self.ndim == 1 else (np.fft.fftn, np.fft.ifftn)

    # ------------------------------------------------------------------ transforms
    def _forward(self, buf):
        """buf <- FFT(buf), in place (numpy >= 2 ``out=``: no allocation, no copy)."""
        result = self._fft_fn(buf, out=buf)
        if result is not buf:  # an entry point that ignores out= (numpy 2.4 ifft2 does)
            buf[...] = result
        return buf

    def _inverse(self, buf):
        """buf <- IFFT(buf), in place."""
        result = self._ifft_fn(buf, out=buf)
        if result is not buf:
            buf[...] = result
        return buf

    def _ifft(self, v):
        return self._ifft_fn(v)

    def to_state(self, q):
        """v = FFT(q) for a physical field q shaped like the grid."""
        q = np.asarray(q, dtype=complex)
        if q.shape != self.shape:
            raise ValueError(f"field shape {q.shape} does not match the grid {self.shape}")
        return self._fft_fn(q)

    def to_physical(self, v):
        """q = IFFT(v)."""
        with _SILENT_BLOWUP():
            return self._ifft(v)

    # ------------------------------------------------------------------ the equation
    def nonlinear(self, v, out):
        """out = FFT(-beta |q|^2 q), q = IFFT(v) (2/3 rule applied when dealiasing).

        Works in ``out`` (C-contiguous, like every stepper work array) throughout: copy,
        inverse transform, pointwise cubic term, forward transform, all in place.
        """
        out[...] = v
        with _SILENT_BLOWUP():
            self._inverse(out)
            flat = out.reshape(-1)
            # -beta |q|^2 q, pointwise, in place
            kernels.cubic_term(flat, self.beta, flat)
            self._forward(out)
        if self._aliased is not None:
            out[self._aliased] = 0.0
        return out

    def cubic_flow(self, v, t, out):
        """out = FFT of the exact flow of q' = -beta |q|^2 q over time t (physical space,
        pointwise; :func:`cgle.problem.kernels.cubic_flow_max`); returns the number of nodes that blow
        up within t (only possible for Re(beta) < 0). ``out`` may be ``v``."""
        out[...] = v
        with _SILENT_BLOWUP():
            self._inverse(out)
            flat = out.reshape(-1)
            blown, _amplitude2 = kernels.cubic_flow_max(flat, self.beta, t, t, flat, self._flow_work)
            self._forward(out)
        if self._aliased is not None:
            out[self._aliased] = 0.0
        return blown

    def cubic_flow_max(self, v, t, at, out):
        """:meth:`cubic_flow`, returning (blown-up nodes, max |q|^2 at time ``at`` of the
        flow), from the same pass over the nodes: the amplitude check of a merged step
        costs no transform."""
        out[...] = v
        with _SILENT_BLOWUP():
            self._inverse(out)
            flat = out.reshape(-1)
            blown, amplitude2 = kernels.cubic_flow_max(flat, self.beta, t, at, flat, self._flow_work)
            self._forward(out)
        if self._aliased is not None:
            out[self._aliased] = 0.0
        return blown, amplitude2

    def amplitude2(self, v):
        """max |q|^2 in physical space (NaN if any value is NaN)."""
        buf = self._q
        buf[...] = v
        with _SILENT_BLOWUP():
            self._inverse(buf)
        return kernels.max_abs2(buf.reshape(-1))

    def rhs(self, q):
        """The full right-hand side IFFT(L FFT(q)) - beta |q|^2 q in physical space."""
        q = np.asarray(q, dtype=complex)
        v = self.to_state(q)
        out = self._ifft(self.L * v)
        if self._aliased is None:
            return out - self.beta * (q.real**2 + q.imag**2) * q
        n = np.empty_like(v)
        self.nonlinear(v, n)
        return out + self._ifft(n)

    def energy(self, q):
        """sum(weights * |q|^2), the squared L2 norm over the box."""
        return kernels.weighted_energy(np.ascontiguousarray(q).reshape(-1), self.weights.reshape(-1))

    @property
    def spacing(self):
        """Grid spacing per dimension, L_i / N_i."""
        return [length / n for length, n in zip(self.length, self.n)]

    # ------------------------------------------------------------------ initial data
    def plane_wave(self, m, amplitude=None):
        """A exp(i k.x) with k_i = 2 pi m_i / L_i.

        ``amplitude=None`` gives the travelling-wave amplitude a = sqrt(Re L(k) / Re beta)
        (= sqrt(1 - |k|^2) in the standard form), for which a exp(i (k.x - omega t)) with
        omega = -Im L(k) + Im(beta) a^2 (= c + (b - c) k^2) solves (1) exactly.
        """
        k = [2.0 * np.pi * mi / li for mi, li in zip(m, self.length)]
        phase = k[0] * self.x if self.ndim == 1 else k[0] * self.x[:, None] + k[1] * self.y[None, :]
        if amplitude is None:
            lam = self.symbol_at(k)
            if not (self.beta.real > 0 and lam.real > 0):
                raise InitialConditionError(
                    "config error at initial.amplitude: no saturated plane wave with m = "
                    f"{list(m)} (needs Re L(k) > 0 and Re(beta) > 0; Re L(k) = {lam.real:.6g}, "
                    f"Re(beta) = {self.beta.real:g}); give initial.amplitude (got None)")
            amplitude = math.sqrt(lam.real / self.beta.real)
        return complex(amplitude) * np.exp(1j * phase)

    def symbol_at(self, k):
        """L(k) = mu - gamma |k|^2 - i nu k_x for a wavevector k (list, one per dimension)."""
        eq = self.config.equation
        return complex(eq.mu[0]) - complex(eq.gamma) * sum(ki * ki for ki in k) - 1j * complex(eq.nu) * k[0]

    def spiral(self, amplitude, center, width):
        """A single +1 spiral seed: amplitude tanh(r / width) exp(i theta) S(r).

        r, theta are polar coordinates about ``center`` (with periodic distances). The
        cut-off S(r) is 1 for r <= R/2 and falls smoothly (C-infinity) to exactly 0 at
        r = R, R = min(Lx, Ly) / 2, so the field is periodic, vanishes identically near
        the box edges and has exactly one zero of charge +1 where it is nonzero.
        """
        dx = _periodic_offset(self.x, center[0], self.length[0])[:, None]
        dy = _periodic_offset(self.y, center[1], self.length[1])[None, :]
        r = np.hypot(dx, dy)
        radius = min(self.length) / 2.0
        core = np.tanh(r / width)
        # (x + i y) / r = exp(i theta); at r = 0 the tanh factor is 0 anyway
        safe_r = np.where(r > 0.0, r, 1.0)
        return amplitude * core * _smooth_cutoff(r / radius) * (dx + 1j * dy) / safe_r

    def initial_condition(self, ini):
        """q(x, 0) for the kinds that need the periodic grid: plane_wave, spiral, gaussian (2D)."""
        if ini.kind == "plane_wave":
            q = self.plane_wave(ini.m, ini.amplitude)
        elif ini.kind == "spiral":
            q = self.spiral(ini.amplitude, ini.center, ini.width)
        elif ini.kind == "gaussian" and self.ndim == 2:
            dx = _periodic_offset(self.x, ini.center, self.length[0])[:, None]
            dy = _periodic_offset(self.y, ini.center, self.length[1])[None, :]
            return complex(ini.amplitude) * np.exp(-(dx**2 + dy**2) / ini.width**2).astype(complex)
        else:
            raise InitialConditionError(
                f"config error at initial.kind: {ini.kind} is not available for grid.basis fourier (got {ini.kind!r})")
        noise = getattr(ini, "noise", 0.0)
        if noise:
            rng = np.random.default_rng(ini.seed)
            # complex Gaussian noise with E|eta|^2 = noise^2
            q = q + noise * (rng.standard_normal(self.shape) + 1j * rng.standard_normal(self.shape)) / math.sqrt(2.0)
        return q


def _periodic_offset(x, center, length):
    """x - center wrapped into [-L/2, L/2)."""
    return (x - center + length / 2.0) % length - length / 2.0


def _smooth_cutoff(s):
    """1 for s <= 1/2, 0 for s >= 1, C-infinity in between.

    With f(u) = exp(-1/u) for u > 0 (else 0), S(s) = f(1 - s) / (f(1 - s) + f(s - 1/2)),
    rescaled to the interval [1/2, 1].
    """
    u = np.clip(2.0 * (1.0 - s), 0.0, 1.0)  # 1 at s = 1/2, 0 at s = 1
    fa = np.where(u > 0.0, np.exp(-1.0 / np.where(u > 0.0, u, 1.0)), 0.0)
    fb = np.where(u < 1.0, np.exp(-1.0 / np.where(u < 1.0, 1.0 - u, 1.0)), 0.0)
    return fa / (fa + fb)


def build_periodic(cfg):
    """The :class:`FourierProblem` of a validated config with ``grid.basis: fourier``
    (the config has checked that mu is a constant)."""
    return FourierProblem(cfg)
