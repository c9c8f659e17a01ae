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
   phi functions) from ``self.problem.linear``. :meth:`prepare` calls it only when dt
   changes ("factorise once per dt").
4. ``step(v)``: overwrite ``v`` with the state one step later. No output, no checks,
   no allocation in the steady state (work arrays are made in ``_prepare``).
5. ``reset()``: forget multistep history (the next step is a start-up step), and
   ``get_state()`` / ``set_state(state)``: everything beyond v that an exact restart
   needs, as a dict of arrays and numbers.
6. ``stability_function(z)``: the amplification factor R(z) of one step on the linear
   test equation v' = lambda v, z = dt lambda (for the dt pre-check).

Schemes are data: the family classes hold ``step`` and the coefficient tables are
class attributes, checked when the class is created.
"""

import numpy as np

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

    def __init__(self, problem):
        self.problem = problem
        self.dt = None

    def prepare(self, dt):
        if dt != self.dt:
            self._prepare(dt)
            self.dt = dt

    def _prepare(self, dt):
        raise NotImplementedError

    def step(self, v):
        raise NotImplementedError

    def reset(self):
        """Forget history (single-step schemes have none)."""

    def get_state(self):
        return {}

    def set_state(self, state):
        """Restore what :meth:`get_state` returned."""

    def stability_function(self, z):
        raise NotImplementedError


def registry():
    """All registered schemes, name -> class."""
    # importing the family modules registers their schemes
    from cgle.steppers import imex, splitting  # noqa: F401

    return dict(_REGISTRY)


def make_stepper(name, problem):
    schemes = registry()
    if name not in schemes:
        raise ValueError(f"unknown scheme {name!r}; registered: {', '.join(sorted(schemes))}")
    return schemes[name](problem)


def work_array(problem):
    """A complex work array shaped like the problem's state."""
    return np.zeros(problem.linear.shape, dtype=complex)
