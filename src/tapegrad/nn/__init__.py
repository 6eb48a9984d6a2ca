"""Neural-network building blocks, as `torch.nn`: Module, Parameter, layers, functional, init."""
from .parameter import Parameter  # noqa: F401
from .modules import Flatten, Identity, Linear, Module, MSELoss, ReLU, Sequential, Sigmoid, Tanh  # noqa: F401
from . import functional, init  # noqa: F401
