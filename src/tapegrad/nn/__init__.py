"""Neural-network building blocks, as `torch.nn`: Module, Parameter, layers, functional, init."""
from .parameter import Parameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from . import functional, init  # noqa: F401
