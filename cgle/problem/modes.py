"""Global modes of a dense linear operator, sorted by growth rate.

The eigen-decomposition here serves two masters: the ``mode`` initial condition and the
spectra of :mod:`cgle.analysis.spectra`. Eigenvectors are normalised to unit energy
norm, sum(weights * |v|^2) = 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def sort_by_growth(lam: np.ndarray) -> np.ndarray:
    """Indices that sort by decreasing real part, ties by decreasing imaginary part."""
    return np.lexsort((-lam.imag, -lam.real))


def global_modes(L: np.ndarray, weights: ArrayLike, k: int | None = None,
                 vectors: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``k`` leading eigenvalues of the dense matrix ``L`` (and eigenvectors).

    Parameters
    ----------
    L : ndarray (N, N) complex
    weights : ndarray (N,)
        Quadrature weights of the energy norm.
    k : int, optional
        How many to keep (default: all).
    vectors : bool
        Also return eigenvectors, ``vecs[:, j]`` for ``lam[j]``, unit energy norm.

    Returns
    -------
    (lam, vecs) : ndarray (k,) complex and ndarray (N, k) complex or None
    """
    # NumPy's LAPACK geev, as scipy's (which would cost ~0.14 s to import for a mode
    # initial condition)
    if vectors:
        lam, vecs = np.linalg.eig(L)
    else:
        lam, vecs = np.linalg.eigvals(L), None
    order = sort_by_growth(lam)[:k]
    lam = lam[order]
    if vecs is not None:
        vecs = vecs[:, order]
        # ||v||_M = sqrt(sum_i w_i |v_i|^2) per column
        norms = np.sqrt(np.sum(np.asarray(weights).reshape(-1)[:, None] * np.abs(vecs) ** 2, axis=0))
        vecs = vecs / norms
    return lam, vecs
