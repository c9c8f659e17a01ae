"""Time steppers, one family per module; see :mod:`cgle.steppers.base` for the contract."""

from cgle.steppers.base import Stepper, make_stepper, registry

__all__ = ["Stepper", "make_stepper", "registry"]
