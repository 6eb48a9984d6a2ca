"""`tapegrad.linalg`: PyTorch's `torch.linalg` namespace (inv, det, solve, norms, decompositions...).

The ops themselves live in ops/decomposition.py and ops/reduction.py; this module only names them.
"""
from .ops import decomposition as _decomposition

globals().update({name: getattr(_decomposition, name) for name in getattr(_decomposition, "LINALG", ())})
