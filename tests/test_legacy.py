"""The names real PyTorch scripts touch first (_legacy.py): legacy tensor types, cuda, aliases.

Tests that take `lib` also run on real PyTorch, so every expectation is PyTorch's.
"""
import numpy as np
import pytest

import tapegrad
from checks import requires_torch, torch_or_none

TORCH = torch_or_none()




# ---- legacy constructors --------------------------------------------------------------------------

@pytest.mark.parametrize("name, dtype, values", [
    ("FloatTensor", "float32", [1.0, 2.0]), ("DoubleTensor", "float64", [1.0, 2.0]),
    ("LongTensor", "int64", [1, 2]), ("IntTensor", "int32", [1, 2]),
])
def test_constructor_from_data(lib, name, dtype, values):
    t = getattr(lib, name)([1, 2])
    assert t.dtype == getattr(lib, dtype)
    assert t.tolist() == values
    assert type(t.tolist()[0]) is type(values[0])
    assert not t.requires_grad and t.is_leaf


def test_float_tensor_from_nested_data(lib):
    t = lib.FloatTensor([[2, 4, 5]])
    assert tuple(t.shape) == (1, 3) and t.dtype == lib.float32
    assert t.tolist() == [[2.0, 4.0, 5.0]]


def test_float_tensor_from_sizes(lib):
    t = lib.FloatTensor(2, 3)
    assert tuple(t.shape) == (2, 3) and t.dtype == lib.float32
    assert tuple(lib.FloatTensor(4).shape) == (4,)  # one int is a size, not data
    assert tuple(lib.LongTensor(2, 1).shape) == (2, 1) and lib.LongTensor(2, 1).dtype == lib.int64


def test_bool_and_byte_tensor(lib):
    assert lib.BoolTensor([1, 0]).dtype == lib.bool and lib.BoolTensor([1, 0]).tolist() == [True, False]
    assert lib.ByteTensor([1, 255]).dtype == lib.uint8


def test_constructed_tensor_is_a_tensor(lib):
    t = lib.FloatTensor([1, 2])
    assert isinstance(t, lib.Tensor) and type(t) is lib.Tensor
    assert lib.is_tensor(t)


def test_isinstance_checks_the_dtype(lib):
    assert isinstance(lib.ones(2), lib.FloatTensor)
    assert isinstance(lib.tensor([1.5]), lib.FloatTensor)
    assert not isinstance(lib.ones(2, dtype=lib.float64), lib.FloatTensor)
    assert not isinstance(lib.tensor([1, 2]), lib.FloatTensor)
    assert not isinstance(lib.tensor([True]), lib.FloatTensor)
    assert isinstance(lib.tensor([1, 2]), lib.LongTensor)
    assert isinstance(lib.ones(2, dtype=lib.float64), lib.DoubleTensor)
    assert not isinstance(np.ones(2, dtype=np.float32), lib.FloatTensor)
    assert not isinstance([1.0], lib.FloatTensor)


def test_isinstance_of_parameter_and_non_leaf(lib):
    assert isinstance(lib.nn.Parameter(lib.ones(2)), lib.FloatTensor)
    x = lib.ones(2, requires_grad=True)
    assert isinstance(x * 2, lib.FloatTensor)


# ---- cuda and devices -----------------------------------------------------------------------------

def test_cuda_not_available():
    assert tapegrad.cuda.is_available() is False
    assert tapegrad.cuda.device_count() == 0


def test_set_default_device_cpu():
    tapegrad.set_default_device("cpu")
    t = tapegrad.zeros(2)
    assert t.device.type == "cpu"
    assert tapegrad.get_default_device().type == "cpu"


def test_set_default_device_cuda_raises():
    # Real PyTorch built without CUDA raises this at the first allocation; tapegrad raises at once.
    with pytest.raises(AssertionError) as err:
        tapegrad.set_default_device("cuda")
    assert str(err.value) == "Torch not compiled with CUDA enabled"
    assert tapegrad.zeros(1).device.type == "cpu"  # the default did not change


@requires_torch
def test_cuda_error_text_equals_torch():
    with pytest.raises(AssertionError) as theirs:
        TORCH.zeros(1, device="cuda")
    with pytest.raises(AssertionError) as ours:
        tapegrad.set_default_device("cuda")
    assert str(ours.value) == str(theirs.value)


# ---- is_tensor, numel -----------------------------------------------------------------------------

def test_is_tensor(lib):
    assert lib.is_tensor(lib.ones(2))
    assert lib.is_tensor(lib.tensor(3))
    assert lib.is_tensor(lib.nn.Parameter(lib.ones(1)))
    assert lib.is_tensor(lib.ones(2, requires_grad=True) * 2)
    for other in (np.ones(2), [1.0], 1.0, None, "tensor"):
        assert not lib.is_tensor(other)


@pytest.mark.parametrize("shape, n", [((), 1), ((0,), 0), ((2, 3), 6), ((2, 0, 4), 0), ((1, 2, 3, 4), 24)])
def test_numel(lib, shape, n):
    t = lib.zeros(shape)
    assert lib.numel(t) == n
    assert isinstance(lib.numel(t), int)


# ---- aliases --------------------------------------------------------------------------------------

ALIASES = [("multiply", "mul"), ("subtract", "sub"), ("divide", "div"), ("true_divide", "div"),
           ("greater", "gt"), ("less", "lt")]


@pytest.mark.parametrize("alias, primary", ALIASES)
def test_binary_alias_agrees_with_primary(lib, alias, primary):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float32) + 3.0
    results = []
    for fn in (getattr(lib, alias), getattr(lib, primary)):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = fn(x, y)
        grads = None
        if out.requires_grad:
            out.sum().backward()
            grads = (x.grad.numpy(), y.grad.numpy())
        results.append((out.detach().numpy(), out.dtype, grads))
    (out1, dtype1, grads1), (out2, dtype2, grads2) = results
    assert np.array_equal(out1, out2) and dtype1 == dtype2
    assert (grads1 is None) == (grads2 is None)
    if grads1 is not None:
        assert np.array_equal(grads1[0], grads2[0]) and np.array_equal(grads1[1], grads2[1])


@pytest.mark.parametrize("alias, primary", ALIASES)
def test_binary_alias_with_a_number(lib, alias, primary):
    x = lib.tensor([1, 2, 3])
    a, b = getattr(lib, alias)(x, 2), getattr(lib, primary)(x, 2)
    assert a.dtype == b.dtype and a.tolist() == b.tolist()


def test_integer_true_divide_gives_float(lib):
    t = lib.true_divide(lib.tensor([1, 2]), lib.tensor([2, 2]))
    assert t.dtype == lib.float32 and t.tolist() == [0.5, 1.0]


def test_negative_agrees_with_neg(lib):
    x = lib.tensor([1.5, -2.0, 0.0], requires_grad=True)
    out = lib.negative(x)
    assert out.tolist() == lib.neg(x).tolist() == [-1.5, 2.0, -0.0]
    out.sum().backward()
    assert x.grad.tolist() == [-1.0, -1.0, -1.0]
    assert lib.negative(lib.tensor([3])).dtype == lib.int64


def test_method_aliases(lib):
    x, y = lib.tensor([4.0, 6.0]), lib.tensor([2.0, 3.0])
    assert x.multiply(y).tolist() == [8.0, 18.0]
    assert x.subtract(y).tolist() == [2.0, 3.0]
    assert x.divide(y).tolist() == [2.0, 2.0]
    assert x.true_divide(y).tolist() == [2.0, 2.0]
    assert x.negative().tolist() == [-4.0, -6.0]


def test_equal(lib):
    assert lib.equal(lib.tensor([1, 2]), lib.tensor([1, 2])) is True
    assert lib.equal(lib.tensor([1, 2]), lib.tensor([1, 3])) is False
    assert lib.equal(lib.tensor([1, 2]), lib.tensor([[1, 2]])) is False


# ---- dtype aliases --------------------------------------------------------------------------------

@pytest.mark.parametrize("alias, name", [("float", "float32"), ("double", "float64"), ("long", "int64"),
                                         ("half", "float16"), ("int", "int32"), ("short", "int16")])
def test_dtype_alias_is_the_dtype(lib, alias, name):
    assert getattr(lib, alias) is getattr(lib, name)
    assert lib.zeros(1, dtype=getattr(lib, alias)).dtype == getattr(lib, name)
    assert str(getattr(lib, alias)) == f"torch.{name}"
