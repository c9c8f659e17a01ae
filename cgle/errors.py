"""Exceptions a run can stop with; each message is meant for the user as it is."""


class BlowUp(RuntimeError):
    """The solution left the finite range or a growth bound, or the cubic flow reached
    its finite-time singularity (Re beta < 0)."""

    def __init__(self, message, *, cause=None):
        super().__init__(message)
        self.cause = cause


class FiniteTimeBlowUp(BlowUp):
    """The exact cubic flow dq/dt = -beta |q|^2 q with Re(beta) < 0 reaches infinity
    within the step."""


class StepLimit(RuntimeError):
    """An adaptive run took ``limits.max_steps`` steps before reaching ``time.t_end``
    (its step size shrank far below what the refusal up front could foresee)."""


class InitialConditionError(ValueError):
    """An initial condition that cannot be built; the message names the config key."""
