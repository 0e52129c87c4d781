"""The paper's router grid: the 4 x 4 (tau, omega) configurations its PoA-hat invariance figure sweeps.

Both ``paper/`` (reproducing the figure) and ``planning/`` (searching the router's knobs) use it, and
neither may import the other, so it lives here, below both.
"""
TAUS = (0.0, 0.25, 0.5, 0.8)
OMEGAS = (0.1, 0.4, 0.7, 1.0)
