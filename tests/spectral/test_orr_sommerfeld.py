"""Orr-Sommerfeld eigenvalue of plane Poiseuille flow with cheb4c + chebdif.

DMSuite's ``orrsom`` example (Weideman & Reddy 2000, section 5.3):

    (D^2 - a^2)^2 v / R - i a [U (D^2 - a^2) - U''] v = -i a c (D^2 - a^2) v,

U = 1 - x^2 on [-1, 1], v = v' = 0 at x = +-1 (clamped: cheb4c), alpha a = 1.
With lambda = -i a c the generalised problem A v = lambda B v reads

    A = (D4 - 2 D2 + I)/R - 2i I - i diag(1 - x^2)(D2 - I),   B = D2 - I,

and Orszag (J. Fluid Mech. 50 (1971) 689) found c = 0.23752649 + 0.00373967i
for the unstable mode at R = 10^4.
"""

import numpy as np
import pytest
import scipy.linalg

from cgle.spectral.chebyshev import cheb4c, chebdif

ORSZAG_C = 0.23752649 + 0.00373967j


def orr_sommerfeld_c(N, R=1e4):
    """Wave speed of the least stable mode on N interior Chebyshev points (alpha = 1)."""
    _, DM = chebdif(N + 2, 2)
    D2 = DM[1, 1:-1, 1:-1]  # Dirichlet v(+-1) = 0: drop boundary rows/columns
    x, D4 = cheb4c(N + 2)
    eye = np.eye(N)
    A = (D4 - 2 * D2 + eye) / R - 2j * eye - 1j * np.diag(1 - x**2) @ (D2 - eye)
    B = D2 - eye
    lam = scipy.linalg.eigvals(A, B)
    lam = lam[np.isfinite(lam)]
    lead = lam[np.argmax(lam.real)]
    # lambda = -i alpha c  ->  c = i lambda
    return 1j * lead


@pytest.mark.parametrize("N", [50, 64, 80])
def test_orszag_eigenvalue_eight_digits(N):
    c = orr_sommerfeld_c(N)
    # 8 digits after the point: |error| <= half a unit in the 8th place
    assert abs(c.real - ORSZAG_C.real) <= 5e-9, c
    assert abs(c.imag - ORSZAG_C.imag) <= 5e-9, c
    assert c.imag > 0  # the mode is unstable at R = 10^4


def test_converged_in_N():
    """Spectral convergence: 5 digits at N = 40, 8+ from N = 50 on.

    Beyond N ~ 80 roundoff in the O(N^8) fourth-derivative matrix costs
    digits (same with DMSuite's own poldif-based cheb4c): ~6e-9 at N = 100.
    """
    c40, c64 = orr_sommerfeld_c(40), orr_sommerfeld_c(64)
    assert 1e-8 < abs(c40 - c64) < 1e-5
    assert abs(orr_sommerfeld_c(50) - c64) < 3e-9
