"""Spectral differentiation matrices: build time, accuracy and convergence vs N.

Run from the repository root:

    python benchmarks/spectral.py [--out benchmarks/out] [--repeat 3]

Prints, for each DMSuite family (Hermite, Chebyshev, cheb4c, Fourier, Laguerre,
sinc), the time to build the matrices and the max error of the first derivative of
a smooth test function, writes the spectral-convergence plot (error vs N) as
``<out>/spectral_convergence.png``, and times ``herdif`` against a direct NumPy
transcription of DMSuite's published herdif/poldif (products of node differences)
at N = 220, 1000, 2000; the transcription overflows (NaN/inf) beyond N ~ 260.
Timings are wall-clock, best of ``--repeat``; no assertions (tests live in tests/).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from cgle.spectral.chebyshev import cheb4c, chebdif, chebyshev_points, clenshaw_curtis_weights
from cgle.spectral.fourier import fourdif, fourier_grid, fourier_weights
from cgle.spectral.hermite import herdif, hermite_weights, herroots
from cgle.spectral.laguerre import lagdif, laguerre_weights
from cgle.spectral.sinc import sinc_weights, sincdif

# the one NumPy transcription of DMSuite's herroots/herdif/poldif, shared with the tests
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "spectral"))
from dmsuite_reference import dmsuite_herdif  # noqa: E402


def best_time(fn, repeat):
    """Best wall time of ``repeat`` calls and the last result."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


# --------------------------------------------------------------------- families
# each: (label, Ns, build(N) -> (x, D), f(x), exact derivative(x), quadrature(N) -> (x, w), integral)


def _hermite(N):
    x, DM = herdif(N, 1, 1.0)
    return x, DM[0]


def _chebyshev(N):
    x, DM = chebdif(N, 1)
    return x, DM[0]


def _laguerre(N):
    x, DM = lagdif(N, 1, 1.0)
    return x, DM[0]


def _sinc(N):
    x, DM = sincdif(N, 1, np.sqrt(np.pi / N))
    return x, DM[0]


def _clamped(x):
    return (1 - x**2) ** 2 * np.exp(1.5 * x)


def _clamped_d4(x):
    # (p e^{ax})'''' = sum_k C(4,k) p^(k) a^(4-k) e^{ax},  p = (1 - x^2)^2
    a = 1.5
    p = [1 - 2 * x**2 + x**4, -4 * x + 4 * x**3, -4 + 12 * x**2, 24 * x, 24 + 0 * x]
    binom = [1, 4, 6, 4, 1]
    return sum(binom[k] * p[k] * a ** (4 - k) for k in range(5)) * np.exp(a * x)


FAMILIES = [
    ("hermite (herdif)", [8, 16, 24, 32, 48, 64, 96, 128], _hermite,
     lambda x: np.exp(-(x**2)) * np.cos(x),
     lambda x: -np.exp(-(x**2)) * (2 * x * np.cos(x) + np.sin(x)),
     lambda N: (herroots(N), hermite_weights(N)), np.sqrt(np.pi) * np.exp(-0.25)),
    ("chebyshev (chebdif)", [6, 10, 14, 18, 22, 26, 30, 40], _chebyshev,
     lambda x: np.exp(x) * np.sin(5 * x),
     lambda x: np.exp(x) * (np.sin(5 * x) + 5 * np.cos(5 * x)),
     lambda N: (chebyshev_points(N), clenshaw_curtis_weights(N)),
     # integral_{-1}^{1} e^x sin 5x dx = [e^x (sin 5x - 5 cos 5x)/26]_{-1}^{1}
     (np.e * (np.sin(5) - 5 * np.cos(5)) - np.exp(-1) * (-np.sin(5) - 5 * np.cos(5))) / 26),
    ("cheb4c (4th deriv)", [8, 12, 16, 20, 24, 28, 32], lambda N: cheb4c(N),
     _clamped, _clamped_d4, None, None),
    ("fourier (fourdif)", [8, 12, 16, 20, 24, 32, 40, 48], lambda N: fourdif(N, 1),
     lambda x: np.exp(np.sin(x)), lambda x: np.cos(x) * np.exp(np.sin(x)),
     lambda N: (fourier_grid(N), fourier_weights(N)),
     # integral_0^{2 pi} e^{sin x} dx = 2 pi I_0(1)
     2 * np.pi * 1.2660658777520082),
    ("laguerre (lagdif)", [8, 16, 24, 32, 48, 64, 96], _laguerre,
     lambda x: np.exp(-x) * np.cos(x), lambda x: -np.exp(-x) * (np.cos(x) + np.sin(x)),
     lambda N: (lagdif(N, 1, 1.0)[0], laguerre_weights(N)), 0.5),
    ("sinc (sincdif)", [8, 12, 16, 20, 24, 32, 40, 48], _sinc,
     lambda x: np.exp(-(x**2)), lambda x: -2 * x * np.exp(-(x**2)),
     lambda N: (sincdif(N, 1, np.sqrt(np.pi / N))[0], sinc_weights(N, np.sqrt(np.pi / N))),
     np.sqrt(np.pi)),
]


def convergence_tables(repeat):
    """Print build time and derivative / quadrature error vs N; return curves for the plot."""
    curves = {}
    for label, Ns, build, f, df, quad, integral in FAMILIES:
        print(f"\n{label}: test function derivative error and quadrature error")
        print(f"{'N':>6} {'build [ms]':>11} {'rel err of Df':>16} {'quad err':>10}")
        errs = []
        for N in Ns:
            seconds, (x, D) = best_time(lambda: build(N), repeat)
            err = np.abs(D @ f(x) - df(x)).max() / np.abs(df(x)).max()
            errs.append(err)
            qerr = ""
            if quad is not None:
                xq, w = quad(N)
                qerr = f"{abs(w @ f(xq) - integral):10.2e}"
            print(f"{N:6d} {1e3 * seconds:11.3f} {err:16.2e} {qerr}")
        curves[label] = (np.array(Ns), np.array(errs))
    return curves


def plot_convergence(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, (Ns, errs) in curves.items():
        ax.semilogy(Ns, np.maximum(errs, 1e-17), "o-", label=label, ms=4)
    ax.set_xlabel("N")
    ax.set_ylabel("relative max error of the derivative")
    ax.set_title("Spectral convergence (smooth test functions)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _psi_derivative_error(x, D1, n=10):
    """Max error of D1 on the Hermite function psi_n (closed form, moderate n only)."""
    from scipy.special import eval_hermite, factorial

    def psi(k):
        return eval_hermite(k, x) * np.exp(-(x**2) / 2) / np.sqrt(2.0**k * factorial(k) * np.sqrt(np.pi))

    exact = np.sqrt(n / 2) * psi(n - 1) - np.sqrt((n + 1) / 2) * psi(n + 1)
    return np.abs(D1 @ psi(n) - exact).max()


def herdif_vs_dmsuite(repeat):
    print("\nherdif (M = 2) vs DMSuite transcription: build time and error on psi_10'")
    print(f"{'N':>6} {'herdif [s]':>11} {'err':>9} {'DMSuite [s]':>12} {'DMSuite result':>24}")
    for N in (220, 1000, 2000):
        t_new, (x, DM) = best_time(lambda: herdif(N, 2, 1.0), repeat)
        with np.errstate(all="ignore"):
            err = _psi_derivative_error(x, DM[0])
            t_old, (x_old, DM_old) = best_time(lambda: dmsuite_herdif(N, 2, 1.0), repeat)
            finite = np.all(np.isfinite(DM_old))
            if finite:
                status = f"finite, err {_psi_derivative_error(x_old, DM_old[0]):.1e}"
            else:
                status = f"NaN/inf in {np.mean(~np.isfinite(DM_old)) * 100:.0f}% of entries"
        print(f"{N:6d} {t_new:11.3f} {err:9.1e} {t_old:12.3f} {status:>24}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out",
                        help="folder for the PNG (default: benchmarks/out)")
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats (best is reported)")
    args = parser.parse_args(argv)
    curves = convergence_tables(args.repeat)
    png = args.out / "spectral_convergence.png"
    plot_convergence(curves, png)
    print(f"\nconvergence plot written to {png}")
    herdif_vs_dmsuite(args.repeat)


if __name__ == "__main__":
    main()
