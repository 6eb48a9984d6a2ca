"""Linear (y = x W^T + b) and Identity."""
import math

from ... import _creation, ops
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def default_init(weight, bias, fan_in):
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=sqrt(5)) for the weight, the bias
    uniform in +-1/sqrt(fan_in) (left as it is when fan_in is 0)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None and fan_in > 0:
        bound = 1 / math.sqrt(fan_in)
        init.uniform_(bias, -bound, bound)


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one (by default all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Returns its input."""

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b, with PyTorch's default initialisation (uniform in +-1/sqrt(in_features)).

    Example:
        >>> layer = tapegrad.nn.Linear(3, 2)
        >>> layer(tapegrad.ones(4, 3)).shape
        torch.Size([4, 2])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_creation.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, dtype=dtype))
        else:
            self.bias = None
            self._parameters["bias"] = None
        self.reset_parameters()

    def reset_parameters(self):
        default_init(self.weight, self.bias, self.in_features)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
