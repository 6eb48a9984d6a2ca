"""Activation modules: thin wrappers over the functions of the same name."""
from ... import ops
from .module import Module


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return ops.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, input):
        return ops.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, input):
        return ops.tanh(input)


class _Functional(Module):
    """A module that calls one `nn.functional` function with the arguments it was built with."""

    _function = None
    _arguments = ()

    def __init__(self, *args, **kwargs):
        super().__init__()
        names = self._arguments
        values = dict(zip(names, args))
        values.update(kwargs)
        for name, default in self._defaults.items():
            setattr(self, name, values.get(name, default))

    def forward(self, input):
        from .. import functional as F
        return getattr(F, self._function)(input, **{name: getattr(self, name) for name in self._defaults
                                                    if name != "inplace" or self._passes_inplace})

    _passes_inplace = False

    def extra_repr(self):
        return ", ".join(f"{name}={getattr(self, name)}" for name in self._defaults
                         if name != "inplace" or getattr(self, name))


def _module(name, function, defaults, doc, passes_inplace=False, repr_names=None):
    cls = type(name, (_Functional,), {"_function": function, "_arguments": tuple(defaults),
                                      "_defaults": dict(defaults), "__doc__": doc,
                                      "_passes_inplace": passes_inplace})
    if repr_names is not None:
        cls.extra_repr = repr_names
    return cls


LeakyReLU = _module("LeakyReLU", "leaky_relu", {"negative_slope": 0.01, "inplace": False},
                    "max(0, x) + negative_slope * min(0, x).")
GELU = _module("GELU", "gelu", {"approximate": "none"}, "x * Phi(x) (exact, or the tanh approximation).",
               repr_names=lambda self: f"approximate='{self.approximate}'")
SiLU = _module("SiLU", "silu", {"inplace": False}, "x * sigmoid(x).")
ELU = _module("ELU", "elu", {"alpha": 1.0, "inplace": False}, "x if x > 0 else alpha (e^x - 1).")
Softplus = _module("Softplus", "softplus", {"beta": 1.0, "threshold": 20.0}, "log(1 + e^(beta x)) / beta.")
Softmax = _module("Softmax", "softmax", {"dim": None}, "Softmax over `dim`.",
                  repr_names=lambda self: f"dim={self.dim}")
LogSoftmax = _module("LogSoftmax", "log_softmax", {"dim": None}, "Log-softmax over `dim`.",
                     repr_names=lambda self: f"dim={self.dim}")
