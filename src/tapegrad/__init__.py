"""tapegrad: define-by-run reverse-mode autograd on NumPy, with PyTorch's API.

    import tapegrad as torch
    x = torch.tensor(3.0, requires_grad=True)
    (x ** 2).backward()
    print(x.grad)            # tensor(6.)

This module only re-exports PyTorch's public names; the work is in `_tensor`, `ops` and `autograd`.
"""
from ._dtype import (bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64,  # noqa: F401
                     complex64, complex128, dtype, get_default_dtype, set_default_dtype)
from ._dtype import ALIASES as _ALIASES
from ._tensor import Tensor, Size, device  # noqa: F401
from ._printing import set_printoptions, get_printoptions, printoptions  # noqa: F401
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                                 is_grad_enabled, is_inference_mode_enabled)
from ._creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, zeros_like,  # noqa: F401
                        ones_like, empty_like, full_like, arange, linspace, eye)
from ._random import (Generator, manual_seed, seed, initial_seed, default_generator, rand, randn,  # noqa: F401
                      randint, rand_like, randn_like, randint_like, randperm, normal)
from .ops import *  # noqa: F401,F403  (the names listed in each ops module's PUBLIC table)
from . import autograd  # noqa: F401
from . import nn  # noqa: F401
from . import linalg  # noqa: F401
from . import optim  # noqa: F401
from . import utils  # noqa: F401
from .autograd import forward_ad as _forward_ad  # noqa: F401  (late: it needs Tensor; makes autograd.forward_ad work)
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled  # noqa: F401
from . import _legacy
from ._legacy import FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor, ByteTensor  # noqa: F401
from ._legacy import cuda, is_tensor, numel, multiply, subtract, divide, true_divide, negative  # noqa: F401
from ._legacy import greater, less, equal, set_default_device, get_default_device  # noqa: F401

float = _ALIASES["float"]
double = _ALIASES["double"]
half = _ALIASES["half"]
long = _ALIASES["long"]
int = _ALIASES["int"]
short = _ALIASES["short"]
cfloat = _ALIASES["cfloat"]
cdouble = _ALIASES["cdouble"]
_legacy  # noqa: B018

__version__ = "0.1.0"
