"""cgle.analysis.diagnostics against fields with known winding, zeros and autocorrelation, and the
2D correlation function against a direct O(N^2) sum of its definition."""

import math

import numpy as np
import pytest

from cgle.analysis import diagnostics


@pytest.mark.parametrize("m", [-7, -1, 0, 1, 3, 15])
def test_winding_number_of_plane_waves(m):
    x = 2 * np.pi * np.arange(64) / 64
    q = 0.8 * np.exp(1j * m * x + 0.3j)
    assert diagnostics.winding_number(q) == m
    assert diagnostics.mean_abs2(q) == pytest.approx(0.64, rel=1e-14)
    assert diagnostics.defects_1d(q).size == 0


def test_1d_defects_are_deep_amplitude_minima():
    n, length = 256, 100.0
    x = length * np.arange(n) / n
    carrier = np.exp(2j * np.pi * 4 * x / length)
    dips = [(20.0, 0.97), (55.0, 0.5), (80.0, 0.99)]  # (position, relative depth)
    envelope = np.ones(n)
    for x0, depth in dips:
        envelope *= 1 - depth * np.exp(-((x - x0) / 2.0) ** 2)
    found = diagnostics.defects_1d(envelope * carrier, threshold=0.2)
    # the depth-0.5 dip is above 0.2 * rms; the other two are defects
    np.testing.assert_allclose(x[found], [20.0, 80.0], atol=length / n)


def _zero_lattice(n, length, shift):
    """sin(2 pi X / L) + i sin(2 pi Y / L) with X = x - shift: zeros (shift + {0, L/2}, {0, L/2})
    of charges +1 at (0, 0), (L/2, L/2) and -1 at (L/2, 0), (0, L/2) (signs of the Jacobian)."""
    x = length * np.arange(n) / n
    X, Y = np.meshgrid(x - shift, x - shift, indexing="ij")
    return np.sin(2 * np.pi * X / length) + 1j * np.sin(2 * np.pi * Y / length)


@pytest.mark.parametrize("shift_cells", [0.5, 0.0])
def test_plaquette_charges_of_a_zero_lattice(shift_cells):
    # shift 0.5: zeros inside plaquettes; shift 0: zeros exactly on nodes (ring rule)
    n, length = 32, 10.0
    dx = length / n
    q = _zero_lattice(n, length, shift_cells * dx)
    positions, charges = diagnostics.defects_2d(q)
    # either way the defect is given to the plaquette whose lower-left corner is node 0
    found = {(int(p[0] - 0.5), int(p[1] - 0.5)): int(c) for p, c in zip(positions, charges)}
    assert found == {(0, 0): 1, (n // 2, n // 2): 1, (n // 2, 0): -1, (0, n // 2): -1}
    stats = diagnostics.frame_diagnostics(q, [dx, dx])
    assert (stats["defects"], stats["positive"], stats["negative"], stats["winding"]) == (4, 2, 2, 0)


def test_charge_of_conjugate_and_squared_vortex():
    n = 24
    x = np.arange(n) - n / 2 + 0.5
    X, Y = np.meshgrid(x, x, indexing="ij")
    z = (X + 1j * Y) * np.exp(-(X**2 + Y**2) / 8.0)
    # the Gaussian puts the edges below the floor (undefined phase, charge 0): a periodic
    # field that is nonzero everywhere would have total charge 0 on the torus
    assert diagnostics.plaquette_charges(z, floor=1e-3).sum() == 1
    assert diagnostics.plaquette_charges(np.conj(z), floor=1e-3).sum() == -1
    # z^2 has a double zero at a plaquette centre: phase steps of exactly pi around that
    # plaquette, so the grid may split it between neighbours, but the total is 2, all positive
    charges = diagnostics.plaquette_charges((X + 1j * Y) ** 2 * np.exp(-(X**2 + Y**2) / 8.0), floor=1e-3)
    assert charges.sum() == 2 and charges.min() == 0


@pytest.mark.parametrize("m", [1, 3])
def test_correlation_length_of_a_standing_wave(m):
    # A = cos(k x): C(r) = cos(k r), |C| = 1/e at r = arccos(1/e) / k
    n, length = 2048, 50.0
    x = length * np.arange(n) / n
    k = 2 * np.pi * m / length
    q = np.cos(k * x).astype(complex)
    expected = math.acos(math.exp(-1)) / k
    assert diagnostics.correlation_length(q, length / n) == pytest.approx(expected, rel=1e-4)
    # a travelling wave has |C| = 1: perfect order
    assert diagnostics.correlation_length(np.exp(1j * k * x), length / n) == math.inf


def test_autocorrelation_2d_matches_direct_sum(rng):
    nx, ny = 9, 12
    q = rng.standard_normal((nx, ny)) + 1j * rng.standard_normal((nx, ny))
    direct = np.zeros((nx, ny), dtype=complex)
    for rx in range(nx):
        for ry in range(ny):
            # sum_x conj(A(x)) A(x + r), periodic
            direct[rx, ry] = np.sum(np.conj(q) * np.roll(q, (-rx, -ry), axis=(0, 1)))
    np.testing.assert_allclose(diagnostics.autocorrelation(q), np.abs(direct) / direct[0, 0].real, atol=1e-12)


def test_correlation_length_2d_of_a_gaussian_correlated_field(rng):
    # |C(r)| of a field with spectrum ~ exp(-k^2 s^2 / 2) is exp(-r^2 / (2 s^2)) (Wiener-Khinchin,
    # in expectation): |C| = 1/e at r = sqrt(2) s. One large sample is within a few percent.
    n, length, s = 256, 200.0, 3.0
    k = 2 * np.pi * np.fft.fftfreq(n, d=length / n)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    noise = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    q = np.fft.ifft2(np.fft.fft2(noise) * np.exp(-k2 * s * s / 4))
    assert diagnostics.correlation_length(q, [length / n, length / n]) == pytest.approx(math.sqrt(2) * s, rel=0.05)


def test_phase_gradient_rms_is_the_local_wave_number():
    n, length = 128, 40.0
    x = length * np.arange(n) / n
    k = 2 * np.pi * 3 / length
    assert diagnostics.phase_gradient_rms(np.exp(1j * k * x), length / n) == pytest.approx(k, rel=1e-12)
    # phase modulation phi = eps sin(q x): local wave number eps q cos(q x), rms eps q / sqrt(2)
    qm, eps = 2 * np.pi * 2 / length, 0.3
    rms = diagnostics.phase_gradient_rms(np.exp(1j * eps * np.sin(qm * x)), length / n)
    assert rms == pytest.approx(eps * qm / math.sqrt(2), rel=2e-3)
