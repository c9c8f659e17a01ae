"""Runge-Kutta order conditions from rooted trees, for self-checking coefficient tables.

A (partitioned / additive) Runge-Kutta method with tables A^(c), b^(c) for each colour
c (e.g. "E" explicit and "I" implicit) has order p iff for every rooted tree t with
|t| <= p nodes, each node coloured,

    Phi(t) = b^(col(root)) . u(t) = 1 / gamma(t),
    u(t)_i = prod_{children s of the root} (A^(col(s)) u(s))_i,   u(single node) = 1,

with gamma the tree density, gamma(t) = |t| prod_s gamma(s) (Butcher 2016, Numerical
Methods for ODEs, Thm. 315A; Kennedy & Carpenter 2003, Sec. 3 for additive methods:
each node carries the colour of the part it differentiates).
"""

import math

import numpy as np


def _grow(tree, colour):
    """Every tree obtained from ``tree`` by attaching one leaf of ``colour``."""
    root, children = tree
    yield (root, tuple(sorted(children + ((colour, ()),))))
    for i, child in enumerate(children):
        for grown in _grow(child, colour):
            yield (root, tuple(sorted(children[:i] + (grown,) + children[i + 1:])))


def rooted_trees(order, colours):
    """All coloured rooted trees with 1..``order`` nodes, as nested (colour, children)."""
    level = {(c, ()) for c in colours}
    trees = sorted(level)
    for _ in range(order - 1):
        level = {grown for tree in level for c in colours for grown in _grow(tree, c)}
        trees += sorted(level)
    return trees


def size(tree):
    return 1 + sum(size(child) for child in tree[1])


def density(tree):
    return size(tree) * math.prod(density(child) for child in tree[1])


def _u(tree, A):
    s = next(iter(A.values())).shape[0]
    u = np.ones(s)
    for child in tree[1]:
        u = u * (A[child[0]] @ _u(child, A))
    return u


def order_defects(A, b, order):
    """[(tree, Phi(t) - 1/gamma(t))] for all trees up to ``order``.

    Parameters
    ----------
    A, b : dict colour -> ndarray
        Stage matrices (s, s) and weights (s,) of each part.
    order : int
    """
    colours = sorted(A)
    return [(t, float(b[t[0]] @ _u(t, A)) - 1.0 / density(t)) for t in rooted_trees(order, colours)]


def check_order(name, A, b, order, label="", tol=1e-11):
    """Raise ValueError naming the first violated condition."""
    for tree, defect in order_defects(A, b, order):
        if abs(defect) > tol:
            raise ValueError(f"{name}: {label}weights fail the order-{size(tree)} condition for tree {tree} "
                             f"(defect {defect:.3g})")
