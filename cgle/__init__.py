"""cgle: the complex Ginzburg-Landau equation with spectral collocation.

    q_t = -nu q_x + gamma q_xx + mu(x) q - beta |q|^2 q
"""

__version__ = "0.1.0"
