"""exp(A) and the phi functions of a dense complex matrix: Taylor polynomials,
scaling and squaring.

Why not ``scipy.linalg.expm``. Its Pade algorithm (Al-Mohy & Higham 2009) forms A^2,
A^4, A^6 and A^8 for every input and solves a linear system, so it costs ~7 matrix
products even when ||A|| is 1e-6 (11 ms at N = 220 here, against 1.7 ms for one
product). The adaptive steppers need exp(hL) for many small h, and a new h on the
dyadic step ladder is the square of the level below. Here the cost follows ||A||
(one product for ||A||_1 <= 2.6e-8, six for ||A||_1 <= 0.78), there is no solve, and
where exp(A) is the square of exp(A/2) a caller may square instead
(:func:`ends_by_squaring`). The phi functions (:func:`phi_halvings`) share the Taylor
evaluation.

Algorithm (Higham 2005; Al-Mohy & Higham 2009, Sec. 3; Bader, Blanes & Casas 2019).
The Taylor polynomial T_m(B) = sum_{i<=m} B^i / i! satisfies T_m(B) = exp(B + dB),

    dB = h_m(B) = log(e^{-B} T_m(B)) = sum_{k>m} c_k B^k,

so ||dB|| / ||B|| <= sum_{k>m} |c_k| ||B||^{k-1} <= u = 2^-53 whenever ||B||_1 <= theta_m
(THETA, computed with mpmath from the series of log(e^{-x} T_m(x)); recomputed in
tests/test_matrix_exponential.py). With B = A / 2^s, exp(A) = T_m(B)^(2^s) is then
exp(A + 2^s dB), a relative backward error <= u in A. The plan (m, s) keeps the number
of matrix products PRODUCTS[m] + s small (:func:`plan`): T_m is evaluated by the
Paterson-Stockmeyer scheme (PRODUCTS[m] products; Higham 2008, Functions of Matrices,
Sec. 4.4.3), and each squaring is one product.
"""

import math

import numpy as np

# theta_m: largest ||B||_1 with backward error bound <= 2^-53 for T_m (rounded down)
THETA = {
    1: 2.2204460e-16,
    2: 2.5809568e-8,
    4: 3.3971688e-4,
    6: 9.0656564e-3,
    9: 8.9577602e-2,
    12: 2.9961589e-1,
    16: 7.8028742e-1,
    20: 1.4382525,
    25: 2.4285825,
    30: 3.5396663,
}


def _ps_products(degree, k):
    """Matrix products of Paterson-Stockmeyer with block size k for a polynomial of
    ``degree``: k - 1 powers B^2..B^k, then one per Horner step in B^k, one fewer when k
    divides the degree (the top block is a scalar)."""
    return (k - 1) + degree // k - (1 if degree % k == 0 else 0)


def _block_size(degree):
    """Block size with the fewest Paterson-Stockmeyer products for ``degree``."""
    return min(range(1, degree + 1), key=lambda k: (_ps_products(degree, k), k))


PRODUCTS = {m: _ps_products(m, _block_size(m)) for m in THETA}

# the degree used with squaring: the fewest products per unit of log2 ||A||,
# PRODUCTS[m] - log2(THETA[m]), is m = 16 (6.36; m = 12: 6.74, 20: 6.48, 25: 6.72)
SQUARING_DEGREE = 16


def plan(norm):
    """(m, s): Taylor degree and number of squarings for ||A||_1 = ``norm``.

    Candidates: each m with THETA[m] >= norm unscaled (s = 0), and m = SQUARING_DEGREE
    with the fewest squarings s that bring norm / 2^s <= THETA[m] (found by exact
    doubling). The plan has the fewest products PRODUCTS[m] + s (ties: fewer
    squarings). Above THETA[30] only the second kind remains, so there
    plan(2 norm) = (m, s + 1): exp(2A) is exp(A) squared."""
    if not math.isfinite(norm):
        raise ValueError(f"matrix exponential of a matrix with non-finite entries (1-norm {norm})")
    candidates = [(PRODUCTS[m], 0, m) for m, theta in THETA.items() if norm <= theta]
    m = SQUARING_DEGREE
    s = 0
    while norm > THETA[m] * 2.0**s:
        s += 1
    candidates.append((PRODUCTS[m] + s, s, m))
    _cost, s, m = min(candidates)
    return m, s


def ends_by_squaring(norm):
    """Whether exp(A), ||A||_1 = ``norm``, is computed as the square of exp(A / 2): the
    plan for A is the plan for A / 2 with one more squaring."""
    m, s = plan(norm)
    return s >= 1 and plan(norm / 2.0) == (m, s - 1)


def polynomial(B, coef):
    """sum_i coef[i] B^i by Paterson-Stockmeyer (Higham 2008, Sec. 4.4.3):

        p(B) = sum_j P_j(B) (B^k)^j,  P_j(B) = sum_{i<k} coef[jk + i] B^i,

    evaluated by Horner's rule in B^k (coefficients beyond the degree are zero)."""
    m = len(coef) - 1
    n = B.shape[0]
    if m == 0:
        return coef[0] * np.eye(n, dtype=complex)
    k = _block_size(m)
    powers = [None, B]
    for _ in range(2, k + 1):
        powers.append(powers[-1] @ B)

    scratch = np.empty((n, n), dtype=complex)

    def add_block(j, out):
        # out += P_j(B), the identity term on the diagonal (through one scratch array:
        # fresh N x N temporaries for every term cost as much as a fifth of the products)
        for i in range(1, k):
            if j * k + i <= m:
                _add_scaled(out, coef[j * k + i], powers[i], scratch)
        out.reshape(-1)[:: n + 1] += coef[j * k]
        return out

    r = m // k
    total = np.zeros((n, n), dtype=complex)
    if m % k == 0:
        # the top block is the scalar coef[m]: P_r (B^k) = coef[m] B^k, no product
        add_block(r - 1, total)
        _add_scaled(total, coef[m], powers[k], scratch)
        start = r - 2
    else:
        add_block(r, total)
        start = r - 1
    for j in range(start, -1, -1):
        # total <- total B^k + P_j(B)
        total = add_block(j, total @ powers[k])
    return total


def _add_scaled(out, a, x, scratch):
    """out += a x in place, through ``scratch`` (same shape): NumPy's two passes instead
    of BLAS axpy's one, which would mean importing scipy.linalg (~0.14 s) for it."""
    np.multiply(x, a, out=scratch)
    out += scratch


def taylor(B, m):
    """T_m(B) = sum_{i=0..m} B^i / i! (PRODUCTS[m] matrix products)."""
    return polynomial(B, [1.0 / math.factorial(i) for i in range(m + 1)])


def shift(A):
    """(B, mu, ||B||_1): B = A - mu I with mu = trace(A) / n (the shift that minimises
    ||A - mu I||_F; Higham 2005, Sec. 2) where that lowers the 1-norm, else (A, 0, ||A||_1).
    exp(A) = e^mu exp(B). The rule commutes with scaling by powers of 2, bit for bit."""
    A = np.asarray(A, dtype=complex)
    n = A.shape[0]
    norm = float(np.linalg.norm(A, 1)) if A.size else 0.0
    if n == 0:
        return A, 0j, norm
    mu = complex(np.trace(A)) / n
    B = A - mu * np.eye(n)
    norm_b = float(np.linalg.norm(B, 1))
    if norm_b < norm:
        return np.ascontiguousarray(B), mu, norm_b
    return np.ascontiguousarray(A), 0j, norm


def expm_norm(A):
    """The 1-norm :func:`expm` plans with: that of the shifted matrix (:func:`shift`)."""
    return shift(A)[2]


def expm(A):
    """exp(A) for a square complex (or real) matrix.

    With (B, mu) = :func:`shift` (A) and (m, s) = :func:`plan` (||B||_1):
    exp(A) = (e^(mu / 2^s) T_m(B / 2^s))^(2^s), the scalar taken into the factor before
    squaring (no overflow of e^mu on the way). When :func:`ends_by_squaring` is true for
    :func:`expm_norm` (A), the result is exactly ``expm(A / 2) @ expm(A / 2)`` (the same
    operations on the same bits: B / 2^s and mu / 2^s do not depend on the split), so a
    caller that holds exp(A / 2) may square it instead.
    """
    B, mu, norm = shift(A)
    m, s = plan(norm)
    X = taylor(B / 2.0**s, m)
    if mu != 0:
        X *= np.exp(mu / 2.0**s)
    for _ in range(s):
        X = X @ X
    return X


# phi functions: Taylor series of phi_kmax on ||Y||_1 <= PHI_NORM
PHI_NORM = 1.0


def _phi_degree(k):
    """Degree m of the Taylor polynomial of phi_k(Y) = sum_j Y^j / (j + k)! on ||Y|| <= 1:
    the tail, < 2 ||Y||^(m+1) / (m + 1 + k)!, stays below 0.3 u / k! (u = 2^-53), while
    phi_k(Y) has spectral radius >= 0.28 / k! there (|phi_k(z)| >= 1/k! - sum_{j>=1}
    1/(j+k)! >= (3 - e)/k! for |z| <= 1, k >= 1; |e^z| >= 1/e): relative error ~u."""
    m = 0
    while 3.0 * math.factorial(k) / math.factorial(m + 1 + k) > 0.3 * 2.0**-53:
        m += 1
    return m


def phi_halvings(A, kmax, halvings=0):
    """phi_0, ..., phi_kmax of A / 2^i for i = 0..halvings (a list of lists, i first).

    phi_0(Z) = e^Z, phi_{k+1}(Z) = (phi_k(Z) - I / k!) Z^{-1}, phi_k(0) = I / k!
    (Hochbruck & Ostermann 2010, eq. 2.10), without eigenvectors and without
    cancellation for small ||A||:

    1. Y = A / 2^s with ||Y||_1 <= PHI_NORM (and s >= ``halvings``);
    2. phi_kmax(Y) by its Taylor series (Paterson-Stockmeyer, :func:`_phi_degree` terms),
       then phi_{k-1}(Y) = Y phi_k(Y) + I / (k - 1)! downwards (kmax products);
    3. s modified squarings (Skaflestad & Wright 2009, eq. 2.5), kmax + 1 products each:

           phi_k(2Y) = 2^-k [phi_0(Y) phi_k(Y) + sum_{j=1..k} phi_j(Y) / (k - j)!].

    The last ``halvings`` + 1 levels of step 3 are phi(A / 2^i): an exponential
    integrator with nodes c = 1/2 and 1 (ETDRK4) gets both for the price of one.
    """
    kmax = int(kmax)
    if kmax < 0:
        raise ValueError(f"kmax must be >= 0 (got {kmax})")
    A = np.asarray(A, dtype=complex)
    n = A.shape[0]
    norm = float(np.linalg.norm(A, 1)) if A.size else 0.0
    if not math.isfinite(norm):
        raise ValueError(f"phi functions of a matrix with non-finite entries (1-norm {norm})")
    s = 0
    while norm > PHI_NORM * 2.0**s:
        s += 1
    s = max(s, int(halvings))
    Y = A / 2.0**s
    m = _phi_degree(kmax)
    phis = [None] * (kmax + 1)
    phis[kmax] = polynomial(Y, [1.0 / math.factorial(j + kmax) for j in range(m + 1)])
    for k in range(kmax, 0, -1):
        # phi_{k-1}(Y) = Y phi_k(Y) + I / (k - 1)!
        below = Y @ phis[k]
        below[np.diag_indices(n)] += 1.0 / math.factorial(k - 1)
        phis[k - 1] = below
    levels = {s: phis}
    scratch = np.empty((n, n), dtype=complex)
    for level in range(s - 1, -1, -1):
        new = []
        for k in range(kmax + 1):
            # phi_k(2Y) = 2^-k [phi_0 phi_k + sum_{j=1..k} phi_j / (k - j)!]   (in place:
            # fresh N x N temporaries cost more than the additions themselves)
            acc = phis[0] @ phis[k]
            for j in range(1, k + 1):
                _add_scaled(acc, 1.0 / math.factorial(k - j), phis[j], scratch)
            if k:
                acc *= 2.0**-k
            new.append(acc)
        phis = new
        levels[level] = phis
    return [levels[i] for i in range(int(halvings) + 1)]
