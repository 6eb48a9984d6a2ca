"""Tests of ops/reduction.py and ops/statistics.py: every reduction through the shared checker, plus
ties, kinks, zeros, indices, node names, warnings and errors compared with PyTorch."""
import warnings

import numpy as np
import pytest

from checks import assert_close, check_op, requires_torch, torch_or_none

# (shape, dim, keepdim); dim None means a reduction over everything.
CASES = [
    ((3, 4), None, False),
    ((), None, False),
    ((5,), None, False),
    ((2, 3, 4), None, False),
    ((3, 4), 0, False),
    ((3, 4), 1, False),
    ((3, 4), -1, False),
    ((3, 4), -2, True),
    ((3, 4), 1, True),
    ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), (0, 2), True),
    ((2, 3, 4), (-1, 0), False),
    ((2, 3, 4), (-1, -2), True),
    ((2, 3, 4), (0, 1, 2), False),
    ((2, 3, 4), [1], False),
    ((2, 1, 4), 1, False),
    ((1, 1), (0, 1), True),
    ((), 0, False),
    ((), -1, True),
]


def _id(case):
    return str(case).replace(" ", "")


def _reduce(name, dim, keepdim, style):
    if dim is None:
        if style == "function":
            return lambda lib, x: getattr(lib, name)(x)
        return lambda lib, x: getattr(x, name)()
    if style == "function":
        return lambda lib, x: getattr(lib, name)(x, dim, keepdim)
    if style == "keywords":
        return lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim)
    return lambda lib, x: getattr(x, name)(dim, keepdim)


@pytest.mark.parametrize("style, case", [(style, case) for style in ("function", "method", "keywords")
                                         for case in CASES if not (style == "keywords" and case[1] is None)],
                         ids=lambda v: v if isinstance(v, str) else _id(v))
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_reduction(name, style, case):
    shape, dim, keepdim = case
    check_op(_reduce(name, dim, keepdim, style), [shape])


# Empty tensors: the sum of nothing is 0; a mean over a non-empty dim of an empty tensor is empty.
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.sum(),
    lambda lib, x: x.sum(0),
    lambda lib, x: x.sum(1),
    lambda lib, x: x.sum(1, keepdim=True),
    lambda lib, x: x.mean(1),
    lambda lib, x: x.mean(1, keepdim=True),
], ids=["sum", "sum0", "sum1", "sum1_keepdim", "mean1", "mean1_keepdim"])
def test_reduction_of_empty(fn):
    check_op(fn, [(0, 3)])


@requires_torch
def test_mean_of_empty_is_nan_like_torch():
    # PyTorch returns nan silently; NumPy's "Mean of empty slice" warning must not leak.
    import tapegrad
    import torch
    for lib in (tapegrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            assert np.isnan(lib.zeros(0, 3).mean().item())
            assert lib.zeros(0, 3).mean(0).shape == (3,)
            assert np.isnan(lib.zeros(0, 3).mean(0).numpy()).all()


def test_sum_with_dtype():
    # an explicit dtype decides the output dtype, so the float32-preservation check does not apply
    check_op(lambda lib, x: x.sum(dtype=lib.float64), [(3, 4)], check_float32=False)
    check_op(lambda lib, x: lib.sum(x, 0, dtype=lib.float64), [(3, 4)], dtype="float32", check_float32=False)
    check_op(lambda lib, x: x.mean(dtype=lib.float64), [(3, 4)], check_float32=False)


def test_reduction_composed_with_broadcast():
    # the reduction's gradient must broadcast back over the kept dims
    check_op(lambda lib, x, y: (x * y).sum(1, keepdim=True) / x.mean(), [(3, 4), (4,)])
    check_op(lambda lib, x: (x - x.mean(0)).sum(-1) * x.sum(), [(3, 4)])


@requires_torch
@pytest.mark.parametrize("dim", [2, -3, (0, 2)])
def test_dim_out_of_range_raises_like_torch(dim):
    import tapegrad
    import torch
    errors = []
    for lib in (tapegrad, torch):
        with pytest.raises(IndexError) as info:
            lib.ones(3, 4).sum(dim)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name", ["sum", "mean"])
def test_empty_dim_list_reduces_everything(name):
    # PyTorch: sum(()) and mean(()) reduce over every dim (all/any(()) reduce nothing, tested below)
    check_op(lambda lib, x: getattr(x, name)(()), [(2, 3)])
    check_op(lambda lib, x: getattr(x, name)((), keepdim=True), [(2, 3)])


# ================================================================ the ops added to sum and mean
# Each dict key is a test id (COVERAGE below names them); fn(lib, x) runs through tapegrad and torch.

def _lib_vector_norm(lib):
    """torch.linalg.vector_norm, or ours until `tapegrad.linalg` names it."""
    from tapegrad.ops import statistics
    return getattr(lib.linalg, "vector_norm", None) or statistics.vector_norm


PROD = {
    "all": ((3, 4), lambda lib, x: x.prod()),
    "all_function": ((2, 3, 2), lambda lib, x: lib.prod(x)),
    "dim0": ((3, 4), lambda lib, x: x.prod(0)),
    "dim_negative_keepdim": ((2, 3, 4), lambda lib, x: x.prod(-2, keepdim=True)),
    "function_keepdim": ((3, 4), lambda lib, x: lib.prod(x, 1, True)),
    "scalar": ((), lambda lib, x: x.prod()),
    "scalar_dim": ((), lambda lib, x: x.prod(0)),
    "size1": ((3, 1), lambda lib, x: x.prod(1)),
    "empty": ((0, 3), lambda lib, x: x.prod(0)),
    "empty_all": ((0, 3), lambda lib, x: x.prod()),
    "dtype": ((3, 4), lambda lib, x: x.prod(1, dtype=lib.float64)),
}


@pytest.mark.parametrize("case", list(PROD))
def test_prod(case):
    shape, fn = PROD[case]
    check_op(fn, [shape], check_float32=case != "dtype")


def _with_zeros(shape, positions):
    def make(rng):
        x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)
        for p in positions:
            x[p] = 0.0
        return [x]
    return make


# (shape, zero positions, function, order): one zero per slice is exact at order 2 too
PROD_ZEROS = {
    "one_zero": ((3, 4), [(1, 2)], lambda lib, x: x.prod(), 2),
    "one_zero_dim": ((3, 4), [(1, 2), (2, 0)], lambda lib, x: x.prod(1), 2),
    "one_zero_keepdim": ((3, 4), [(0, 0)], lambda lib, x: x.prod(0, keepdim=True), 2),
    "two_zeros": ((3, 4), [(1, 2), (2, 0)], lambda lib, x: x.prod(), 1),
    "two_zeros_dim": ((3, 4), [(1, 2), (1, 0), (2, 3)], lambda lib, x: x.prod(1), 1),
    "all_zero": ((2, 2), [(0, 0), (0, 1), (1, 0), (1, 1)], lambda lib, x: x.prod(0), 1),
}


@pytest.mark.parametrize("case", list(PROD_ZEROS))
def test_prod_with_zeros(case):
    shape, zeros, fn, order = PROD_ZEROS[case]
    check_op(fn, [shape], make_inputs=_with_zeros(shape, zeros), order=order)


MAX = {
    "max": ((3, 4), lambda lib, x: x.max()),
    "min": ((3, 4), lambda lib, x: lib.min(x)),
    "max_scalar": ((), lambda lib, x: x.max()),
    "max_dim": ((3, 4), lambda lib, x: x.max(1)[0]),
    "max_dim_values": ((3, 4), lambda lib, x: lib.max(x, 0).values),
    "max_dim_keepdim": ((2, 3, 4), lambda lib, x: x.max(-2, keepdim=True).values),
    "max_dim_keywords": ((2, 3, 4), lambda lib, x: lib.max(x, dim=2, keepdim=False)[0]),
    "max_dim_scalar": ((), lambda lib, x: x.max(0).values),
    "max_dim_size1": ((3, 1), lambda lib, x: x.max(1).values),
    "max_dim_empty_batch": ((0, 3), lambda lib, x: x.max(1).values),
    "min_dim": ((3, 4), lambda lib, x: x.min(0)[0]),
    "min_dim_keepdim": ((2, 3, 4), lambda lib, x: lib.min(x, 1, True).values),
    "amax": ((3, 4), lambda lib, x: x.amax()),
    "amax_dim": ((3, 4), lambda lib, x: x.amax(1)),
    "amax_tuple": ((2, 3, 4), lambda lib, x: lib.amax(x, (0, -1))),
    "amax_tuple_keepdim": ((2, 3, 4), lambda lib, x: x.amax((2, 0), keepdim=True)),
    "amax_empty_tuple": ((2, 3), lambda lib, x: x.amax(())),
    "amax_scalar": ((), lambda lib, x: x.amax(0)),
    "amin": ((3, 4), lambda lib, x: lib.amin(x)),
    "amin_dim_keepdim": ((3, 4), lambda lib, x: x.amin(-1, True)),
    "amin_empty_batch": ((0, 3), lambda lib, x: x.amin(1)),
    "maximum": ([(3, 4), (3, 4)], lambda lib, x, y: lib.max(x, y)),
    "maximum_broadcast": ([(3, 1), (4,)], lambda lib, x, y: x.max(y)),
    "maximum_scalar": ([(), (2, 3)], lambda lib, x, y: lib.max(x, other=y)),
    "minimum": ([(3, 4), (3, 4)], lambda lib, x, y: lib.min(x, y)),
    "minimum_broadcast": ([(2, 1, 3), (4, 1)], lambda lib, x, y: x.min(y)),
}


@pytest.mark.parametrize("case", list(MAX))
def test_max_min(case):
    shape, fn = MAX[case]
    check_op(fn, shape if isinstance(shape, list) else [shape])


def _oracle(fn, arrays, order=2):
    """fn on the same float64 inputs in both libraries: values, dtypes and gradients (and, at order
    2, the gradients of <gradient, w>) equal. For inputs where finite differences do not apply (ties)."""
    import tapegrad
    torch = torch_or_none()
    results = []
    for lib in (tapegrad, torch):
        rng = np.random.default_rng(1)  # the same v and w for both
        xs = [lib.tensor(np.ascontiguousarray(a), requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        v = lib.tensor(rng.standard_normal(tuple(out.shape)))
        grads = lib.autograd.grad(out, xs, v, create_graph=order > 1, allow_unused=True)
        row = [out.detach().numpy(), str(out.dtype)] + [g.detach().numpy(force=True) for g in grads]
        if order > 1:
            s = builtins_sum((g * lib.tensor(rng.standard_normal(g.shape))).sum() for g in grads)
            if s.requires_grad:
                row += [g.detach().numpy(force=True) if g is not None else np.zeros(x.shape) for g, x in
                        zip(lib.autograd.grad(s, xs, allow_unused=True), xs)]
        results.append(row)
    for a, b in zip(*results):
        if isinstance(a, str):
            assert a == b
        else:
            assert_close(a, b, atol=1e-10, rtol=1e-10)


def builtins_sum(items):
    total = None
    for item in items:
        total = item if total is None else total + item
    return total


TIES = np.array([[1.0, 3.0, 3.0, -2.0], [0.5, 0.5, 0.5, -1.0], [-2.0, 3.0, -2.0, 0.0]])
NAN = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, np.nan]])

# max over ties: max()/amax/median() split evenly; max(dim)/min(dim) pick the first; max(a, b) halves
TIE_CASES = {
    "max_all": (lambda lib, x: x.max(), [TIES]),
    "min_all": (lambda lib, x: x.min(), [TIES]),
    "max_dim": (lambda lib, x: x.max(1).values, [TIES]),
    "min_dim_keepdim": (lambda lib, x: x.min(0, True).values, [TIES]),
    "amax_dim": (lambda lib, x: x.amax(1), [TIES]),
    "amax_all": (lambda lib, x: x.amax(), [TIES]),
    "amin_tuple": (lambda lib, x: x.amin((0, 1), keepdim=True), [TIES]),
    "median_all": (lambda lib, x: x.median(), [TIES]),
    "median_dim": (lambda lib, x: x.median(1).values, [TIES[:, :3]]),
    "maximum": (lambda lib, x, y: lib.max(x, y), [TIES, TIES[::-1]]),
    "minimum": (lambda lib, x, y: lib.min(x, y), [TIES, TIES[:, ::-1]]),
    "max_all_nan": (lambda lib, x: x.max(), [NAN]),
    "max_dim_nan": (lambda lib, x: x.max(1).values, [NAN]),
    "amax_nan": (lambda lib, x: x.amax(1), [NAN]),
    "median_nan": (lambda lib, x: x.median(), [NAN]),
    "median_dim_nan": (lambda lib, x: x.median(1).values, [NAN]),
    "maximum_nan": (lambda lib, x, y: lib.max(x, y), [NAN, NAN[:, ::-1]]),
    "norm_inf_ties": (lambda lib, x: x.norm(float("inf")), [TIES]),
    "norm_at_zero": (lambda lib, x: x.norm(dim=1), [np.zeros((2, 3))]),
    "norm_1_at_zero": (lambda lib, x: x.norm(1), [np.zeros((2, 3))]),
    "norm_3_at_zero": (lambda lib, x: x.norm(3, 0), [np.zeros((2, 3))]),
    "norm_half_with_zero": (lambda lib, x: x.norm(0.5), [TIES]),
    "std_at_zero": (lambda lib, x: x.std(1), [np.ones((2, 3))]),
    "cumprod_zeros": (lambda lib, x: x.cumprod(1), [np.array([[2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 1.5, 2.0, 0.5, 3.0]])]),
    "prod_zeros": (lambda lib, x: x.prod(1), [np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 2.0], [1.0, 2.0, 3.0]])]),
    "logsumexp_infinities": (lambda lib, x: x.logsumexp(1), [np.array([[-np.inf, -np.inf], [np.inf, 1.0]])]),
}


@requires_torch
@pytest.mark.parametrize("case", list(TIE_CASES))
def test_kinks_and_ties_match_torch(case):
    fn, arrays = TIE_CASES[case]
    # order 1 only: at x = 0 PyTorch's second derivatives of norms are nan (0 * inf inside its
    # formulas), ours 0; with several zeros in a slice second derivatives of prod/cumprod differ
    order = 1 if case in ("cumprod_zeros", "prod_zeros", "logsumexp_infinities", "norm_at_zero",
                          "norm_half_with_zero") else 2
    _oracle(fn, arrays, order)


@requires_torch
def test_max_dim_returns_namedtuple_printed_like_torch():
    import tapegrad
    import torch
    outputs = []
    for lib in (tapegrad, torch):
        x = lib.tensor([[1.0, 5.0], [4.0, 2.0]], requires_grad=True)
        result = x.max(1)
        values, indices = result
        assert result.values is values and result.indices is indices and len(result) == 2
        outputs += [repr(result), str(lib.tensor([[3, 1]]).min(1, keepdim=True)), repr(x.median(0)),
                    repr(lib.max(lib.tensor(2.0), 0)), type(result).__name__]
    assert outputs[:5] == outputs[5:]


def test_return_type_pickles():
    import pickle

    import tapegrad
    result = pickle.loads(pickle.dumps(tapegrad.tensor([1.0, 3.0]).max(0)))
    assert result.values.item() == 3.0 and result.indices.item() == 1 and type(result).__name__ == "max"


# (function, input): outputs that carry no gradient, compared with torch (value and dtype)
INDEX_CASES = {
    "argmax": lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]]).argmax(),
    "argmax_dim": lambda lib: lib.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]]).argmax(1),
    "argmax_keepdim": lambda lib: lib.argmax(lib.tensor([[1.0, 5.0], [7.0, 2.0]]), 0, True),
    "argmax_none_keepdim": lambda lib: lib.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(keepdim=True),
    "argmax_nan": lambda lib: lib.tensor([1.0, float("nan"), 3.0]).argmax(),
    "argmax_int": lambda lib: lib.tensor([[3, 1], [4, 4]]).argmax(dim=-1),
    "argmax_scalar": lambda lib: lib.tensor(2.0).argmax(0),
    "argmax_empty_batch": lambda lib: lib.zeros(0, 3).argmax(1),
    "argmin": lambda lib: lib.tensor([[1.0, -5.0], [-5.0, 2.0]]).argmin(),
    "argmin_dim_keepdim": lambda lib: lib.tensor([[1.0, -5.0], [-5.0, 2.0]]).argmin(0, keepdim=True),
    "max_dim_indices": lambda lib: lib.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]).max(1).indices,
    "min_dim_indices": lambda lib: lib.tensor([[1.0, 3.0, 1.0], [2.0, 2.0, 0.0]]).min(1).indices,
    "max_dim_nan_indices": lambda lib: lib.tensor([[1.0, float("nan"), 3.0, float("nan")]]).max(1).indices,
    "min_int": lambda lib: lib.tensor([[3, 1], [4, 4]]).min(),
    "max_int_dim": lambda lib: lib.tensor([[3, 1], [4, 4]]).max(0).values,
    "max_bool": lambda lib: lib.tensor([True, False]).max(),
    "maximum_int_float": lambda lib: lib.max(lib.tensor([1, 5]), lib.tensor([2.5, 0.5])),
    "amax_int": lambda lib: lib.tensor([[3, 1], [4, 4]]).amax(1),
    "median_int": lambda lib: lib.tensor([4, 1, 3, 2]).median(),
    "median_even": lambda lib: lib.tensor([4.0, 1.0, 3.0, 2.0]).median(),
    "median_empty": lambda lib: lib.zeros(0).median(),
    "median_indices": lambda lib: lib.tensor([[2.0, 1.0, 2.0, 2.0, 3.0], [5.0, 2.0, 2.0, 9.0, 1.0]]).median(1).indices,
    "median_nan_indices": lambda lib: lib.tensor([[1.0, float("nan"), 3.0, float("nan")]]).median(1).indices,
    "prod_int": lambda lib: lib.tensor([[1, 2], [3, 4]]).prod(),
    "prod_int32_dim": lambda lib: lib.tensor([[1, 2], [3, 4]], dtype=lib.int32).prod(1),
    "prod_bool": lambda lib: lib.tensor([True, True]).prod(),
    "prod_int_dtype": lambda lib: lib.tensor([1, 2, 3]).prod(dtype=lib.float32),
    "sum_int32": lambda lib: lib.tensor([1, 2], dtype=lib.int32).sum(),
    "cumsum_int": lambda lib: lib.tensor([[1, 2], [3, 4]], dtype=lib.int32).cumsum(0),
    "cumsum_bool": lambda lib: lib.tensor([True, False, True]).cumsum(0),
    "cumsum_uint8": lambda lib: lib.tensor([200, 100], dtype=lib.uint8).cumsum(0),
    "cumprod_int": lambda lib: lib.tensor([[1, 2], [3, 4]]).cumprod(1),
    "cumprod_int_dtype": lambda lib: lib.cumprod(lib.tensor([1, 2, 3]), 0, dtype=lib.float64),
    "logsumexp_int": lambda lib: lib.tensor([[1, 2], [3, 4]]).logsumexp(1),
    "logsumexp_all_minus_inf": lambda lib: lib.tensor([-float("inf")] * 2).logsumexp(0),
    "logsumexp_inf": lambda lib: lib.tensor([float("inf"), 1.0]).logsumexp(0),
    "logsumexp_nan": lambda lib: lib.tensor([float("nan"), 1.0]).logsumexp(0),
    "logsumexp_empty": lambda lib: lib.zeros(0, 3).logsumexp(0),
    "logsumexp_large": lambda lib: lib.tensor([1000.0, 1000.0]).logsumexp(0),
    "all": lambda lib: lib.tensor([[1.0, 0.0], [2.0, 3.0]]).all(),
    "all_dim": lambda lib: lib.tensor([[1.0, 0.0], [2.0, 3.0]]).all(1),
    "all_tuple_keepdim": lambda lib: lib.all(lib.tensor([[1.0, 0.0], [2.0, 3.0]]), (0, 1), True),
    "all_none_keepdim": lambda lib: lib.tensor([[1.0, 0.0], [2.0, 3.0]]).all(keepdim=True),
    "all_empty_list": lambda lib: lib.tensor([[1.0, 0.0], [2.0, 3.0]]).all(()),
    "all_uint8": lambda lib: lib.tensor([[1, 0], [2, 3]], dtype=lib.uint8).all(0),
    "all_int8": lambda lib: lib.tensor([1, 2], dtype=lib.int8).all(),
    "all_empty": lambda lib: lib.zeros(0, 3).all(),
    "any": lambda lib: lib.tensor([[1.0, 0.0], [0.0, 0.0]]).any(),
    "any_dim_negative": lambda lib: lib.any(lib.tensor([[1.0, 0.0], [0.0, 0.0]]), -1),
    "any_empty_dim": lambda lib: lib.zeros(0, 3).any(0),
    "any_nan": lambda lib: lib.tensor([float("nan"), 0.0]).any(),
    "count_nonzero": lambda lib: lib.count_nonzero(lib.tensor([[1.0, 0.0], [2.0, 0.0]])),
    "count_nonzero_dim": lambda lib: lib.tensor([[1.0, 0.0], [2.0, 0.0]]).count_nonzero(0),
    "count_nonzero_tuple": lambda lib: lib.count_nonzero(lib.tensor([[[1, 0]], [[2, 0]]]), dim=(0, 2)),
    "count_nonzero_bool": lambda lib: lib.tensor([True, False]).count_nonzero(),
    "count_nonzero_empty_list": lambda lib: lib.tensor([[1.0, 0.0]]).count_nonzero(()),
    "var_correction_too_large": lambda lib: lib.tensor([[1.0, 2.0], [3.0, 4.0]]).var(0, correction=3),
    "var_single": lambda lib: lib.tensor([1.0]).var(),
    "var_empty": lambda lib: lib.zeros(0, 3).var(0),
    "std_scalar": lambda lib: lib.tensor(2.0).std(),
    "norm_0": lambda lib: lib.tensor([[1.0, 0.0], [2.0, 0.0]]).norm(0),
    "norm_empty": lambda lib: lib.zeros(0, 3).norm(),
    "norm_inf_empty_batch": lambda lib: lib.zeros(0, 3).norm(float("inf"), 1),
    "norm_negative": lambda lib: lib.tensor([[1.0, 0.0], [2.0, 3.0]]).norm(-1.5, 1),
    "norm_minus_inf": lambda lib: lib.tensor([[1.0, -0.5], [2.0, 3.0]]).norm(float("-inf")),
    "norm_dtype": lambda lib: lib.tensor([3.0, 4.0]).norm(dtype=lib.float64),
    "norm_large": lambda lib: lib.tensor([3e20, 4e20], dtype=lib.float64).norm(),
}


@requires_torch
@pytest.mark.parametrize("case", list(INDEX_CASES))
def test_values_and_dtypes_match_torch(case):
    import tapegrad
    import torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours, theirs = INDEX_CASES[case](tapegrad), INDEX_CASES[case](torch)
    assert str(ours.dtype) == str(theirs.dtype)
    assert ours.shape == theirs.shape
    assert_close(ours, theirs, atol=0, rtol=1e-6)


VAR = {
    "var": ((3, 4), lambda lib, x: x.var()),
    "var_dim": ((3, 4), lambda lib, x: x.var(1)),
    "var_tuple_keepdim": ((2, 3, 4), lambda lib, x: lib.var(x, (0, 2), keepdim=True)),
    "var_negative_dim": ((2, 3, 4), lambda lib, x: x.var(-2)),
    "var_correction0": ((3, 4), lambda lib, x: x.var(0, correction=0)),
    "var_correction_float": ((3, 4), lambda lib, x: x.var(correction=2.5)),
    "var_unbiased_false": ((3, 4), lambda lib, x: x.var(1, unbiased=False)),
    "var_positional_unbiased": ((3, 4), lambda lib, x: lib.var(x, 0, False, True)),
    "var_only_unbiased": ((3, 4), lambda lib, x: x.var(False)),
    "var_size1_dim": ((3, 1, 2), lambda lib, x: x.var((0, 1))),
    "var_1d": ((5,), lambda lib, x: x.var(0)),
    "std": ((3, 4), lambda lib, x: x.std()),
    "std_dim_keepdim": ((3, 4), lambda lib, x: x.std(0, keepdim=True)),
    "std_tuple_correction": ((2, 3, 4), lambda lib, x: lib.std(x, dim=(1, 2), correction=0)),
    "std_unbiased": ((3, 4), lambda lib, x: x.std(1, True, True)),
    "var_mean_var": ((3, 4), lambda lib, x: lib.var_mean(x)[0]),
    "var_mean_mean": ((3, 4), lambda lib, x: lib.var_mean(x, 1, keepdim=True)[1]),
    "var_mean_sum": ((2, 3, 4), lambda lib, x: lib.var_mean(x, (0, 2), correction=0)[0] * lib.var_mean(x, (0, 2))[1]),
    "std_mean_std": ((3, 4), lambda lib, x: lib.std_mean(x, 0)[0]),
    "std_mean_mean": ((3, 4), lambda lib, x: lib.std_mean(x, unbiased=False)[1]),
    "std_mean_product": ((3, 4), lambda lib, x: lib.std_mean(x, -1, keepdim=True)[0] * lib.std_mean(x)[1]),
}


@pytest.mark.parametrize("case", list(VAR))
def test_var_std(case):
    shape, fn = VAR[case]
    check_op(fn, [shape])


NORM = {
    "norm": ((3, 4), lambda lib, x: x.norm()),
    "norm_function": ((2, 3, 4), lambda lib, x: lib.norm(x)),
    "fro": ((3, 4), lambda lib, x: x.norm("fro")),
    "fro_dims": ((2, 3, 4), lambda lib, x: lib.norm(x, "fro", (0, 2), True)),
    "p2_dim": ((3, 4), lambda lib, x: x.norm(2, 1)),
    "p1": ((3, 4), lambda lib, x: x.norm(1)),
    "p1_dim_keepdim": ((3, 4), lambda lib, x: x.norm(p=1, dim=0, keepdim=True)),
    "inf": ((3, 4), lambda lib, x: x.norm(float("inf"))),
    "inf_dim": ((3, 4), lambda lib, x: x.norm(float("inf"), dim=-1)),
    "minus_inf": ((3, 4), lambda lib, x: x.norm(float("-inf"), 0)),
    "p3": ((3, 4), lambda lib, x: x.norm(3)),
    "p1_5": ((3, 4), lambda lib, x: x.norm(1.5, 1)),
    "p0_5": ((3, 4), lambda lib, x: x.norm(0.5, (0, 1))),
    "p_negative": ((3, 4), lambda lib, x: x.norm(-2, 1)),
    "p0": ((3, 4), lambda lib, x: x.norm(0)),
    "scalar": ((), lambda lib, x: x.norm()),
    "empty": ((0, 3), lambda lib, x: x.norm(dim=0)),
    "vector_norm": ((3, 4), lambda lib, x: _lib_vector_norm(lib)(x)),
    "vector_norm_ord": ((2, 3, 4), lambda lib, x: _lib_vector_norm(lib)(x, 3, (0, -1), True)),
    "vector_norm_inf": ((3, 4), lambda lib, x: _lib_vector_norm(lib)(x, ord=float("inf"), dim=0)),
    "vector_norm_keepdim_all": ((3, 4), lambda lib, x: _lib_vector_norm(lib)(x, 1, keepdim=True)),
}


@pytest.mark.parametrize("case", list(NORM))
def test_norm(case):
    shape, fn = NORM[case]
    check_op(fn, [shape])


LOGSUMEXP = {
    "dim": ((3, 4), lambda lib, x: x.logsumexp(1)),
    "function": ((3, 4), lambda lib, x: lib.logsumexp(x, 0)),
    "keepdim": ((2, 3, 4), lambda lib, x: x.logsumexp(-1, keepdim=True)),
    "tuple": ((2, 3, 4), lambda lib, x: lib.logsumexp(x, (0, 2))),
    "tuple_keepdim": ((2, 3, 4), lambda lib, x: x.logsumexp([1, 2], True)),
    "scalar": ((), lambda lib, x: x.logsumexp(0)),
    "empty_batch": ((0, 3), lambda lib, x: x.logsumexp(1)),
    "large": ((3, 4), lambda lib, x: (x * 300).logsumexp(1)),
}


@pytest.mark.parametrize("case", list(LOGSUMEXP))
def test_logsumexp(case):
    shape, fn = LOGSUMEXP[case]
    check_op(fn, [shape])


SCANS = {
    "cumsum": ((3, 4), lambda lib, x: x.cumsum(1)),
    "cumsum_function": ((3, 4), lambda lib, x: lib.cumsum(x, 0)),
    "cumsum_negative": ((2, 3, 4), lambda lib, x: x.cumsum(dim=-2)),
    "cumsum_scalar": ((), lambda lib, x: x.cumsum(0)),
    "cumsum_empty": ((0, 3), lambda lib, x: x.cumsum(0)),
    "cumsum_dtype": ((3, 4), lambda lib, x: x.cumsum(1, dtype=lib.float64)),
    "cumprod": ((3, 4), lambda lib, x: x.cumprod(1)),
    "cumprod_function": ((3, 4), lambda lib, x: lib.cumprod(x, 0)),
    "cumprod_negative": ((2, 3, 4), lambda lib, x: x.cumprod(dim=-1)),
    "cumprod_scalar": ((), lambda lib, x: x.cumprod(0)),
    "cumprod_size1": ((3, 1), lambda lib, x: x.cumprod(1)),
    "cumprod_empty": ((0, 3), lambda lib, x: x.cumprod(1)),
}


@pytest.mark.parametrize("case", list(SCANS))
def test_scans(case):
    shape, fn = SCANS[case]
    check_op(fn, [shape], check_float32=not case.endswith("dtype"))


# cumprod with zeros: first order exact everywhere (PyTorch's formula); second order where no zero
CUMPROD_ZEROS = {
    "one_zero": ((2, 5), [(0, 2)]),
    "two_zeros": ((2, 5), [(0, 1), (0, 3), (1, 4)]),
    "zero_first": ((3, 4), [(0, 0), (1, 0), (2, 1)]),
    "all_zero": ((2, 3), [(0, 0), (0, 1), (0, 2)]),
}


@pytest.mark.parametrize("case", list(CUMPROD_ZEROS))
def test_cumprod_with_zeros(case):
    shape, zeros = CUMPROD_ZEROS[case]
    check_op(lambda lib, x: x.cumprod(1), [shape], make_inputs=_with_zeros(shape, zeros), order=1)
    check_op(lambda lib, x: x.cumprod(0), [shape], make_inputs=_with_zeros(shape, zeros), order=1)


def test_median():
    check_op(lambda lib, x: x.median(), [(3, 4)])
    check_op(lambda lib, x: lib.median(x), [(5,)])
    check_op(lambda lib, x: x.median(1).values, [(3, 4)])
    check_op(lambda lib, x: lib.median(x, -1, keepdim=True)[0], [(2, 3, 5)])
    check_op(lambda lib, x: x.median(0).values, [()])


# Node names: each expression's grad_fn, tapegrad against torch.
NODE_NAMES = {
    "prod": lambda lib, x: x.prod(), "prod_dim": lambda lib, x: x.prod(1),
    "max": lambda lib, x: x.max(), "max_dim": lambda lib, x: x.max(0).values,
    "min": lambda lib, x: x.min(), "min_dim": lambda lib, x: x.min(1, True)[0],
    "maximum": lambda lib, x: lib.max(x, x * 2), "minimum": lambda lib, x: x.min(x[0]),
    "amax": lambda lib, x: x.amax(), "amin_dim": lambda lib, x: x.amin(1),
    "median": lambda lib, x: x.median(), "median_dim": lambda lib, x: x.median(1).values,
    "var": lambda lib, x: x.var(), "var_dim": lambda lib, x: x.var(0), "std": lambda lib, x: x.std(1),
    "var_mean_0": lambda lib, x: lib.var_mean(x)[0], "var_mean_1": lambda lib, x: lib.var_mean(x, 1)[1],
    "std_mean_0": lambda lib, x: lib.std_mean(x)[0], "std_mean_1": lambda lib, x: lib.std_mean(x, 0)[1],
    "norm": lambda lib, x: x.norm(), "norm_1": lambda lib, x: x.norm(1, 0), "norm_fro": lambda lib, x: x.norm("fro"),
    "vector_norm": lambda lib, x: _lib_vector_norm(lib)(x, float("inf")),
    "logsumexp": lambda lib, x: x.logsumexp(1), "cumsum": lambda lib, x: x.cumsum(0),
    "cumprod": lambda lib, x: x.cumprod(1),
}


@requires_torch
@pytest.mark.parametrize("case", list(NODE_NAMES))
def test_node_names_match_torch(case):
    import tapegrad
    import torch
    names = []
    for lib in (tapegrad, torch):
        x = lib.tensor(np.arange(12.0).reshape(3, 4) - 5.5, requires_grad=True)
        names.append(type(NODE_NAMES[case](lib, x).grad_fn).__name__)
    assert names[0] == names[1]


ERRORS = {
    "max_empty": lambda lib: lib.zeros(0, 3).max(),
    "min_empty": lambda lib: lib.zeros(0).min(),
    "max_dim_empty": lambda lib: lib.zeros(0, 3).max(0),
    "amax_empty": lambda lib: lib.zeros(0, 3).amax(),
    "amin_dim_empty": lambda lib: lib.zeros(0, 3).amin(0),
    "argmax_empty": lambda lib: lib.zeros(0, 3).argmax(),
    "argmax_dim_empty": lambda lib: lib.zeros(0, 3).argmax(0),
    "argmax_bool": lambda lib: lib.tensor([True]).argmax(),
    "argmin_bool": lambda lib: lib.tensor([True]).argmin(),
    "max_dim_out_of_range": lambda lib: lib.ones(2, 3).max(2),
    "amax_repeated_dim": lambda lib: lib.ones(2, 3).amax((0, 1, -1)),
    "sum_repeated_dim": lambda lib: lib.ones(2, 3).sum((0, 0)),
    "amax_scalar_out_of_range": lambda lib: lib.tensor(3.0).amax(1),
    "cumsum_out_of_range": lambda lib: lib.ones(2, 3).cumsum(2),
    "cumsum_tuple": lambda lib: lib.ones(2, 3).cumsum((0,)),
    "argmax_tuple": lambda lib: lib.ones(2, 3).argmax(dim=(0, 1)),
    "median_tuple": lambda lib: lib.ones(2, 3).median((0,)),
    "var_int": lambda lib: lib.tensor([1, 2]).var(),
    "std_int": lambda lib: lib.tensor([1, 2]).std(0),
    "var_mean_int": lambda lib: lib.var_mean(lib.tensor([1, 2])),
    "std_mean_int": lambda lib: lib.std_mean(lib.tensor([1, 2])),
    "mean_int": lambda lib: lib.tensor([1, 2]).mean(),
    "norm_int": lambda lib: lib.tensor([1, 2]).norm(),
    "vector_norm_int": lambda lib: _lib_vector_norm(lib)(lib.tensor([1, 2])),
    "norm_inf_empty": lambda lib: lib.zeros(0, 3).norm(float("inf")),
    "norm_negative_empty": lambda lib: _lib_vector_norm(lib)(lib.zeros(0, 3), -1),
    "norm_inf_empty_dim": lambda lib: _lib_vector_norm(lib)(lib.zeros(0, 3), float("inf"), 0),
    "norm_fro_three_dims": lambda lib: lib.norm(lib.ones(2, 2, 2), "fro", (0, 1, 2)),
    "norm_unknown_order": lambda lib: lib.ones(2, 2).norm("abc"),
    "median_bool": lambda lib: lib.tensor([True, False]).median(),
    "median_dim_bool": lambda lib: lib.tensor([True, False]).median(0),
    "logsumexp_empty_dims": lambda lib: lib.ones(2, 2).logsumexp(()),
    "maximum_broadcast": lambda lib: lib.ones(2, 3).max(lib.ones(2)),
}


@requires_torch
@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    import tapegrad
    import torch
    raised = []
    for lib in (tapegrad, torch):
        with pytest.raises(Exception) as info:
            ERRORS[case](lib)
        raised.append((type(info.value), str(info.value)))
    assert raised[0] == raised[1]


@requires_torch
@pytest.mark.parametrize("fn", [
    lambda lib: lib.tensor([[1.0, 2.0], [3.0, 4.0]]).var(0, correction=2),
    lambda lib: lib.tensor([1.0]).std(),
    lambda lib: lib.zeros(0).var(),
    lambda lib: lib.var_mean(lib.tensor([1.0, 2.0]), correction=2)[0],
], ids=["var", "std", "var_empty", "var_mean"])
def test_degrees_of_freedom_warning_like_torch(fn):
    import tapegrad
    import torch
    results = []
    for lib in (tapegrad, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = fn(lib)
        messages = [str(w.message).split(" (Triggered internally")[0] for w in caught
                    if issubclass(w.category, UserWarning)]
        results.append((value.tolist(), messages))
    assert str(results[0]) == str(results[1])


@requires_torch
def test_degrees_of_freedom_gradients_like_torch():
    # N <= correction: inf or nan gradients, following PyTorch's formulas (with and without dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _oracle(lambda lib, x: x.var(0, correction=2), [np.array([1.0, 2.0])], order=1)
        _oracle(lambda lib, x: x.var(0, correction=3), [np.array([1.0, 2.0])], order=1)
        _oracle(lambda lib, x: x.var(correction=3), [np.array([1.0, 2.0])], order=1)
        _oracle(lambda lib, x: x.var(correction=3), [np.array([1.0, 1.0])], order=1)
        _oracle(lambda lib, x: x.std(), [np.array([1.0])], order=1)


@requires_torch
def test_tables_follow_torch():
    import torch

    from tapegrad.ops import reduction, statistics
    for module in (reduction, statistics):
        for name in module.PUBLIC:
            assert hasattr(torch, name), name
        for name in module.METHODS:
            assert hasattr(torch.Tensor, name), name
    assert hasattr(torch.linalg, "vector_norm")


def test_float32_stays_float32():
    import tapegrad
    x = tapegrad.randn(3, 4, dtype=tapegrad.float32, requires_grad=True)
    outputs = [x.prod(), x.prod(1), x.max(), x.max(0).values, x.amax(1), x.median(), x.var(0), x.std(),
               x.norm(), x.norm(float("inf"), 1), x.logsumexp(1), x.cumsum(0), x.cumprod(1),
               tapegrad.var_mean(x)[1], tapegrad.max(x, x[0])]
    for out in outputs:
        assert out.dtype == tapegrad.float32
        (grad,) = tapegrad.autograd.grad(out.sum(), x)
        assert grad.dtype == tapegrad.float32, type(out.grad_fn).__name__
    with_ties = tapegrad.tensor([1.0, 3.0, 3.0], requires_grad=True)  # the tie counts are cast
    (grad,) = tapegrad.autograd.grad(with_ties.amax() + with_ties.max() + with_ties.norm(float("inf")), with_ties)
    assert grad.dtype == tapegrad.float32 and grad.tolist() == [0.0, 1.5, 1.5]


def test_second_order_selection_ops():
    # the gradient of max(dim) is a scatter, whose gradient is a gather: both twice differentiable
    check_op(lambda lib, x: x.max(1).values ** 2, [(3, 4)])
    check_op(lambda lib, x: x.median(0, keepdim=True).values * x.sum(), [(3, 4)])
    check_op(lambda lib, x: x.cumsum(1) * x, [(3, 4)])
    check_op(lambda lib, x: x.cumprod(0) * x, [(3, 4)])


COVERAGE = {
    "_prod_all": ["test_reduction.py::test_prod", "test_reduction.py::test_prod_with_zeros"],
    "_prod_dim": ["test_reduction.py::test_prod", "test_reduction.py::test_prod_with_zeros"],
    "_max_all": ["test_reduction.py::test_max_min", "test_reduction.py::test_kinks_and_ties_match_torch"],
    "_min_all": ["test_reduction.py::test_max_min", "test_reduction.py::test_kinks_and_ties_match_torch"],
    "_amax": ["test_reduction.py::test_max_min", "test_reduction.py::test_kinks_and_ties_match_torch"],
    "_amin": ["test_reduction.py::test_max_min", "test_reduction.py::test_kinks_and_ties_match_torch"],
    "_max_dim": ["test_reduction.py::test_max_min", "test_reduction.py::test_second_order_selection_ops"],
    "_min_dim": ["test_reduction.py::test_max_min", "test_reduction.py::test_kinks_and_ties_match_torch"],
    "_median_all": ["test_reduction.py::test_median", "test_reduction.py::test_kinks_and_ties_match_torch"],
    "_median_dim": ["test_reduction.py::test_median", "test_reduction.py::test_second_order_selection_ops"],
    "_put_along": ["test_reduction.py::test_max_min", "test_reduction.py::test_second_order_selection_ops"],
    "_take_along": ["test_reduction.py::test_max_min", "test_reduction.py::test_second_order_selection_ops"],
    "_logsumexp": ["test_reduction.py::test_logsumexp"],
    "_cumsum": ["test_reduction.py::test_scans"],
    "_cumsum_reversed": ["test_reduction.py::test_scans", "test_reduction.py::test_second_order_selection_ops"],
    "_cumprod": ["test_reduction.py::test_scans", "test_reduction.py::test_cumprod_with_zeros"],
    "_var": ["test_reduction.py::test_var_std", "test_reduction.py::test_degrees_of_freedom_gradients_like_torch"],
    "_std": ["test_reduction.py::test_var_std", "test_reduction.py::test_kinks_and_ties_match_torch"],
    "_var_of_var_mean": ["test_reduction.py::test_var_std"],
    "_mean_of_var_mean": ["test_reduction.py::test_var_std"],
    "_std_of_std_mean": ["test_reduction.py::test_var_std"],
    "_mean_of_std_mean": ["test_reduction.py::test_var_std"],
    "_vector_norm": ["test_reduction.py::test_norm", "test_reduction.py::test_kinks_and_ties_match_torch"],
}


def _reduction_calls(x, y):
    import tapegrad
    from tapegrad.ops import statistics
    return (x.prod(), y.prod(1), x.max(), x.min(), x.max(1).values, x.min(0, keepdim=True).values, x.amax(1),
            x.amin((0, 1)), tapegrad.max(x, y), tapegrad.min(x, y[0]), x.median(), x.median(1).values,
            x.logsumexp(1), x.cumsum(0), x.cumprod(1), x.var(1), x.std(), tapegrad.var_mean(x, 0),
            tapegrad.std_mean(x, 1, keepdim=True), x.norm(), x.norm(1, 0), x.norm(float("inf"), 1), y.norm(3),
            y.norm(0.5, 1), statistics.vector_norm(x, float("-inf"), (0, 1)), x.norm(0))


def _reduction_in_rules(x, y):
    # ops only derivative rules call, recorded when a gradient is taken with create_graph
    import tapegrad
    grad = tapegrad.autograd.grad
    scatter = grad(x.max(1).values, x, grad_outputs=y[:, 0] * 1.0, create_graph=True)[0]  # _put_along
    return (scatter,
            grad(scatter, y, grad_outputs=x * 1.0, create_graph=True)[0],                # _take_along
            grad(x.cumsum(1), x, grad_outputs=y * 1.0, create_graph=True)[0])            # _cumsum_reversed


JVP_EXPRESSIONS = {"reduction": _reduction_calls, "reduction_in_rules": _reduction_in_rules}
