"""The layers of `tapegrad.nn`."""
from .module import Module  # noqa: F401
from .linear import Flatten, Identity, Linear  # noqa: F401
from .activation import ReLU, Sigmoid, Tanh  # noqa: F401
from .container import Sequential  # noqa: F401
from .loss import MSELoss  # noqa: F401
