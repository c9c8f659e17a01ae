"""exp(hL) held in Hermite functions as a banded complex symmetric matrix.

In the complex symmetric form of :mod:`cgle.problem.hermite_symmetric`, exp(hL) =
F^{-1} Z F with Z = I + (b / 2) G (S - I) G^T and S = exp(hC), C pentadiagonal. The
entries of S fall off fast away from the diagonal (as those of the exponential of any
banded matrix; Benzi & Golub 1999, BIT 39, 417-438): on the forum problem (N = 220) the band
outside which every entry is below 2^-53 of the largest has half-width 20 at h = 0.0098,
29 at 0.039, 44 at 0.156 and 86 at 1.25. So S is kept, and squared, on its band:

- a squaring costs N sum_{k <= w} (2b + 1 - k) multiply-adds (b the band of S, w that
  of the product) instead of the N^3 / 2 of a dense rank-k update: 0.11 ms against 1.0 ms
  at b = 20, 0.41 ms at b = 44 (N = 220, one thread);
- an application is exp(hL) v = F^{-1} (y + (b / 2) G (S - I) G^T y), y = F v: the
  transforms by parity (two real N/2 x N/2 blocks each way) around one banded product,
  17-24 us for w = 20..73 at N = 220 against 15-19 us for a dense product on the nodes;
- Z and the matrix on the nodes are never formed, unless a step size is applied so often
  that a dense product pays for forming them (:meth:`BandedExponential.to_nodal`, decided
  by :mod:`cgle.steppers.propagators`).

Truncation. With A(d) = max_i |S[i, i + d]| (the band profile), the product's entries
obey |(S^2)[i, i + k]| <= T(k) = sum_d A(|d|) A(|k - d|) (|d|, |k - d| <= b). The product is
computed on the band w where the bound of everything outside, sum_{k > w} T(k), is below
2^-53 max|S^2|, and then cut to the smallest band b' whose dropped entries (computed or
bounded) sum to at most 2^-53 max|S^2| per side of the diagonal. Each row then loses at
most 2^-52 max|S^2|: a backward error of the order of the product's own rounding
(|fl(S S) - S S| <= N 2^-53 |S| |S|). The base, a Taylor polynomial of band 2m, is cut
by the same rule. Every rule depends on S alone, so a step size formed directly and one
formed as the square of its half hold the same bits (the step ladder of
:mod:`cgle.steppers.propagators`).

Where the band grows so wide that the banded kernel is slower than a dense zsyrk
(a multiply-add of the kernel costs about two of zsyrk's), the square is taken dense and
cut by the same rule.

Storage: S as [Re, Im], two real N x N arrays (the kernels vectorise on real data),
meaningful on the band |i - j| <= b only (entries outside it may hold dropped values; no
kernel reads them).
"""

import functools

import numpy as np

from cgle.problem import expm_action, kernels, recycled

UNIT_ROUNDOFF = 2.0**-53
# a multiply-add of banded_square_sym against one of zsyrk (measured at N = 220, one
# thread: 0.34-0.71 ns against 0.19 ns)
BANDED_MAC_IN_DENSE = 2.0
# one application in dense matrix-vector products (15.4 us at N = 220, one thread): the
# transforms and the bookkeeping, 11.2 us, and the band, 5.5 us at w = 20 (0.13 us per
# column of the width 2w + 1), i.e. ~1.9 of a dense product's multiply-adds per band entry
APPLY_FIXED_IN_MATVECS = 0.75
APPLY_BAND_IN_MATVECS = 1.9  # (2w + 1) / N
# forming the matrix on the nodes (the congruence with G and F^{-1} Z F), in dense
# products (:mod:`cgle.problem.hermite_symmetric`)
NODAL_PRICE_IN_PRODUCTS = 0.54
# the product's width is chosen for a tail below this fraction of 2^-53 T(0), so that
# the check against the computed max|S^2| holds without a second pass
WIDTH_MARGIN = 0.25


def kept_band(profile, dropped=0.0):
    """The smallest band b' whose entries outside, bounded by ``profile`` (the band
    profile A(d), d = 0..len - 1) plus ``dropped`` already bounded, sum to at most
    2^-53 max(profile)."""
    limit = UNIT_ROUNDOFF * float(np.max(profile)) if profile.size else 0.0
    # tail[d] = sum of profile[d:]
    tail = np.cumsum(profile[::-1])[::-1] + dropped
    outside = np.append(tail[1:], dropped)  # outside[b'] = dropped mass for band b'
    fits = np.nonzero(outside <= limit)[0]
    return int(fits[0]) if fits.size else profile.size - 1


@functools.lru_cache(maxsize=64)
def _outside_band(n, b):
    """The entries |i - j| > b of an n x n matrix (remembered: a ladder asks for a few)."""
    k = np.arange(n)
    mask = np.abs(k[:, None] - k[None, :]) > b
    mask.flags.writeable = False
    return mask


def product_bound(profile):
    """T(k) for k = 0..2b: the bound sum_d A(|d|) A(|k - d|) on the band profile of S^2."""
    full = np.concatenate([profile[:0:-1], profile])  # A(|d|), d = -b..b
    return np.convolve(full, full)[full.size - 1:]


class BandedExponential:
    """exp(hL) for a Hermite problem with an even mu(x): S = exp(hC) on its band
    (module docstring). ``apply(v, out)``, ``squared()``, ``matrix`` (on the nodes, formed
    on first use), ``cost`` (one application in dense matrix-vector products),
    ``nodal_price`` and :meth:`to_nodal`."""

    def __init__(self, S, band, modes):
        self.S = S
        self.band = int(band)
        self.modes = modes
        form = modes.symmetric
        self._form = form
        n = S.shape[1]
        self.n = n
        self._nodal = None
        self._on_nodes = False
        self._work = np.empty((8, n))
        self.cost = APPLY_FIXED_IN_MATVECS + APPLY_BAND_IN_MATVECS * min(2 * self.band + 1, n) / n
        self.nodal_price = NODAL_PRICE_IN_PRODUCTS * expm_action.product_in_matvecs(n)

    @classmethod
    def from_matrix(cls, M, band, modes):
        """From a complex symmetric matrix M of band ``band`` (the Taylor base), cut to the
        kept band."""
        n = M.shape[0]
        S = recycled.empty((2, n, n), float)
        S[0] = M.real
        S[1] = M.imag
        profile = kernels.band_maxima(S, band, np.empty(band + 1))
        return cls(S, kept_band(profile), modes)

    @property
    def shape(self):
        """(n,): the states it applies to."""
        return (self.n,)

    def complex_matrix(self):
        """S as one complex N x N matrix, zero outside the band (recycled memory)."""
        M = recycled.empty((self.n, self.n))
        M.real = self.S[0]
        M.imag = self.S[1]
        if self.band < self.n - 1:
            np.copyto(M, 0.0, where=_outside_band(self.n, self.band))
        return M

    @property
    def matrix(self):
        """exp(hL) on the nodes (formed on first use: 0.54 of a dense product)."""
        if self._nodal is None:
            form = self._form
            self._nodal = form.nodal(form.from_modes(self.complex_matrix()))
        return self._nodal

    def to_matrix(self):
        """exp(hL) on the nodes."""
        return self.matrix

    def to_nodal(self):
        """Apply by the matrix on the nodes from now on (formed here)."""
        self.matrix
        self._on_nodes = True
        self.cost = 1.0

    def apply(self, v, out):
        """out = exp(hL) v (``out`` must not be ``v``)."""
        if self._on_nodes:
            np.dot(self._nodal, v, out=out)
            return out
        form = self._form
        return kernels.banded_modal_apply(self.S, self.band, form.GeT, form.GoT, form.Ge, form.Go, form._s,
                                          form._mid, 0.5 * form._b, v, out, self._work)

    def squared(self):
        """exp(2hL): S^2 on its kept band (module docstring)."""
        n, b = self.n, self.band
        profile = kernels.band_maxima(self.S, b, np.empty(b + 1))
        bound = product_bound(profile)
        # the width w to compute: the bound of what lies outside it against a quarter of
        # the diagonal's bound T(0) (which exceeds max|S^2| by 3-70 % on the forum
        # problem), checked against the computed maximum below
        tails = np.append(np.cumsum(bound[::-1])[::-1][1:], 0.0)  # tails[w] = sum_{k > w} T(k)
        w = int(np.nonzero(tails <= WIDTH_MARGIN * UNIT_ROUNDOFF * bound[0])[0][0])
        w = min(w, n - 1)
        # sum_{k <= w} (2b + 1 - k) multiply-adds per row
        macs = n * ((w + 1) * (2 * b + 1) - w * (w + 1) // 2)
        if BANDED_MAC_IN_DENSE * macs >= n * n * (n + 1) / 2:
            M = self.complex_matrix()
            P = np.matmul(M, M.T, out=recycled.empty((n, n)))
            return BandedExponential.from_matrix(P, n - 1, self.modes)
        out = recycled.empty((2, n, n), float)
        kernels.banded_square_sym(self.S, b, w, out)
        computed = kernels.band_maxima(out, w, np.empty(w + 1))
        # nothing lies outside the exact product band 2b, nor outside the matrix
        dropped = float(tails[w]) if w < min(2 * b, n - 1) else 0.0
        if dropped > UNIT_ROUNDOFF * float(computed.max()):
            # the bound was measured against T(0), which overestimated max|S^2|: the whole
            # product band (exact)
            w = min(2 * b, n - 1)
            kernels.banded_square_sym(self.S, b, w, out)
            computed = kernels.band_maxima(out, w, np.empty(w + 1))
            dropped = 0.0
        return BandedExponential(out, kept_band(computed, dropped), self.modes)
