"""The forum problem as a plain NumPy/SciPy script: the baseline of benchmarks/startup.py.

What a user would write without cgle: DMSuite's herdif (Weideman & Reddy 2000) for
N = 220 Hermite nodes, L = gamma D2 - nu D1 + diag(mu), Strang splitting with
scipy.linalg.expm and the exact cubic flow, dt = 1 to t = 200, every frame kept and
saved with numpy.save. Same computation as ``cgle run configs/forum_hermite.yaml``.

    python benchmarks/forum_plain.py OUT.npy
"""

import sys

import numpy as np
import scipy.linalg

N, dt, steps = 220, 1.0, 200
nu, gamma, beta, q0 = 2 + 0.2j, 1 - 1j, 1.0, 1e4
b = np.real((4 * 0.005 / gamma) ** 0.25)
# Hermite roots (eigenvalues of the Jacobi matrix) and weighted polynomial differentiation
x = np.linalg.eigvalsh(np.diag(np.sqrt(np.arange(1, N) / 2), 1) + np.diag(np.sqrt(np.arange(1, N) / 2), -1))
alpha = np.exp(-x**2 / 2)
beta_w = np.array([-x, x**2 - 1])  # alpha' / alpha, alpha'' / alpha
DX = x[:, None] - x[None, :] + np.eye(N)
c = alpha * np.prod(DX, axis=1)
C = c[:, None] / c[None, :]
Z = 1 / DX - np.eye(N)
X = Z[~np.eye(N, dtype=bool)].reshape(N, N - 1).T  # column j: 1 / (x_j - x_k), k != j
Y, D, DM = np.ones((N - 1, N)), np.eye(N), []
for ell in (1, 2):
    Y = np.cumsum(np.vstack([beta_w[ell - 1], ell * Y[: N - 1] * X]), axis=0)
    D = ell * Z * (C * np.diag(D)[:, None] - D)
    D[np.eye(N, dtype=bool)] = Y[N - 1]
    DM.append(D * b**ell)
x = x / b
L = gamma * DM[1] - nu * DM[0] + np.diag(0.34 - 0.005 * x**2)
E = scipy.linalg.expm(dt * L)


def cubic(q, t):
    """Exact flow of q' = -beta |q|^2 q over time t (Re beta > 0)."""
    return q * (1 + 2 * beta * np.abs(q) ** 2 * t) ** (-beta / (2 * beta))


q = np.full(N, q0, dtype=complex)
frames = [q]
for _ in range(steps):
    q = cubic(E @ cubic(q, dt / 2), dt / 2)
    frames.append(q)
np.save(sys.argv[1], np.array(frames))
