"""Tensor creation, attributes, conversions, operators and reprs (_tensor.py, _creation.py, _legacy.py).

Every test takes `lib` and runs on tapegrad and, when installed, on real PyTorch (the oracle): the
expected values and texts below are what PyTorch 2.13 gives.
"""
import math
import operator

import numpy as np
import pytest

from checks import assert_close




def error_text(fn):
    with pytest.raises(Exception) as err:
        fn()
    return type(err.value).__name__, str(err.value)


# ---- tensor(): dtypes from Python and NumPy data -------------------------------------------------

@pytest.mark.parametrize("data, dtype, shape", [
    (3.5, "float32", ()), (3, "int64", ()), (True, "bool", ()),
    ([1., 2.], "float32", (2,)), ([1, 2], "int64", (2,)), ([1, 2.], "float32", (2,)),
    ([True, False], "bool", (2,)), ([[1, 2, 3], [4, 5, 6]], "int64", (2, 3)),
    ([[[1.]], [[2.]]], "float32", (2, 1, 1)), ([], "float32", (0,)),
])
def test_tensor_from_python(lib, data, dtype, shape):
    t = lib.tensor(data)
    assert t.dtype == getattr(lib, dtype)
    assert tuple(t.shape) == shape
    assert t.tolist() == data
    assert not t.requires_grad and t.is_leaf and t.grad_fn is None and t.grad is None


@pytest.mark.parametrize("np_dtype, name", [
    ("float64", "float64"), ("float32", "float32"), ("int64", "int64"), ("int32", "int32"), ("bool", "bool"),
])
def test_tensor_from_numpy_keeps_dtype(lib, np_dtype, name):
    a = np.array([1, 0, 1]).astype(np_dtype)
    t = lib.tensor(a)
    assert t.dtype == getattr(lib, name)
    assert t.numpy().dtype == np.dtype(np_dtype)


def test_tensor_copies_its_data(lib):
    a = np.array([1., 2.])
    t = lib.tensor(a)
    a[0] = 9.
    assert t.tolist() == [1., 2.]


def test_tensor_dtype_argument(lib):
    assert lib.tensor([1, 2], dtype=lib.float32).dtype == lib.float32
    assert lib.tensor([1.7, 2.2], dtype=lib.int64).tolist() == [1, 2]
    assert lib.tensor(np.array([1., 2.]), dtype=lib.float32).dtype == lib.float32
    assert lib.tensor([1, 2], dtype=lib.float64).dtype == lib.float64


def test_requires_grad_argument(lib):
    t = lib.tensor([1., 2.], requires_grad=True)
    assert t.requires_grad and t.is_leaf
    z = lib.zeros(2, requires_grad=True)
    assert z.requires_grad


def test_int_tensor_cannot_require_grad(lib):
    msg = "Only Tensors of floating point and complex dtype can require gradients"
    assert error_text(lambda: lib.tensor([1, 2], requires_grad=True)) == ("RuntimeError", msg)
    assert error_text(lambda: lib.zeros(2, dtype=lib.int64, requires_grad=True)) == ("RuntimeError", msg)


def test_int_tensor_requires_grad_method(lib):
    assert error_text(lambda: lib.tensor([1, 2]).requires_grad_()) == \
        ("RuntimeError", "only Tensors of floating point dtype can require gradients")


def test_requires_grad_flag_of_non_leaf(lib):
    msg = ("you can only change requires_grad flags of leaf variables. If you want to use a computed variable "
           "in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 2

    def set_false():
        y.requires_grad = False

    assert error_text(set_false) == ("RuntimeError", msg)
    assert error_text(lambda: y.requires_grad_(False)) == ("RuntimeError", msg)
    assert y.requires_grad_(True) is y


def test_requires_grad_setter_on_leaf(lib):
    t = lib.ones(2)
    t.requires_grad = True
    assert t.requires_grad
    assert t.requires_grad_(False) is t and not t.requires_grad
    assert repr(lib.ones(2).requires_grad_()) == "tensor([1., 1.], requires_grad=True)"


# ---- as_tensor / from_numpy -------------------------------------------------------------------

def test_as_tensor_shares_numpy_memory(lib):
    a = np.array([1., 2.])
    t = lib.as_tensor(a)
    a[0] = 9.
    assert repr(t) == "tensor([9., 2.], dtype=torch.float64)"


def test_as_tensor_copies_when_dtype_changes(lib):
    a = np.array([1., 2.])
    t = lib.as_tensor(a, dtype=lib.float32)
    a[1] = 7.
    assert repr(t) == "tensor([1., 2.])"


def test_as_tensor_of_tensor_and_list(lib):
    t = lib.tensor([1., 2.])
    assert lib.as_tensor(t) is t
    assert lib.as_tensor([1, 2]).dtype == lib.int64
    assert lib.as_tensor([1., 2.]).dtype == lib.float32


def test_from_numpy_shares_memory_both_ways(lib):
    a = np.array([1., 2., 3.])
    t = lib.from_numpy(a)
    assert t.dtype == lib.float64
    a[0] = 10.
    assert t.tolist() == [10., 2., 3.]
    t.add_(1)
    assert a.tolist() == [11., 3., 4.]
    t[2] = 0.
    assert a[2] == 0.
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)


def test_from_numpy_int_and_float32(lib):
    assert lib.from_numpy(np.arange(3)).dtype == lib.int64
    assert lib.from_numpy(np.zeros(2, dtype=np.float32)).dtype == lib.float32


def test_from_numpy_rejects_lists(lib):
    assert error_text(lambda: lib.from_numpy([1, 2])) == ("TypeError", "expected np.ndarray (got list)")


def test_numpy_shares_memory(lib):
    t = lib.tensor([1., 2.])
    a = t.numpy()
    a[0] = 5.
    assert t.tolist() == [5., 2.]
    t.mul_(2)
    assert a.tolist() == [10., 4.]


# ---- creation functions ----------------------------------------------------------------------

@pytest.mark.parametrize("fn, value", [("zeros", 0.), ("ones", 1.)])
def test_zeros_ones_shapes(lib, fn, value):
    f = getattr(lib, fn)
    for args in ((2, 3), ((2, 3),), ([2, 3],), (lib.Size([2, 3]),)):
        t = f(*args)
        assert t.shape == (2, 3) and t.dtype == lib.float32
        assert (t.numpy() == value).all()
    assert f(3, dtype=lib.int64).dtype == lib.int64
    assert f(()).shape == ()
    assert f(0).shape == (0,)


def test_full(lib):
    assert repr(lib.full((2,), 7.)) == "tensor([7., 7.])"
    assert repr(lib.full((2,), 7)) == "tensor([7, 7])"
    assert repr(lib.full((2, 2), True)) == "tensor([[True, True],\n        [True, True]])"
    assert lib.full((2, 2), 1.5, dtype=lib.float64).dtype == lib.float64


def test_empty(lib):
    t = lib.empty(2, 3)
    assert t.shape == (2, 3) and t.dtype == lib.float32
    assert lib.empty((4,), dtype=lib.int64).dtype == lib.int64


def test_like_functions(lib):
    i = lib.tensor([[1, 2, 3]])
    f = lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True)
    assert repr(lib.zeros_like(i)) == "tensor([[0, 0, 0]])"
    assert repr(lib.ones_like(f)) == "tensor([1., 1.], dtype=torch.float64)"
    assert repr(lib.full_like(i, 4)) == "tensor([[4, 4, 4]])"
    assert lib.empty_like(i).shape == (1, 3) and lib.empty_like(i).dtype == lib.int64
    assert repr(lib.zeros_like(i, dtype=lib.float64)) == "tensor([[0., 0., 0.]], dtype=torch.float64)"
    assert lib.ones_like(f, requires_grad=True).requires_grad
    assert not lib.zeros_like(f).requires_grad


@pytest.mark.parametrize("args, kwargs, text", [
    ((5,), {}, "tensor([0, 1, 2, 3, 4])"),
    ((2, 6, 2), {}, "tensor([2, 4])"),
    ((10, 0, -3), {}, "tensor([10,  7,  4,  1])"),
    ((1., 4.), {}, "tensor([1., 2., 3.])"),
    ((0, 1, 0.25), {}, "tensor([0.0000, 0.2500, 0.5000, 0.7500])"),
    ((5,), {"dtype": "float32"}, "tensor([0., 1., 2., 3., 4.])"),
    ((3.,), {}, "tensor([0., 1., 2.])"),
])
def test_arange(lib, args, kwargs, text):
    kwargs = {k: getattr(lib, v) for k, v in kwargs.items()}
    assert repr(lib.arange(*args, **kwargs)) == text


def test_arange_dtypes(lib):
    assert lib.arange(5).dtype == lib.int64
    assert lib.arange(0., 5.).dtype == lib.float32
    assert lib.arange(0, 1, 0.1).shape == (10,)


def test_linspace(lib):
    assert repr(lib.linspace(0, 1, 5)) == "tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])"
    assert repr(lib.linspace(-1, 1, steps=3)) == "tensor([-1.,  0.,  1.])"
    assert lib.linspace(0, 10, 11).dtype == lib.float32


def test_eye(lib):
    assert repr(lib.eye(3)) == "tensor([[1., 0., 0.],\n        [0., 1., 0.],\n        [0., 0., 1.]])"
    assert repr(lib.eye(2, 3)) == "tensor([[1., 0., 0.],\n        [0., 1., 0.]])"


def test_random_shapes_and_dtypes(lib):
    r = lib.rand(2, 3)
    assert r.shape == (2, 3) and r.dtype == lib.float32
    assert ((r.numpy() >= 0) & (r.numpy() < 1)).all()
    n = lib.randn(4)
    assert n.shape == (4,) and n.dtype == lib.float32
    assert lib.randn((2, 2)).shape == (2, 2)
    i = lib.randint(0, 10, (50,))
    assert i.dtype == lib.int64 and i.shape == (50,)
    assert ((i.numpy() >= 0) & (i.numpy() < 10)).all()
    assert lib.randint(10, (2, 2)).shape == (2, 2)
    assert lib.rand(3, dtype=lib.float64).dtype == lib.float64
    assert lib.rand_like(lib.ones(2, 2)).shape == (2, 2)
    assert lib.randn_like(lib.ones(3, dtype=lib.float64)).dtype == lib.float64
    assert lib.rand(2, requires_grad=True).requires_grad


def test_randn_statistics(lib):
    lib.manual_seed(0)
    n = lib.randn(20000).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05


def test_manual_seed_reproducible(lib):
    lib.manual_seed(123)
    a, b, c = lib.rand(5), lib.randn(5), lib.randint(0, 100, (5,))
    lib.manual_seed(123)
    assert lib.rand(5).tolist() == a.tolist()
    assert lib.randn(5).tolist() == b.tolist()
    assert lib.randint(0, 100, (5,)).tolist() == c.tolist()
    lib.manual_seed(124)
    assert lib.rand(5).tolist() != a.tolist()


# ---- attributes ---------------------------------------------------------------------------------

def test_shape_and_size(lib):
    t = lib.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert type(t.shape) is lib.Size and type(t.size()) is lib.Size
    assert repr(t.shape) == "torch.Size([2, 3, 4])" and str(t.size()) == "torch.Size([2, 3, 4])"
    assert t.size(1) == 3 and t.size(-1) == 4
    assert t.dim() == 3 and t.ndim == 3
    assert t.numel() == 24
    assert repr(lib.tensor(1.).shape) == "torch.Size([])"


def test_size_type(lib):
    s = lib.Size([2, 3])
    assert repr(s) == "torch.Size([2, 3])"
    assert s == (2, 3) and s[0] == 2 and len(s) == 2
    assert s.numel() == 6
    assert lib.zeros(s).shape == s


def test_dtype_objects(lib):
    assert repr(lib.float32) == "torch.float32" and str(lib.float32) == "torch.float32"
    assert lib.float is lib.float32 and lib.double is lib.float64 and lib.long is lib.int64
    assert repr(lib.int64) == "torch.int64" and repr(lib.bool) == "torch.bool"
    assert lib.tensor([1.]).dtype is lib.float32


def test_device(lib):
    t = lib.ones(2)
    assert repr(t.device) == "device(type='cpu')" and str(t.device) == "cpu"
    assert t.device == lib.device("cpu")
    assert t.device.type == "cpu"


def test_device_does_not_equal_a_string(lib):
    # PyTorch: torch.device('cpu') == 'cpu' is False (a device compares only with devices).
    assert (lib.ones(2).device == "cpu") is False


def test_cuda_not_available(lib):
    assert lib.cuda.is_available() is False


def test_to_and_cpu(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x
    assert x.to(lib.device("cpu")) is x
    assert x.to(lib.float32) is x and x.float() is x
    d = x.to(lib.float64)
    assert repr(d) == "tensor([1., 2.], dtype=torch.float64, grad_fn=<ToCopyBackward0>)"
    assert x.double().dtype == lib.float64
    assert repr(x.detach().long()) == "tensor([1, 2])"
    assert lib.tensor([1, 2]).float().dtype == lib.float32
    assert x.to("cpu", lib.float64).dtype == lib.float64
    assert x.to(device="cpu", dtype=lib.float64).dtype == lib.float64
    d.sum().backward()
    assert repr(x.grad) == "tensor([1., 1.])"


def test_cuda_raises(lib):
    assert error_text(lambda: lib.ones(2).cuda()) == ("AssertionError", "Torch not compiled with CUDA enabled")


def test_item(lib):
    assert lib.tensor(2.5).item() == 2.5 and type(lib.tensor(2.5).item()) is float
    assert type(lib.tensor(3).item()) is int
    assert type(lib.tensor(True).item()) is bool
    assert lib.tensor([[7.]]).item() == 7.
    x = lib.tensor([1., 2.], requires_grad=True)
    assert (x * 2).sum().item() == 6.
    assert error_text(lambda: x.item()) == ("RuntimeError", "a Tensor with 2 elements cannot be converted to Scalar")


def test_tolist(lib):
    assert lib.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert lib.tensor(1.5).tolist() == 1.5
    assert lib.tensor([1., 2.], requires_grad=True).tolist() == [1., 2.]


def test_numpy_requires_grad_error(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    msg = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    assert error_text(lambda: x.numpy()) == ("RuntimeError", msg)
    assert error_text(lambda: (x * 2).numpy()) == ("RuntimeError", msg)
    assert error_text(lambda: np.asarray(x)) == ("RuntimeError", msg)
    assert x.detach().numpy().tolist() == [1., 2.]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's own __array__ lacks copy=
def test_array_protocol(lib):
    t = lib.tensor([[1., 2.], [3., 4.]])
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.shape == (2, 2)
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.sum(np.array(t)) == 10.
    assert np.array(lib.tensor([1, 2])).dtype == np.int64


def test_transposes(lib):
    t = lib.arange(6.).view(2, 3)
    assert t.T.shape == (3, 2) and t.mT.shape == (3, 2)
    assert t.T.tolist() == [[0., 3.], [1., 4.], [2., 5.]]
    assert lib.ones(2, 3, 4).mT.shape == (2, 4, 3)
    assert not t.T.is_contiguous() and t.T.contiguous().is_contiguous()
    assert t.contiguous() is t
    assert t.T.contiguous().tolist() == t.T.tolist()


def test_clone(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    c = x.clone()
    assert repr(c) == "tensor([1., 2.], grad_fn=<CloneBackward0>)"
    p = lib.tensor([1., 2.])
    q = p.clone()
    q[0] = 9.
    assert p.tolist() == [1., 2.]
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3., 3.]


def test_format(lib):
    assert f"{lib.tensor(1.5):.2f}" == "1.50"
    assert f"{lib.tensor(3)}" == "3"
    assert f"{lib.tensor([1, 2])}" == "tensor([1, 2])"


def test_tensors_are_hashable(lib):
    a, b = lib.tensor([1.]), lib.tensor([1.])
    assert len({a, b}) == 2
    assert {a: 1}[a] == 1


def test_float_int_conversions(lib):
    assert float(lib.tensor(2.5)) == 2.5 and int(lib.tensor(2.7)) == 2
    assert [10, 20, 30][lib.tensor(1)] == 20


# ---- Python operators ----------------------------------------------------------------------------

@pytest.mark.parametrize("op, expected", [
    (lambda t: t + 1, [2., 3., 5.]), (lambda t: 1 + t, [2., 3., 5.]),
    (lambda t: t - 1, [0., 1., 3.]), (lambda t: 10 - t, [9., 8., 6.]),
    (lambda t: t * 2, [2., 4., 8.]), (lambda t: 2 * t, [2., 4., 8.]),
    (lambda t: t / 2, [0.5, 1., 2.]), (lambda t: 8 / t, [8., 4., 2.]),
    (lambda t: t ** 2, [1., 4., 16.]), (lambda t: 2 ** t, [2., 4., 16.]),
    (lambda t: -t, [-1., -2., -4.]), (lambda t: +t, [1., 2., 4.]), (lambda t: abs(-t), [1., 2., 4.]),
    (lambda t: t + t, [2., 4., 8.]), (lambda t: t * t - t / t, [0., 3., 15.]),
])
def test_arithmetic_operators(lib, op, expected):
    t = lib.tensor([1., 2., 4.])
    r = op(t)
    assert r.dtype == lib.float32
    assert_close(r, expected)


def test_matmul_operator(lib):
    a = lib.tensor([[1., 2.], [3., 4.]])
    v = lib.tensor([1., 1.])
    assert repr(a @ v) == "tensor([3., 7.])"
    assert repr(v @ v) == "tensor(2.)"
    assert repr(a @ a) == "tensor([[ 7., 10.],\n        [15., 22.]])"


def test_operators_with_grad(lib):
    x = lib.tensor([1., 2., 4.], requires_grad=True)
    y = (2 - x) * (8 / x) + x ** 2 / 2 + 3 ** (x / 4)
    y.sum().backward()
    xs = np.array([1., 2., 4.])
    expected = -8 / xs - (2 - xs) * 8 / xs ** 2 + xs + np.log(3) / 4 * 3 ** (xs / 4)
    assert_close(x.grad, expected)


@pytest.mark.parametrize("expr, dtype", [
    ("i + 1.5", "float32"), ("i / 2", "float32"), ("i * 2", "int64"), ("i + i", "int64"),
    ("f + np.float64(1.5)", "float32"), ("f + d", "float64"), ("i + d0", "float64"), ("f * 2", "float32"),
    ("f + 2 ** 40", "float32"), ("i > 1", "bool"), ("b & b", "bool"), ("i + b", "int64"),
])
def test_type_promotion(lib, expr, dtype):
    ns = {"np": np, "i": lib.tensor([1, 2]), "f": lib.tensor([1., 2.]), "d": lib.tensor([1.], dtype=lib.float64),
          "d0": lib.tensor(1.5, dtype=lib.float64), "b": lib.tensor([True, False])}
    assert eval(expr, ns).dtype == getattr(lib, dtype)


@pytest.mark.parametrize("op, expected", [
    (operator.gt, [False, False, True]), (operator.ge, [False, True, True]), (operator.lt, [True, False, False]),
    (operator.le, [True, True, False]), (operator.eq, [False, True, False]), (operator.ne, [True, False, True]),
])
def test_comparisons_return_bool_tensors(lib, op, expected):
    t = lib.tensor([1., 2., 3.])
    r = op(t, 2)
    assert r.dtype == lib.bool and r.tolist() == expected
    assert op(t, lib.tensor([2., 2., 2.])).tolist() == expected
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    assert not op(x, 2).requires_grad


def test_reflected_comparison(lib):
    t = lib.tensor([1., 2., 3.])
    assert (2 < t).tolist() == [False, False, True]
    assert (2 == t).tolist() == [False, True, False]


def test_bool(lib):
    assert bool(lib.tensor([0.])) is False and bool(lib.tensor(2.)) is True
    assert error_text(lambda: bool(lib.tensor([1., 2.]))) == \
        ("RuntimeError", "Boolean value of Tensor with more than one value is ambiguous")
    t = lib.tensor([1., 2.])
    assert error_text(lambda: 1 if t > 0 else 0) == \
        ("RuntimeError", "Boolean value of Tensor with more than one value is ambiguous")


def test_len_and_iteration(lib):
    t = lib.tensor([[1., 2.], [3., 4.], [5., 6.]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and repr(rows[1]) == "tensor([3., 4.])"
    assert [v.item() for v in lib.tensor([1, 2])] == [1, 2]
    assert error_text(lambda: len(lib.tensor(1.))) == ("TypeError", "len() of a 0-d tensor")
    assert error_text(lambda: iter(lib.tensor(1.))) == ("TypeError", "iteration over a 0-d tensor")


def test_iteration_rows_carry_grad(lib):
    x = lib.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    total = sum(row.sum() * k for k, row in enumerate(x, 1))
    total.backward()
    assert repr(x.grad) == "tensor([[1., 1.],\n        [2., 2.]])"


def test_shape_errors_name_both_shapes(lib):
    assert error_text(lambda: lib.ones(2, 3) + lib.ones(2)) == \
        ("RuntimeError", "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1")
    assert error_text(lambda: lib.ones(2, 3) @ lib.ones(2, 3)) == \
        ("RuntimeError", "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)")
    assert error_text(lambda: lib.ones(2, 3).view(4)) == \
        ("RuntimeError", "shape '[4]' is invalid for input of size 6")


# ---- legacy constructors and Variable ---------------------------------------------------------

def test_legacy_tensor_types(lib):
    assert repr(lib.FloatTensor([1, 2])) == "tensor([1., 2.])"
    assert lib.FloatTensor(2, 3).shape == (2, 3) and lib.FloatTensor(2, 3).dtype == lib.float32
    assert repr(lib.LongTensor([1, 2])) == "tensor([1, 2])"
    assert lib.DoubleTensor([1]).dtype == lib.float64
    assert lib.tensor([1.]).type() == "torch.FloatTensor" and lib.tensor([1]).type() == "torch.LongTensor"
    assert isinstance(lib.tensor([1.]), lib.FloatTensor) and not isinstance(lib.tensor([1]), lib.FloatTensor)
    assert isinstance(lib.FloatTensor([1.]), lib.Tensor)
    assert lib.Tensor([1, 2]).dtype == lib.float32


def test_variable(lib):
    from importlib import import_module
    Variable = import_module(lib.__name__ + ".autograd").Variable
    v = Variable(lib.ones(2, 2), requires_grad=True)
    assert repr(v) == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"
    assert isinstance(v, lib.Tensor) and v.is_leaf
    w = Variable(lib.ones(2))
    assert not w.requires_grad
    y = v.sum()
    assert repr(y) == "tensor(4., grad_fn=<SumBackward0>)"
    y.backward()
    assert repr(v.grad) == "tensor([[1., 1.],\n        [1., 1.]])"


def test_is_tensor(lib):
    assert lib.is_tensor(lib.ones(1)) and not lib.is_tensor([1.])
    assert lib.numel(lib.ones(2, 3)) == 6


# ---- reprs (str equal to PyTorch's) -----------------------------------------------------------

REPRS = [
    ("torch.tensor(3.)", "tensor(3.)"),
    ("torch.tensor(2.5)", "tensor(2.5000)"),
    ("torch.tensor(-0.)", "tensor(-0.)"),
    ("torch.tensor(1e-5)", "tensor(1.0000e-05)"),
    ("torch.tensor(1e10)", "tensor(1.0000e+10)"),
    ("torch.tensor([1., 2., 3.])", "tensor([1., 2., 3.])"),
    ("torch.tensor([1.5, -2.25, 3.])", "tensor([ 1.5000, -2.2500,  3.0000])"),
    ("torch.tensor([1, 2, 3])", "tensor([1, 2, 3])"),
    ("torch.tensor([True, False])", "tensor([ True, False])"),
    ("torch.tensor([[1., 2.], [3., 4.]])", "tensor([[1., 2.],\n        [3., 4.]])"),
    ("torch.tensor([0.1, 100., 1000.])", "tensor([1.0000e-01, 1.0000e+02, 1.0000e+03])"),
    ("torch.tensor([1e-4, 1., 1e5])", "tensor([1.0000e-04, 1.0000e+00, 1.0000e+05])"),
    ("torch.tensor(np.array([1., 2.]))", "tensor([1., 2.], dtype=torch.float64)"),
    ("torch.tensor([1, 2], dtype=torch.int32)", "tensor([1, 2], dtype=torch.int32)"),
    ("torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)",
     "tensor([1., 2.], dtype=torch.float64, requires_grad=True)"),
    ("torch.tensor([1., 2.], requires_grad=True)", "tensor([1., 2.], requires_grad=True)"),
    ("torch.tensor([1., 2.], requires_grad=True) * 2", "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    ("torch.tensor([1., 2.], requires_grad=True).sum()", "tensor(3., grad_fn=<SumBackward0>)"),
    ("torch.tensor([1., 2.], requires_grad=True).mean()", "tensor(1.5000, grad_fn=<MeanBackward0>)"),
    ("torch.tensor([1., 2.], requires_grad=True) + 1", "tensor([2., 3.], grad_fn=<AddBackward0>)"),
    ("torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True) ** 2",
     "tensor([1., 4.], dtype=torch.float64, grad_fn=<PowBackward0>)"),
    ("torch.tensor([1., 2.], requires_grad=True)[0]", "tensor(1., grad_fn=<SelectBackward0>)"),
    ("torch.tensor([1., 2.], requires_grad=True).view(2, 1)", "tensor([[1.],\n        [2.]], grad_fn=<ViewBackward0>)"),
    ("torch.zeros(2, 3)", "tensor([[0., 0., 0.],\n        [0., 0., 0.]])"),
    ("torch.ones(2, 2, 2)", "tensor([[[1., 1.],\n         [1., 1.]],\n\n        [[1., 1.],\n         [1., 1.]]])"),
    ("torch.arange(5)", "tensor([0, 1, 2, 3, 4])"),
    ("torch.arange(0, 1, 0.25)", "tensor([0.0000, 0.2500, 0.5000, 0.7500])"),
    ("torch.linspace(0, 1, 5)", "tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])"),
    ("torch.eye(3)", "tensor([[1., 0., 0.],\n        [0., 1., 0.],\n        [0., 0., 1.]])"),
    ("torch.zeros(0)", "tensor([])"),
    ("torch.zeros(2, 0)", "tensor([], size=(2, 0))"),
    ("torch.full((2,), 7)", "tensor([7, 7])"),
    ("torch.arange(2000.)",
     "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"),
    ("torch.tensor([float('nan'), float('inf'), -float('inf'), 1.])", "tensor([nan, inf, -inf, 1.])"),
    ("torch.tensor([1., 2.]) > 1", "tensor([False,  True])"),
    ("torch.tensor(5)", "tensor(5)"),
    ("torch.tensor(True)", "tensor(True)"),
    ("torch.tensor([1., 2.], requires_grad=True).exp()", "tensor([2.7183, 7.3891], grad_fn=<ExpBackward0>)"),
    ("torch.tensor([[1., 2.]], requires_grad=True).t()", "tensor([[1.],\n        [2.]], grad_fn=<TBackward0>)"),
    ("torch.tensor([[1., 2.]], requires_grad=True).T", "tensor([[1.],\n        [2.]], grad_fn=<PermuteBackward0>)"),
    ("torch.tensor([1.5], dtype=torch.float64)", "tensor([1.5000], dtype=torch.float64)"),
    ("torch.tensor([123456.789])", "tensor([123456.7891])"),
    ("torch.tensor([[1, 2], [3, 4]]) * 10", "tensor([[10, 20],\n        [30, 40]])"),
    ("torch.tensor([1., 2.], requires_grad=True).detach()", "tensor([1., 2.])"),
    ("torch.arange(6.).view(2, 3)", "tensor([[0., 1., 2.],\n        [3., 4., 5.]])"),
]


@pytest.mark.parametrize("expr, text", REPRS, ids=[e for e, _ in REPRS])
def test_repr(lib, expr, text):
    value = eval(expr, {"torch": lib, "np": np})
    assert str(value) == text
    assert repr(value) == text


def test_print_of_grad_after_backward(lib, capsys):
    x = lib.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    print(out)
    out.backward()
    print(x.grad)
    assert capsys.readouterr().out == ("tensor(27., grad_fn=<MeanBackward0>)\n"
                                       "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n")


def test_math_constants_keep_float32(lib):
    t = lib.tensor([1., 2.])
    assert (t * math.pi).dtype == lib.float32
    assert (t ** 0.5).dtype == lib.float32
    assert (t.exp() / np.float64(2.0)).dtype == lib.float32


# ---- less common paths that real scripts hit -----------------------------------------------------

def test_tensor_from_list_of_tensors(lib):
    assert repr(lib.tensor([lib.tensor(1.), lib.tensor(2.)])) == "tensor([1., 2.])"


def test_tensor_from_list_of_numpy_float64_scalars(lib):
    assert lib.tensor([np.float64(2.5)]).dtype == lib.float64
    assert lib.tensor(np.float64(2.5)).dtype == lib.float64
    assert lib.tensor(np.float32(2.5)).dtype == lib.float32


def test_tensor_from_ragged_list(lib):
    assert error_text(lambda: lib.tensor([[1, 2], [3]])) == \
        ("ValueError", "expected sequence of length 2 at dim 1 (got 1)")


def test_tensor_of_tensor_copies_and_warns(lib):
    src = lib.tensor([1., 2.], requires_grad=True)
    with pytest.warns(UserWarning) as rec:
        t = lib.tensor(src)
    assert str(rec[0].message) == (
        "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
        "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")
    assert not t.requires_grad and t.is_leaf
    t[0] = 5.
    assert src.tolist() == [1., 2.]


def test_grad_setter_checks_size(lib):
    x = lib.tensor([1., 2.], requires_grad=True)

    def assign():
        x.grad = lib.ones(3)

    assert error_text(assign) == (
        "RuntimeError", "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. "
                        "Please ensure that the gradient and the tensor are the same size")
    x.grad = lib.ones(2)
    assert repr(x.grad) == "tensor([1., 1.])"
    x.grad = None
    assert x.grad is None


def test_grad_setter_checks_dtype(lib):
    x = lib.tensor([1., 2.], requires_grad=True)

    def assign():
        x.grad = lib.ones(2, dtype=lib.float64)

    kind, text = error_text(assign)
    assert kind == "RuntimeError"
    assert text.startswith("attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'.")


def test_grad_setter_rejects_arrays(lib):
    x = lib.tensor([1., 2.], requires_grad=True)

    def assign():
        x.grad = np.ones(2)

    assert error_text(assign) == \
        ("TypeError", "assigned grad expected to be a Tensor or None but got grad of type numpy.ndarray")


def test_floor_division_and_modulo_operators(lib):
    t = lib.tensor([5., 7., -4.])
    assert repr(t // 2) == "tensor([ 2.,  3., -2.])"
    assert repr(t % 3) == "tensor([2., 1., 2.])"
    assert repr(lib.tensor([7, 9]) // 2) == "tensor([3, 4])"
    assert repr(10 // lib.tensor([3., 4.])) == "tensor([3., 2.])"


def test_integer_negative_power_error(lib):
    assert error_text(lambda: lib.tensor([1, 2]) ** -1) == \
        ("RuntimeError", "Integers to negative integer powers are not allowed.")


def test_size_dim_out_of_range(lib):
    assert error_text(lambda: lib.ones(3).size(5)) == \
        ("IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got 5)")


def test_index_of_0d_tensor(lib):
    assert error_text(lambda: lib.tensor(1.)[0]) == (
        "IndexError", "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
                      "to convert a 0-dim tensor to a number")


def test_new_tensor_methods(lib):
    base = lib.zeros(3, dtype=lib.float64)
    assert repr(base.new_ones(2)) == "tensor([1., 1.], dtype=torch.float64)"
    assert repr(base.new_zeros((2, 2))) == "tensor([[0., 0.],\n        [0., 0.]], dtype=torch.float64)"
    assert repr(base.new_full((2,), 3.)) == "tensor([3., 3.], dtype=torch.float64)"
    assert repr(base.new_tensor([1, 2])) == "tensor([1., 2.], dtype=torch.float64)"
