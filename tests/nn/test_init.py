"""nn.init (nn/init.py): in-place fills that keep dtype, record no graph and respect their bounds.

Tests that take `lib` also run on real PyTorch, which checks the expectations themselves. The
random fills use 20,000 draws, so the statistical checks below (an interval nearly covered, a
mean within a few standard errors) fail by chance with probability far below 1e-9.
"""
import math

import numpy as np
import pytest

import tapegrad
from checks import requires_torch, torch_or_none

TORCH = torch_or_none()




INITS = {
    "uniform_": lambda init, t: init.uniform_(t, -2.0, 3.0),
    "normal_": lambda init, t: init.normal_(t, 5.0, 0.5),
    "constant_": lambda init, t: init.constant_(t, 0.25),
    "zeros_": lambda init, t: init.zeros_(t),
    "ones_": lambda init, t: init.ones_(t),
    "kaiming_uniform_": lambda init, t: init.kaiming_uniform_(t),
    "kaiming_normal_": lambda init, t: init.kaiming_normal_(t),
    "xavier_uniform_": lambda init, t: init.xavier_uniform_(t),
    "xavier_normal_": lambda init, t: init.xavier_normal_(t),
}


def values(t):
    return t.detach().numpy().astype(np.float64)


# ---- in place, dtype kept, no graph ---------------------------------------------------------------

@pytest.mark.parametrize("name", list(INITS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fills_in_place_and_keeps_dtype(lib, name, dtype):
    t = lib.full((40, 30), 7.0, dtype=getattr(lib, dtype))
    before = t.numpy()  # a view of the storage in both libraries
    out = INITS[name](lib.nn.init, t)
    assert out is t
    assert t.dtype == getattr(lib, dtype)
    assert tuple(t.shape) == (40, 30)
    assert not (values(t) == 7.0).all()
    assert np.array_equal(before, t.numpy())  # the same storage was written


@pytest.mark.parametrize("name", list(INITS))
def test_parameter_stays_a_leaf(lib, name):
    p = lib.nn.Parameter(lib.empty(20, 10))
    assert lib.is_grad_enabled()
    INITS[name](lib.nn.init, p)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert isinstance(p, lib.nn.Parameter)
    (p * 2).sum().backward()
    assert (p.grad.numpy() == 2).all()


@pytest.mark.parametrize("name", list(INITS))
def test_bumps_the_version_counter(lib, name):
    p = lib.nn.Parameter(lib.empty(20, 10))
    before = p._version
    INITS[name](lib.nn.init, p)
    assert p._version > before


@pytest.mark.parametrize("name", list(INITS))
def test_fill_of_a_saved_tensor_is_detected_at_backward(lib, name):
    p = lib.nn.Parameter(lib.ones(20, 10))
    y = (p * p).sum()  # saves p
    INITS[name](lib.nn.init, p)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# ---- bounds ---------------------------------------------------------------------------------------

def test_uniform_bounds(lib):
    t = lib.nn.init.uniform_(lib.empty(200, 100), -2.0, 3.0)
    v = values(t)
    assert v.min() >= -2.0 and v.max() < 3.0
    assert v.min() < -1.95 and v.max() > 2.95
    assert abs(v.mean() - 0.5) < 0.05  # standard error 5 / sqrt(12 * 20000) ~ 0.01


def test_uniform_default_is_unit_interval(lib):
    v = values(lib.nn.init.uniform_(lib.empty(200, 100)))
    assert v.min() >= 0.0 and v.max() < 1.0 and v.max() > 0.99


def test_normal_moments(lib):
    v = values(lib.nn.init.normal_(lib.empty(200, 100), mean=5.0, std=0.5))
    assert abs(v.mean() - 5.0) < 0.02  # standard error 0.5 / sqrt(20000) ~ 0.0035
    assert abs(v.std() - 0.5) < 0.02


@pytest.mark.parametrize("init, value", [("zeros_", 0.0), ("ones_", 1.0)])
def test_zeros_ones(lib, init, value):
    t = getattr(lib.nn.init, init)(lib.full((3, 4), 7.0))
    assert (values(t) == value).all()


def test_constant(lib):
    t = lib.nn.init.constant_(lib.empty(3, 4, dtype=lib.float64), -1.5)
    assert (values(t) == -1.5).all()


@pytest.mark.parametrize("shape, fan_in, fan_out", [((200, 100), 100, 200), ((16, 8, 5, 5), 200, 400)])
@pytest.mark.parametrize("kwargs, gain", [({}, math.sqrt(2.0)),
                                          ({"a": math.sqrt(5)}, math.sqrt(2.0 / 6)),
                                          ({"nonlinearity": "relu"}, math.sqrt(2.0)),
                                          ({"nonlinearity": "tanh"}, 5.0 / 3)])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_uniform_bounds(lib, shape, fan_in, fan_out, kwargs, gain, mode):
    fan = fan_in if mode == "fan_in" else fan_out
    bound = gain * math.sqrt(3.0 / fan)
    v = values(lib.nn.init.kaiming_uniform_(lib.empty(*shape), mode=mode, **kwargs))
    assert np.abs(v).max() <= bound * (1 + 1e-6)
    assert np.abs(v).max() > 0.95 * bound


@pytest.mark.parametrize("shape, fan_in, fan_out", [((200, 100), 100, 200), ((16, 8, 5, 5), 200, 400)])
def test_kaiming_normal_std(lib, shape, fan_in, fan_out):
    v = values(lib.nn.init.kaiming_normal_(lib.empty(*shape)))
    std = math.sqrt(2.0) / math.sqrt(fan_in)
    assert abs(v.std() / std - 1) < 0.05
    assert abs(v.mean()) < 0.05 * std


@pytest.mark.parametrize("shape, fan_in, fan_out", [((200, 100), 100, 200), ((16, 8, 5, 5), 200, 400)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier_uniform_bounds(lib, shape, fan_in, fan_out, gain):
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    v = values(lib.nn.init.xavier_uniform_(lib.empty(*shape), gain=gain))
    assert np.abs(v).max() <= bound * (1 + 1e-6)
    assert np.abs(v).max() > 0.95 * bound
    assert (v < 0).any() and (v > 0).any()


def test_xavier_normal_std(lib):
    v = values(lib.nn.init.xavier_normal_(lib.empty(200, 100), gain=2.0))
    std = 2.0 * math.sqrt(2.0 / 300)
    assert abs(v.std() / std - 1) < 0.05


@pytest.mark.parametrize("init", ["kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_"])
def test_fans_need_two_dimensions(lib, init):
    with pytest.raises(ValueError) as err:
        getattr(lib.nn.init, init)(lib.empty(5))
    assert str(err.value) == "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"


# ---- randomness -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["uniform_", "normal_", "kaiming_uniform_", "xavier_uniform_"])
def test_reproducible_with_manual_seed(lib, name):
    runs = []
    for _ in range(2):
        lib.manual_seed(7)
        runs.append(values(INITS[name](lib.nn.init, lib.empty(4, 3))))
    assert np.array_equal(runs[0], runs[1])


@pytest.mark.parametrize("name", ["uniform_", "normal_"])
def test_generator_argument(lib, name):
    fill = getattr(lib.nn.init, name)
    a = fill(lib.empty(4, 3), generator=lib.Generator().manual_seed(3))
    lib.rand(5)  # the global stream moves; the generators do not share it
    b = fill(lib.empty(4, 3), generator=lib.Generator().manual_seed(3))
    assert np.array_equal(values(a), values(b))


# ---- calculate_gain -------------------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("nonlinearity, param", [
    ("relu", None), ("tanh", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0),
    ("linear", None), ("sigmoid", None), ("selu", None), ("conv2d", None), ("conv_transpose2d", None),
])
def test_calculate_gain_equals_torch(nonlinearity, param):
    ours = tapegrad.nn.init.calculate_gain(nonlinearity, param)
    theirs = TORCH.nn.init.calculate_gain(nonlinearity, param)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert type(ours) is type(theirs)


def test_calculate_gain_values(lib):
    gain = lib.nn.init.calculate_gain
    assert gain("relu") == pytest.approx(math.sqrt(2))
    assert gain("tanh") == pytest.approx(5 / 3)
    assert gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert gain("linear") == 1 and gain("sigmoid") == 1


def test_calculate_gain_unknown(lib):
    with pytest.raises(ValueError) as err:
        lib.nn.init.calculate_gain("swish")
    assert str(err.value) == "Unsupported nonlinearity swish"
