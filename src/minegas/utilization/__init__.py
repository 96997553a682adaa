"""Utilization engineering: technology catalog, source profiles, blend design, recommendations and the regional
allocation optimiser (docs/utilization.md).

Pure calculation lives in :mod:`catalog`, :mod:`blending`, :mod:`profiles` (array/frame in, results out) and
:mod:`allocation`; :mod:`recommend` composes them (and calls :mod:`minegas.economics` for money).
"""
