"""Spectral differentiation matrices and quadrature in the DMSuite tradition.

Weideman & Reddy, "A MATLAB differentiation matrix suite", ACM TOMS 26 (2000).
Every ``*dif`` returns DMSuite's shapes; every grid has quadrature weights.
"""

import importlib

# name -> module; loaded on first use, so that ``from cgle.spectral import herdif`` does
# not import the Chebyshev module's scipy.fft (0.1-0.5 s of start-up)
_WHERE = {
    "herroots": "hermite", "herdif": "hermite", "hermite_weights": "hermite",
    "poldif": "polynomial", "poldif_log": "polynomial",
    "chebdif": "chebyshev", "cheb4c": "chebyshev", "chebyshev_points": "chebyshev",
    "clenshaw_curtis_weights": "chebyshev",
    "fourdif": "fourier", "fourier_grid": "fourier", "fourier_weights": "fourier",
    "lagroots": "laguerre", "lagdif": "laguerre", "laguerre_weights": "laguerre",
    "sincdif": "sinc", "sinc_weights": "sinc",
}

__all__ = [
    "herroots", "herdif", "hermite_weights",
    "poldif", "poldif_log",
    "chebdif", "cheb4c", "chebyshev_points", "clenshaw_curtis_weights",
    "fourdif", "fourier_grid", "fourier_weights",
    "lagroots", "lagdif", "laguerre_weights",
    "sincdif", "sinc_weights",
]


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'cgle.spectral' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"cgle.spectral.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
