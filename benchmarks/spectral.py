"""Spectral differentiation matrices: build time, accuracy and convergence vs N.

Run from the repository root:

    python benchmarks/spectral.py [--out benchmarks/out] [--repeat 3]

Prints, for each DMSuite family (Hermite, Chebyshev, cheb4c, Fourier, Laguerre,
sinc), the time to build the matrices and the max error of the first derivative of
a smooth test function, writes the spectral-convergence plot (error vs N) as
``<out>/spectral_convergence.png``, and times ``herdif`` against a direct NumPy
transcription of DMSuite's published herdif/poldif (products of node differences)
at N = 64 ... 2000; the transcription overflows (NaN/inf) from N ~ 260, and is timed
there anyway.  The herdif table is the median of ``--repeat`` (>= 5) interleaved
calls of both, in one run, BLAS limited to one thread, with the load average printed;
numba's compile time (empty cache) and cache-load time (fresh process) are measured
in subprocesses and reported separately.  No assertions (tests live in tests/).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

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


_COMPILE_PROBE = r"""
import time
t0 = time.perf_counter()
from cgle.spectral import herdif
t1 = time.perf_counter()
herdif(16, 2, 1.0)
t2 = time.perf_counter()
herdif(16, 2, 1.0)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def numba_times():
    """(import, first call, later call) seconds in a fresh process: empty cache, then warm."""
    out = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for _ in range(2):
            run = subprocess.run([sys.executable, "-c", _COMPILE_PROBE], capture_output=True, text=True,
                                 check=True, env=env)
            out.append([float(v) for v in run.stdout.split()])
    return out


def interleaved_medians(fns, repeat):
    """Median wall time of each function over ``repeat`` interleaved rounds, and the last results."""
    times = [[] for _ in fns]
    results = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            results[i] = fn()
            times[i].append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times], results


def herdif_vs_dmsuite(repeat):
    repeat = max(repeat, 5)
    (imp_c, cold, later_c), (imp_w, warm, later_w) = numba_times()
    print("\nnumba kernels of herdif (cgle.spectral.kernels), fresh processes, N = 16:")
    print(f"  import cgle.spectral:             {imp_c:8.3f} s (empty cache), {imp_w:.3f} s (warm)")
    print(f"  first call, empty cache (compile): {cold:8.3f} s")
    print(f"  first call, warm on-disk cache:    {warm:8.3f} s")
    print(f"  later calls:                       {later_w * 1e3:8.3f} ms")
    herdif(16, 2, 1.0)  # kernels loaded before timing
    print(f"\nherdif (M = 2) vs DMSuite transcription: median of {repeat} interleaved calls, "
          f"BLAS threads 1, load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"{'N':>6} {'herdif [ms]':>12} {'DMSuite [ms]':>13} {'herdif/DMSuite':>15} {'err psi_10':>11} "
          f"{'DMSuite result':>26}")
    with threadpool_limits(1):
        for N in (64, 128, 200, 260, 500, 1000, 2000):
            with np.errstate(all="ignore"):
                (t_new, t_old), ((x, DM), (x_old, DM_old)) = interleaved_medians(
                    [lambda: herdif(N, 2, 1.0), lambda: dmsuite_herdif(N, 2, 1.0)], repeat)
                err = _psi_derivative_error(x, DM[0])
                if np.all(np.isfinite(DM_old)):
                    status = f"finite, err {_psi_derivative_error(x_old, DM_old[0]):.1e}"
                else:
                    status = f"NaN/inf in {np.mean(~np.isfinite(DM_old)) * 100:.0f}% of entries"
            print(f"{N:6d} {t_new * 1e3:12.3f} {t_old * 1e3:13.3f} {t_new / t_old:15.2f} {err:11.1e} {status:>26}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out",
                        help="folder for the PNG (default: benchmarks/out)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timing repeats (convergence tables: best; herdif vs DMSuite: median, >= 5)")
    args = parser.parse_args(argv)
    curves = convergence_tables(args.repeat)
    png = args.out / "spectral_convergence.png"
    plot_convergence(curves, png)
    print(f"\nconvergence plot written to {png}")
    herdif_vs_dmsuite(args.repeat)


if __name__ == "__main__":
    main()
