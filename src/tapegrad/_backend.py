"""The array backend: the only module that imports NumPy.

Everything above it (dtypes, Tensor, ops, engine) reaches arrays through `xp`, so that a CuPy
backend can later replace this module without touching ops or engine.
"""
import numpy as xp

ndarray = xp.ndarray
generic = xp.generic


def asarray(value, dtype=None):
    """Return `value` as a backend array (no copy when it already is one of that dtype)."""
    return xp.asarray(value, dtype=dtype)


def as_array(value):
    """Turn a NumPy scalar result (what NumPy returns for 0-d reductions) into a 0-d array."""
    return value if type(value) is ndarray else xp.asarray(value)
