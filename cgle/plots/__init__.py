"""Figures (matplotlib, Agg backend: nothing is shown on screen).

``trajectory``: a run file at a glance (``cgle plot``); ``stability``: spectrum and
pseudospectra (``cgle stability --plot``); ``regimes``: the figure of ``cgle analyze``;
``stability_map``: a sweep's growth rates over two parameters (``cgle sweep-plot``).
"""
