"""Spectral differentiation matrices and quadrature in the DMSuite tradition.

Weideman & Reddy, "A MATLAB differentiation matrix suite", ACM TOMS 26 (2000).
"""

from cgle.spectral.hermite import herdif, hermite_weights, herroots
from cgle.spectral.polynomial import poldif, poldif_log

__all__ = ["herroots", "herdif", "hermite_weights", "poldif", "poldif_log"]
