"""Random tensors and seeds. One default Generator; `generator=` accepted as in PyTorch.

The streams are NumPy's (PCG64), so values differ from PyTorch's for the same seed: code that
seeds for reproducibility gets reproducibility, not PyTorch's exact numbers.
"""
from . import _backend as B
from . import _dtype as D
from ._creation import _finish
from ._tensor import _size_args

xp = B.xp


class Generator:
    """A source of random numbers: `Generator().manual_seed(0)`, passed as `generator=`."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721  # PyTorch's default seed
        self._rng = xp.random.Generator(xp.random.PCG64(self._seed))
        self.device = device

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = xp.random.Generator(xp.random.PCG64(self._seed))
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        return self.manual_seed(int(xp.random.SeedSequence().entropy % (2 ** 63)))._seed

    def get_state(self):
        from ._tensor import _make
        return _make(xp.frombuffer(repr(self._rng.bit_generator.state).encode(), dtype=xp.uint8).copy())

    def set_state(self, state):
        import ast
        self._rng.bit_generator.state = ast.literal_eval(bytes(state._data).decode())
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator; returns it (as PyTorch does)."""
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def _rng(generator):
    return (generator or default_generator)._rng


def _float_dtype(dtype):
    return D.to_np(dtype) if dtype is not None else D.get_default_dtype().np


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False, **ignored):
    """Uniform values in [0, 1)."""
    shape = _size_args(size)
    return _finish(_rng(generator).random(shape).astype(_float_dtype(dtype)), requires_grad, device)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False, **ignored):
    """Standard normal values.

    Example:
        >>> tapegrad.randn(5, 3, requires_grad=True).requires_grad
        True
    """
    shape = _size_args(size)
    return _finish(_rng(generator).standard_normal(shape).astype(_float_dtype(dtype)), requires_grad, device)


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, device=None,
            requires_grad=False):
    """Integers in [low, high) (int64 unless dtype says otherwise); randint(high, size) also works."""
    if size is None:
        low, high, size = 0, low, high
    np_dtype = D.to_np(dtype) if dtype is not None else xp.int64
    array = _rng(generator).integers(low, high, size=tuple(size)).astype(np_dtype)
    return _finish(array, requires_grad, device)


def rand_like(input, *, dtype=None, **kwargs):
    """Uniform values in [0, 1) with input's shape and dtype."""
    return rand(input.shape, dtype=dtype or input.dtype, **kwargs)


def randn_like(input, *, dtype=None, **kwargs):
    """Standard normal values with input's shape and dtype."""
    return randn(input.shape, dtype=dtype or input.dtype, **kwargs)


def randint_like(input, low, high=None, *, dtype=None, **kwargs):
    """Integers in [low, high) with input's shape and dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, **kwargs)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, **ignored):
    """A random permutation of 0..n-1."""
    np_dtype = D.to_np(dtype) if dtype is not None else xp.int64
    return _finish(_rng(generator).permutation(n).astype(np_dtype), requires_grad, device)


def normal(mean, std, size=None, *, generator=None, out=None, dtype=None, **ignored):
    """Normal values with the given mean and std (numbers, with `size`)."""
    shape = tuple(size) if size is not None else ()
    return _finish(_rng(generator).normal(mean, std, shape).astype(_float_dtype(dtype)), False)
