"""Time steppers, one family per module; see :mod:`cgle.steppers.base` for the contract.

``splitting`` (strang), ``richardson`` (strang_richardson), ``exponential`` (etd1,
etdrk4), ``imex`` (IMEX multistep: cnfe, cnab2, sbdf1-3), ``imex_rk`` (ars222, ars443,
ark436), ``adaptive`` (the dyadic step-size controller), ``propagators`` (matrix or
action for exp(hL): the cost model), ``order_conditions`` (checks of the tables),
``precheck`` (the dt pre-check), ``schemes`` (the registry).
"""

from cgle.steppers.base import Stepper
from cgle.steppers.schemes import make_stepper, registry

__all__ = ["Stepper", "make_stepper", "registry"]
