"""Result dtypes of the ops against PyTorch's type promotion (the checks live in _dtype.py and
ops/_registry.py): tensor with tensor, zero-dim with n-dim, tensor with Python numbers, integer
inputs to float ops, and the dtypes of reductions. Each case runs in both libraries; when PyTorch
raises, tapegrad must raise the same exception type.
"""
import itertools

import pytest

from checks import assert_close, requires_torch

pytestmark = requires_torch

DTYPES = ["float32", "float64", "int64", "int32", "bool"]
SCALARS = [2, 2.5, True]

BINARY = {
    "add": lambda lib, a, b: lib.add(a, b),
    "sub": lambda lib, a, b: lib.sub(a, b),
    "mul": lambda lib, a, b: lib.mul(a, b),
    "div": lambda lib, a, b: lib.div(a, b),
    "pow": lambda lib, a, b: lib.pow(a, b),
    "add_operator": lambda lib, a, b: a + b,
    "sub_operator": lambda lib, a, b: a - b,
    "mul_operator": lambda lib, a, b: a * b,
    "div_operator": lambda lib, a, b: a / b,
    "pow_operator": lambda lib, a, b: a ** b,
}
# With a Python number first: what `2 - x` etc. call (__radd__, __rsub__, ...)
REFLECTED = {
    "radd": lambda lib, s, x: s + x,
    "rsub": lambda lib, s, x: s - x,
    "rmul": lambda lib, s, x: s * x,
    "rdiv": lambda lib, s, x: s / x,
    "rpow": lambda lib, s, x: s ** x,
    "rsub_function": lambda lib, s, x: lib.rsub(x, s),
}


def _tensor(lib, dtype, zero_dim=False):
    if dtype == "bool":
        values = True if zero_dim else [True, False, True]
    else:
        values = 3 if zero_dim else [1, 2, 4]
    return lib.tensor(values, dtype=getattr(lib, dtype))


def _run(lib, fn):
    try:
        return fn(lib), None
    except Exception as e:  # compared with what torch raises
        return None, e


def _compare(fn, what):
    import tapegrad
    import torch
    expected, torch_error = _run(torch, fn)
    result, error = _run(tapegrad, fn)
    if torch_error is not None:
        assert error is not None, (f"{what}: torch raises {type(torch_error).__name__}: {torch_error}; "
                                   f"tapegrad returns {result.dtype}")
        assert type(error) is type(torch_error), (
            f"{what}: torch raises {type(torch_error).__name__}: {torch_error}; "
            f"tapegrad raises {type(error).__name__}: {error}")
        return
    assert error is None, (f"{what}: torch gives {expected.dtype}; "
                           f"tapegrad raises {type(error).__name__}: {error}")
    assert str(result.dtype) == str(expected.dtype), (f"{what}: tapegrad {result.dtype} "
                                                      f"vs torch {expected.dtype}")
    assert tuple(result.shape) == tuple(expected.shape), f"{what}: shape {result.shape} vs {expected.shape}"
    assert_close(result.double() if result.dtype is not tapegrad.bool else result,
                 expected.double() if expected.dtype is not torch.bool else expected, msg=f"{what}: ")


@pytest.mark.parametrize("b", DTYPES)
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("op", list(BINARY))
def test_tensor_with_tensor(op, a, b):
    _compare(lambda lib: BINARY[op](lib, _tensor(lib, a), _tensor(lib, b)), f"{op}({a}[3], {b}[3])")


@pytest.mark.parametrize("order", ["0d_first", "0d_second", "both_0d"])
@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, DTYPES)))
@pytest.mark.parametrize("op", ["add", "mul", "div", "pow", "sub"])
def test_zero_dim_with_n_dim(op, a, b, order):
    # a zero-dim tensor only decides the dtype when it is of a higher category (bool < int < float)
    first_0d, second_0d = {"0d_first": (True, False), "0d_second": (False, True),
                           "both_0d": (True, True)}[order]
    _compare(lambda lib: BINARY[op](lib, _tensor(lib, a, first_0d), _tensor(lib, b, second_0d)),
             f"{op}({a}{'[]' if first_0d else '[3]'}, {b}{'[]' if second_0d else '[3]'})")


@pytest.mark.parametrize("zero_dim", [False, True], ids=["nd", "0d"])
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(BINARY))
def test_tensor_with_python_number(op, dtype, scalar, zero_dim):
    _compare(lambda lib: BINARY[op](lib, _tensor(lib, dtype, zero_dim), scalar), f"{op}({dtype}, {scalar!r})")


@pytest.mark.parametrize("zero_dim", [False, True], ids=["nd", "0d"])
@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(REFLECTED))
def test_python_number_with_tensor(op, dtype, scalar, zero_dim):
    _compare(lambda lib: REFLECTED[op](lib, scalar, _tensor(lib, dtype, zero_dim)),
             f"{op}({scalar!r}, {dtype})")


@pytest.mark.parametrize("alpha", [2, 0.5])
@pytest.mark.parametrize("a, b", [("int64", "int64"), ("float32", "int64"), ("int32", "float64"),
                                  ("float32", "float32")])
@pytest.mark.parametrize("op", ["add", "sub"])
def test_alpha(op, a, b, alpha):
    _compare(lambda lib: getattr(lib, op)(_tensor(lib, a), _tensor(lib, b), alpha=alpha),
             f"{op}({a}, {b}, alpha={alpha})")


UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "reciprocal", "abs", "neg", "sign", "relu",
         "square", "clone"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", UNARY)
def test_unary(op, dtype):
    # exp/sin/sqrt/... of integers give the default float dtype; abs/neg/sign/relu keep the dtype
    _compare(lambda lib: getattr(lib, op)(_tensor(lib, dtype)), f"{op}({dtype})")
    _compare(lambda lib: getattr(_tensor(lib, dtype, zero_dim=True), op)(), f"{op}({dtype}[])")


@pytest.mark.parametrize("a, b", [("int64", "int64"), ("int32", "int32"), ("bool", "bool"),
                                  ("int32", "int64")])
def test_integer_division_gives_float32(a, b):
    _compare(lambda lib: _tensor(lib, a) / _tensor(lib, b), f"{a} / {b}")
    import tapegrad
    assert (_tensor(tapegrad, a) / _tensor(tapegrad, b)).dtype is tapegrad.float32


@pytest.mark.parametrize("dim", [None, 0, (0,)], ids=["all", "dim0", "dims"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_dtype(dtype, dim):
    # bool and every integer type sum into int64; floats keep their dtype
    _compare(lambda lib: _tensor(lib, dtype).sum() if dim is None else _tensor(lib, dtype).sum(dim),
             f"sum({dtype}, dim={dim})")


@pytest.mark.parametrize("dtype", ["int32", "bool", "int64"])
def test_sum_of_integers_is_int64(dtype):
    import tapegrad
    assert _tensor(tapegrad, dtype).sum().dtype is tapegrad.int64


@pytest.mark.parametrize("dim", [None, 0])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_mean_of_integers_raises_like_torch(dtype, dim):
    import tapegrad
    import torch
    messages = []
    for lib in (tapegrad, torch):
        x = _tensor(lib, dtype)
        with pytest.raises(RuntimeError) as info:
            x.mean() if dim is None else x.mean(dim)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_mean_with_dtype_of_integers(dtype):
    _compare(lambda lib: _tensor(lib, dtype).mean(dtype=lib.float64), f"mean({dtype}, dtype=float64)")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_give_bool(op, dtype):
    _compare(lambda lib: getattr(lib, op)(_tensor(lib, dtype), _tensor(lib, "float32")),
             f"{op}({dtype}, float32)")
    _compare(lambda lib: getattr(lib, op)(_tensor(lib, dtype), 2), f"{op}({dtype}, 2)")


@pytest.mark.parametrize("a, b", [("float32", "float32"), ("float64", "float64"), ("int64", "int64"),
                                  ("float32", "float64"), ("int64", "float32")])
@pytest.mark.parametrize("form", ["dot", "mv", "mm", "matmul_3d"])
def test_matmul_dtypes(form, a, b):
    # PyTorch does not promote in matrix products: mixed dtypes raise
    shapes = {"dot": ((3,), (3,)), "mv": ((2, 3), (3,)), "mm": ((2, 3), (3, 2)),
              "matmul_3d": ((2, 2, 3), (2, 3, 2))}[form]

    def fn(lib):
        x = lib.ones(*shapes[0], dtype=getattr(lib, a))
        y = lib.ones(*shapes[1], dtype=getattr(lib, b))
        return lib.matmul(x, y)

    _compare(fn, f"{form}({a}, {b})")
