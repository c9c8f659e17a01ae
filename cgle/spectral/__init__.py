"""Spectral differentiation matrices and quadrature in the DMSuite tradition.

Weideman & Reddy, "A MATLAB differentiation matrix suite", ACM TOMS 26 (2000).
Every ``*dif`` returns DMSuite's shapes; every grid has quadrature weights.
"""

from cgle.spectral.chebyshev import cheb4c, chebdif, chebyshev_points, clenshaw_curtis_weights
from cgle.spectral.fourier import fourdif, fourier_grid, fourier_weights
from cgle.spectral.hermite import herdif, hermite_weights, herroots
from cgle.spectral.laguerre import lagdif, lagroots, laguerre_weights
from cgle.spectral.polynomial import poldif, poldif_log
from cgle.spectral.sinc import sinc_weights, sincdif

__all__ = [
    "herroots", "herdif", "hermite_weights",
    "poldif", "poldif_log",
    "chebdif", "cheb4c", "chebyshev_points", "clenshaw_curtis_weights",
    "fourdif", "fourier_grid", "fourier_weights",
    "lagroots", "lagdif", "laguerre_weights",
    "sincdif", "sinc_weights",
]
