"""The layers of `tapegrad.nn`."""
from .module import Module  # noqa: F401
from .linear import Flatten, Identity, Linear  # noqa: F401
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh  # noqa: F401
from .container import ModuleDict, ModuleList, ParameterList, Sequential  # noqa: F401
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,  # noqa: F401
                   MSELoss, NLLLoss, SmoothL1Loss)
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from . import conv as _conv, dropout as _dropout, normalization as _normalization, pooling as _pooling, \
    sparse as _sparse

__all__ = ["Module", "Identity", "Flatten", "Linear", "ELU", "GELU", "LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid",
           "SiLU", "Softmax", "Softplus", "Tanh", "ModuleDict", "ModuleList", "ParameterList", "Sequential",
           "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss", "L1Loss", "MSELoss",
           "NLLLoss", "SmoothL1Loss"]
for _module in (_conv, _pooling, _normalization, _sparse, _dropout):
    __all__ += list(_module.__all__)
del _module
