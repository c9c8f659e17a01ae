"""The Stepper contract and the scheme registry.

A stepper advances the semi-discrete system

    dv/dt = L v + N(v),    N(v) = -beta |v|^2 v

by one step of size dt, in the problem's state coordinates (nodal values for
collocation, Fourier coefficients for periodic problems). A concrete scheme provides:

1. ``name``: the registry key used in ``time.scheme`` (registration is automatic for
   every subclass that defines ``name``), and ``order``: the declared convergence order.
2. ``explicit_cubic``: whether N is treated explicitly (then dt |beta| max|v|^2 must stay
   O(1); the blow-up diagnosis uses it).
3. ``_prepare(dt)``: build everything that depends on dt (LU factors, propagators,
   phi functions) from ``self.problem.linear``. :meth:`prepare` (dt, steps) calls it
   only when dt changes ("factorise once per dt"); ``steps``, the number of steps still
   to come when known, is a hint for schemes that choose how to form exp(hL).
4. ``step(v)``: overwrite ``v`` with the state one step later. No output, no checks,
   no allocation in the steady state (work arrays are made in ``_prepare``).
   ``advance(v, n, amplitude2)``: n steps at once, writing max |q|^2 after each into
   ``amplitude2[:n]`` (the time loop's blow-up check). The default is n calls of
   ``step`` and ``problem.amplitude2``; a family that can share work across step
   boundaries overrides it (Strang merges consecutive cubic half-steps) and must give
   the same result up to rounding. On :class:`~cgle.errors.FiniteTimeBlowUp` the
   exception's ``steps_done`` says how many of the n steps were complete.
5. ``reset()``: forget multistep history (the next step is a start-up step), and
   ``get_state()`` / ``set_state(state)``: everything beyond v that an exact restart
   needs, as a dict of arrays and numbers.
6. ``stability_function(z)``: the amplification factor |R(z)| of one step on the linear
   test equation v' = lambda v, z = dt lambda (for the dt pre-check), and
   ``amplification(z, w)``: the same for v' = lambda v + mu v with lambda in the place of
   L and mu in the place of the (linearised) cubic term, z = dt lambda, w = dt mu. The
   base class computes it for every one-step scheme by stepping a diagonal test problem;
   multistep families override it with the root condition.
7. Adaptive schemes (class attribute ``adaptive = True``: the scheme *can* adapt) take
   ``rtol``/``atol`` at construction; an instance made with ``rtol`` set has
   ``adaptive = True`` and provides ``adaptive_step(v, t, h_max) -> h`` (one accepted
   step of size h <= h_max; controller state is part of ``get_state``); without ``rtol``
   it steps with fixed dt like any other scheme.

Schemes are data: the family classes hold ``step`` and the coefficient tables are
class attributes, checked when the class is created.
"""

import numpy as np

from cgle.errors import FiniteTimeBlowUp
from cgle.problem.operators import DiagonalOperator

_REGISTRY = {}


class Stepper:
    name = None
    order = None
    explicit_cubic = False
    adaptive = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__ and cls.name is not None:
            if cls.name in _REGISTRY:
                raise ValueError(f"scheme name {cls.name!r} registered twice")
            cls.check_tables()
            _REGISTRY[cls.name] = cls

    @classmethod
    def check_tables(cls):
        """Check the coefficient tables (families override)."""

    def __init__(self, problem, rtol=None, atol=None):
        if rtol is not None and not self.adaptive:
            raise ValueError(f"scheme {self.name} has fixed steps; rtol must be None (got {rtol!r})")
        self.problem = problem
        self.dt = None

    def prepare(self, dt, steps=None):
        """Get ready for steps of size dt (``_prepare`` runs only when dt changes).

        ``steps``: how many steps of this size are still to come, if known (the time
        loop says): a hint for the cost model of exp(hL) (:mod:`cgle.steppers.propagators`),
        counted down by the schemes that use it.
        """
        self.remaining = steps
        if dt != self.dt:
            self._prepare(dt)
            self.dt = dt

    def _count_step(self):
        if getattr(self, "remaining", None) is not None:
            self.remaining = max(self.remaining - 1, 0)

    def _prepare(self, dt):
        raise NotImplementedError

    def step(self, v):
        raise NotImplementedError

    def advance(self, v, n, amplitude2):
        """n steps: v <- S^n v, amplitude2[i] = max |q|^2 after step i + 1 (contract, item 4)."""
        for i in range(n):
            try:
                self.step(v)
            except FiniteTimeBlowUp as err:
                err.steps_done = i
                raise
            amplitude2[i] = self.problem.amplitude2(v)

    def reset(self):
        """Forget history (single-step schemes have none)."""

    def get_state(self):
        return {}

    def checkpoint_layout(self):
        """Entry -> (shape, dtype) of everything :meth:`get_state` may ever return (the
        trajectory file reserves room for it when it is created). The default takes what
        it returns now; schemes whose entries come and go override it."""
        return {k: (np.shape(v), np.asarray(v).dtype) for k, v in self.get_state().items()}

    def set_state(self, state):
        """Restore what :meth:`get_state` returned."""

    def stability_function(self, z):
        """|R(z)| on v' = lambda v, z = dt lambda (array_like)."""
        return self.amplification(z, 0.0)

    @classmethod
    def amplification(cls, z, w):
        """|R(z, w)|: one step of size 1 on v' = z v + w v, z taking the place of L and w
        of the cubic term, from v = 1 (broadcast arrays; inf where the step overflows).

        Valid for one-step schemes (multistep families override it)."""
        z, w = np.broadcast_arrays(np.asarray(z, dtype=complex), np.asarray(w, dtype=complex))
        shape = z.shape
        stepper = cls(_ScalarTestProblem(z.reshape(-1), w.reshape(-1)))
        v = np.ones(z.size, dtype=complex)
        with np.errstate(all="ignore"):
            stepper.prepare(1.0)
            stepper.reset()
            stepper.step(v)
            out = np.abs(v)
        out[~np.isfinite(out)] = np.inf
        return out.reshape(shape)


class _ScalarTestProblem:
    """The test equation v_j' = z_j v_j + w_j v_j for many (z_j, w_j) at once: ``linear`` is
    diag(z), the "nonlinear" term is w v and its exact flow exp(w t) v."""

    beta = 0j

    def __init__(self, z, w):
        self.linear = DiagonalOperator(z)
        self.w = np.ascontiguousarray(w)
        self.shape = z.shape

    def nonlinear(self, v, out):
        np.multiply(self.w, v, out=out)
        return out

    def cubic_flow(self, v, t, out):
        np.multiply(np.exp(self.w * t), v, out=out)
        return 0


def registered():
    """The schemes registered so far, name -> class (:func:`cgle.steppers.registry`
    imports every family first, so that none is missing)."""
    return dict(_REGISTRY)


def work_array(problem):
    """A complex work array shaped like the problem's state."""
    return np.zeros(problem.linear.shape, dtype=complex)
