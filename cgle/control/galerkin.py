"""A Galerkin (Petrov-Galerkin) model of the nonlinear Ginzburg-Landau equation on balanced modes.

The collocation system with inputs is

    dq/dt = L q + b u + f d - beta |q|^2 q,      y = c q,

and in the energy coordinates z = M^(1/2) q of :mod:`cgle.control.statespace`

    dz/dt = A z + B u + B_d d - M^(1/2) [beta |q|^2 q],   y = C z.

Balanced truncation (or balanced POD) of the linear part with inputs [B, B_d] and outputs
C gives the direct modes T (n x r) and the adjoint modes S (r x n), S T = I. With the
ansatz z = T a and the projection a = S z,

    da/dt = A_r a + B_r u + B_d,r d - Psi [beta |Phi a|^2 (Phi a)],    y = C_r a,

    A_r = S A T,  B_r = S B,  B_d,r = S B_d,  C_r = C T,
    Phi = M^(-1/2) T  (N x r: nodal values of the modes),  Psi = S M^(1/2)  (r x N).

This is the model of Ilak, Bagheri, Brandt, Rowley & Henningson (2010, "Model reduction of
the nonlinear complex Ginzburg-Landau equation", SIAM J. Appl. Dyn. Syst. 9, 1284), who
found that balanced modes of modest order capture the nonlinear dynamics in the
subcritical (globally stable) regime.

The cubic term. The full model evaluates beta |q|^2 q pointwise on the nodes, so the
projection of the full discrete model is *exactly* Psi (beta |Phi a|^2 Phi a): nodal
values q = Phi a (N r multiplications), the pointwise cube (N), the projection (N r).
The alternative, the tensor N_ijkl = sum_n Psi_in Phi_nj conj(Phi_nk) Phi_nl, costs r^4
per evaluation and N r^4 to build; it is cheaper only when r^3 < 2 N (r <= 5 for N = 100),
so the nodal path is used (:meth:`GalerkinModel.cubic`); both give the same numbers up
to roundoff (tested).

Time stepping (:meth:`GalerkinModel.simulate`): the fourth-order exponential Runge-Kutta
scheme ETDRK4 of Cox & Matthews (2002, J. Comput. Phys. 176, 430), with the linear part
A_r integrated exactly and the cubic term and the inputs as the "nonlinear" part. The
matrix functions e^(hA_r), phi_1, phi_2, phi_3 come from one exponential of an augmented
4r x 4r block matrix (Al-Mohy & Higham 2011, SIAM J. Sci. Comput. 33, 488, thm 2.1), so
there is no cancellation for small eigenvalues. With beta = 0 and no inputs a step is
the exact exponential e^(hA_r) a.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from cgle.control.reduction import ReducedModel, balanced_truncation
from cgle.control.snapshots import bpod
from cgle.control.statespace import LinearSystem, StateSpace
from cgle.threads import policed

# an input signal: None (zero), a constant vector, or a function of time
Signal = Callable[[float], ArrayLike] | ArrayLike | None


def phi_functions(X: ArrayLike, order: int = 3) -> list[np.ndarray]:
    """e^X and the phi functions phi_1(X) .. phi_order(X) of a square matrix.

    phi_k(X) = sum_j X^j / (j + k)!, so phi_1(X) = X^(-1) (e^X - I) without the
    cancellation of that formula. They are the top row of exp(W) for the block matrix
    W = [[X, I, 0, ...], [0, 0, I, ...], ..., [0, ..., 0]] of size (order + 1) r.

    Parameters
    ----------
    X : array (r, r)
        The matrix (e.g. h A_r).
    order : int
        Highest phi function (>= 1).

    Returns
    -------
    list of ndarray (r, r)
        [e^X, phi_1(X), ..., phi_order(X)].
    """
    X = np.asarray(X, dtype=complex)
    r = X.shape[0]
    W = np.zeros(((order + 1) * r, (order + 1) * r), dtype=complex)
    W[:r, :r] = X
    for k in range(order):
        # superdiagonal identity blocks: the chain d/dt of the phi functions
        W[k * r:(k + 1) * r, (k + 1) * r:(k + 2) * r] = np.eye(r)
    E = scipy.linalg.expm(W)
    return [E[:r, k * r:(k + 1) * r] for k in range(order + 1)]


def _signal(s: Signal, width: int) -> Callable[[float], np.ndarray] | None:
    """A function t -> input vector (width,), or None for a zero input."""
    if s is None or width == 0:
        return None
    if callable(s):
        return lambda t: np.asarray(s(t), dtype=complex).reshape(width)
    value = np.asarray(s, dtype=complex).reshape(width)
    return lambda t: value


@dataclass
class GalerkinModel:
    """The reduced nonlinear model da/dt = A a + B u + B_d d - Psi [beta |Phi a|^2 Phi a], y = C a.

    The state a holds the coefficients of the balanced modes: z ~ T a, a = S z
    (energy coordinates), q ~ Phi a (nodal values). See the module docstring.

    Attributes
    ----------
    A : ndarray (r, r)
        S A T.
    B : ndarray (r, m)
        S B (actuators).
    B_d : ndarray (r, k)
        S B_d (disturbance sources).
    C : ndarray (p, r)
        C T (sensors).
    Phi : ndarray (N, r)
        Nodal values of the direct modes, M^(-1/2) T.
    Psi : ndarray (r, N)
        The projection of nodal values onto the adjoint modes, S M^(1/2).
    beta : complex
        Cubic coefficient.
    T, S : ndarray
        The balancing bases in energy coordinates, S T = I.
    hsv : ndarray
        (Approximate) Hankel singular values of the system with inputs [B, B_d].
    """

    A: np.ndarray
    B: np.ndarray
    B_d: np.ndarray
    C: np.ndarray
    Phi: np.ndarray
    Psi: np.ndarray
    beta: complex
    T: np.ndarray
    S: np.ndarray
    hsv: np.ndarray

    @property
    def r(self) -> int:
        """Order of the model."""
        return self.A.shape[0]

    def linear(self) -> LinearSystem:
        """The linear part (A, B, C) (actuators to sensors)."""
        return LinearSystem(self.A, self.B, self.C)

    def lift(self, a: ArrayLike) -> np.ndarray:
        """Nodal values q = Phi a = M^(-1/2) T a (columns of a matrix too).

        Parameters
        ----------
        a : array (r,) or (r, k)

        Returns
        -------
        ndarray (N,) or (N, k)
        """
        return self.Phi @ np.asarray(a, dtype=complex)

    def restrict(self, q: ArrayLike) -> np.ndarray:
        """Coefficients a = Psi q = S M^(1/2) q of nodal values (columns of a matrix too).

        Parameters
        ----------
        q : array (N,) or (N, k)

        Returns
        -------
        ndarray (r,) or (r, k)
        """
        return self.Psi @ np.asarray(q, dtype=complex)

    def output(self, a: ArrayLike) -> np.ndarray:
        """Sensor outputs y = C a (columns of a matrix too).

        Parameters
        ----------
        a : array (r,) or (r, k)

        Returns
        -------
        ndarray (p,) or (p, k)
        """
        return self.C @ np.asarray(a, dtype=complex)

    def cubic(self, a: ArrayLike) -> np.ndarray:
        """The projected cubic term Psi [beta |Phi a|^2 Phi a] (enters the equation with a minus).

        O(N r) operations through the nodal values (module docstring).

        Parameters
        ----------
        a : array (r,) or (r, k)

        Returns
        -------
        ndarray (r,) or (r, k)
        """
        q = self.lift(a)
        return self.Psi @ (self.beta * (q.real**2 + q.imag**2) * q)

    def rhs(self, a: ArrayLike, u: ArrayLike | None = None, d: ArrayLike | None = None) -> np.ndarray:
        """da/dt = A a + B u + B_d d - Psi [beta |Phi a|^2 Phi a].

        Parameters
        ----------
        a : array (r,)
            Reduced state.
        u : array (m,), optional
            Actuator signals (zero when None).
        d : array (k,), optional
            Disturbance signals (zero when None).

        Returns
        -------
        ndarray (r,)
        """
        a = np.asarray(a, dtype=complex)
        out = self.A @ a
        if self.beta != 0:
            out = out - self.cubic(a)
        if u is not None:
            out = out + self.B @ np.asarray(u, dtype=complex).reshape(self.B.shape[1])
        if d is not None:
            out = out + self.B_d @ np.asarray(d, dtype=complex).reshape(self.B_d.shape[1])
        return out

    @policed
    def simulate(self, a0: ArrayLike, t_end: float, dt: float, u: Signal = None,
                 d: Signal = None) -> tuple[np.ndarray, np.ndarray]:
        """Integrate from a(0) = a0 to t_end with ETDRK4 (order 4; module docstring).

        With E = e^(hA), E2 = e^(hA/2), N(t, a) = B u(t) + B_d d(t) - Psi[beta |Phi a|^2 Phi a]
        and phi functions of hA (of hA/2 for the half steps), one step is::

            p  = E2 a_n + (h/2) phi_1(hA/2) N(t_n, a_n)
            s  = E2 a_n + (h/2) phi_1(hA/2) N(t_n + h/2, p)
            c  = E2 p   + (h/2) phi_1(hA/2) (2 N(t_n + h/2, s) - N(t_n, a_n))
            a_{n+1} = E a_n + h [(phi_1 - 3 phi_2 + 4 phi_3) N_a
                                 + 2 (phi_2 - 2 phi_3) (N_p + N_s) + (4 phi_3 - phi_2) N_c].

        The linear part is exact for any step; the cubic term is explicit, so the step must
        resolve its rate: dt |beta| max |Phi a|^2 of order 1 at most. The lifted state of an
        oblique projection can be several times larger than the full one (for the actuator
        shape with r = 8, max |Phi a| ~ 5 max |q|), which tightens this at large amplitude.

        Parameters
        ----------
        a0 : array (r,)
            Initial reduced state (e.g. ``restrict(q0)``).
        t_end : float
            Final time; a whole number of steps dt.
        dt : float
            Step.
        u, d : callable t -> array, array, or None
            Actuator and disturbance signals (zero when None).

        Returns
        -------
        (t, a) : ndarray (n_t,), ndarray (r, n_t)
            The times k dt and the states there (a[:, 0] = a0).
        """
        steps = round(t_end / dt)
        if steps < 1 or not np.isclose(steps * dt, t_end, rtol=1e-9, atol=0.0):
            raise ValueError(f"t_end must be a positive whole multiple of dt (got t_end={t_end}, dt={dt})")
        uf, df = _signal(u, self.B.shape[1]), _signal(d, self.B_d.shape[1])
        E, p1, p2, p3 = phi_functions(dt * self.A)
        E2, h1 = phi_functions(dt / 2 * self.A, order=1)
        # stage weights of ETDRK4: h (phi1 - 3 phi2 + 4 phi3), 2 h (phi2 - 2 phi3), h (4 phi3 - phi2)
        w1, w2, w3 = dt * (p1 - 3 * p2 + 4 * p3), 2 * dt * (p2 - 2 * p3), dt * (4 * p3 - p2)
        half = dt / 2 * h1

        def forcing(t, a):
            out = -self.cubic(a) if self.beta != 0 else np.zeros(self.r, dtype=complex)
            if uf is not None:
                out = out + self.B @ uf(t)
            if df is not None:
                out = out + self.B_d @ df(t)
            return out

        a = np.asarray(a0, dtype=complex).reshape(self.r).copy()
        states = np.empty((self.r, steps + 1), dtype=complex)
        states[:, 0] = a
        for n in range(steps):
            t = n * dt
            Na = forcing(t, a)
            Ea = E2 @ a
            p = Ea + half @ Na
            Np = forcing(t + dt / 2, p)
            s = Ea + half @ Np
            Ns = forcing(t + dt / 2, s)
            c = E2 @ p + half @ (2 * Ns - Na)
            Nc = forcing(t + dt, c)
            a = E @ a + w1 @ Na + w2 @ (Np + Ns) + w3 @ Nc
            states[:, n + 1] = a
        return np.arange(steps + 1) * dt, states


@policed
def galerkin_model(ss: StateSpace, r: int, beta: complex | None = None, method: str = "bt", *,
                   t_end: float | None = None, count: int | None = None) -> GalerkinModel:
    """The Galerkin model of order r on the balanced modes of (A, [B, B_d], C).

    Parameters
    ----------
    ss : StateSpace
        Stable linear system of a collocation problem (its ``problem`` gives beta).
    r : int
        Order.
    beta : complex, optional
        Cubic coefficient; default ``ss.problem.beta`` (0 without a problem).
    method : {"bt", "bpod"}
        Balanced truncation (square-root, exact Gramians) or balanced POD from
        impulse-response snapshots (:func:`cgle.control.snapshots.bpod`).
    t_end, count : float, int
        Snapshot horizon and number of snapshot times; required with ``method="bpod"``.

    Returns
    -------
    GalerkinModel

    Raises
    ------
    ValueError
        For an unknown method, or bpod without its snapshot parameters.
    """
    m = ss.B.shape[1]
    joint = LinearSystem(ss.A, np.hstack([ss.B, ss.B_d]), ss.C)
    if method == "bt":
        red: ReducedModel = balanced_truncation(joint, r)
    elif method == "bpod":
        if t_end is None or count is None:
            raise ValueError("method='bpod' needs the snapshot horizon t_end and the number of snapshots count")
        red = bpod(joint, r, t_end, count)
    else:
        raise ValueError(f"method must be 'bt' or 'bpod' (got {method!r})")
    if beta is None:
        beta = ss.problem.beta if ss.problem is not None else 0.0
    sw = ss.sqrt_weights
    # Phi = M^(-1/2) T, Psi = S M^(1/2)
    Phi = red.T / sw[:, None]
    Psi = red.S * sw[None, :]
    return GalerkinModel(A=red.A, B=red.B[:, :m], B_d=red.B[:, m:], C=red.C, Phi=Phi, Psi=Psi,
                         beta=complex(beta), T=red.T, S=red.S, hsv=red.hsv)
