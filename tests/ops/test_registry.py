"""Tests of ops/_registry.py: every registered op is covered, node names are PyTorch's, and the
registry's own ops (sum_to_size, expand, to_dtype) are correct.

COVERAGE names, for each registered op, the test cases (file::function[case]) that exercise it;
a new op fails `test_every_registered_op_is_covered` until it gets a test and an entry here.
"""
import ast
import functools
import os
import re

import pytest

from checks import check_op, requires_torch

import tapegrad
from tapegrad.ops import REGISTRY

HERE = os.path.dirname(os.path.abspath(__file__))

COVERAGE = {
    # ops/_registry.py
    "sum_to_size": ["test_registry.py::test_sum_to_size",
                    "test_elementwise.py::test_binary[add]"],  # every broadcast gradient at order 2
    "expand": ["test_shape.py::test_shape_op[expand]", "test_shape.py::test_shape_op[expand_as]",
               "test_registry.py::test_sum_to_size"],
    "to_dtype": ["test_registry.py::test_to_dtype", "test_reduction.py::test_sum_with_dtype",
                 "test_indexing.py::test_setitem_value_dtype_is_cast"],
    # ops/elementwise.py
    "add": ["test_elementwise.py::test_binary[add]", "test_elementwise.py::test_binary[add_alpha]",
            "test_elementwise.py::test_binary_with_python_number[x_plus_1]"],
    "sub": ["test_elementwise.py::test_binary[sub]", "test_elementwise.py::test_binary[sub_alpha]"],
    "rsub": ["test_elementwise.py::test_binary[rsub]",
             "test_elementwise.py::test_binary_with_python_number[rsub_2_minus_x]"],
    "mul": ["test_elementwise.py::test_binary[mul]"],
    "div": ["test_elementwise.py::test_binary[div]",
            "test_elementwise.py::test_binary_with_python_number[x_div_2]"],
    "neg": ["test_elementwise.py::test_unary[neg]"],
    "reciprocal": ["test_elementwise.py::test_unary[reciprocal]",
                   "test_elementwise.py::test_binary_with_python_number[2_div_x]"],
    "pow_scalar": ["test_elementwise.py::test_pow_scalar_exponent",
                   "test_elementwise.py::test_pow_integer_exponent_of_negative_inputs",
                   "test_elementwise.py::test_unary[square]"],
    "pow_tensor": ["test_elementwise.py::test_pow_tensor_exponent"],
    "_pow_base": ["test_elementwise.py::test_pow_scalar_base"],
    "exp": ["test_elementwise.py::test_unary[exp]"],
    "log": ["test_elementwise.py::test_unary[log]", "test_elementwise.py::test_pow_tensor_exponent"],
    "sqrt": ["test_elementwise.py::test_unary[sqrt]"],
    "abs": ["test_elementwise.py::test_unary[abs]"],
    "sign": ["test_elementwise.py::test_unary[sign]", "test_elementwise.py::test_unary[abs]"],
    "sin": ["test_elementwise.py::test_unary[sin]"],
    "cos": ["test_elementwise.py::test_unary[cos]"],
    "tanh": ["test_elementwise.py::test_unary[tanh]"],
    "sigmoid": ["test_elementwise.py::test_unary[sigmoid]",
                "test_elementwise.py::test_sigmoid_large_inputs_do_not_overflow"],
    "relu": ["test_elementwise.py::test_unary[relu]"],
    "clone": ["test_elementwise.py::test_unary[clone]"],
    "copy_value": ["test_registry.py::test_grad_accumulated_with_create_graph"],
    "overwrite": ["test_elementwise.py::test_copy_", "test_elementwise.py::test_copy_from_other_dtype"],
    "fill": ["test_elementwise.py::test_fill_and_zero"],
    "binary_cross_entropy_with_logits": ["test_nn.py::test_bce_with_logits",
                                         "test_nn.py::test_bce_with_logits_weights"],
    "_softplus_neg_op": ["test_nn.py::test_bce_with_logits_weights"],
    "remainder": ["test_elementwise.py::test_remainder"],
    "floor_divide": ["test_elementwise.py::test_remainder"],
    "zero": ["test_elementwise.py::test_fill_and_zero"],
    # ops/shape.py
    "_reshape_view": ["test_shape.py::test_shape_op[reshape]", "test_shape.py::test_shape_op[reshape_minus1]"],
    "_reshape_copy": ["test_shape.py::test_reshape_of_transposed"],
    "view": ["test_shape.py::test_shape_op[view]", "test_shape.py::test_shape_op[view_minus1]"],
    "flatten": ["test_shape.py::test_shape_op[flatten]"],
    "transpose": ["test_shape.py::test_shape_op[transpose]"],
    "t": ["test_shape.py::test_shape_op[t]"],
    "permute": ["test_shape.py::test_shape_op[permute]", "test_shape.py::test_shape_op[T_2d]"],
    "unsqueeze": ["test_shape.py::test_shape_op[unsqueeze]"],
    "_squeeze_all": ["test_shape.py::test_shape_op[squeeze]"],
    "_squeeze_dim": ["test_shape.py::test_shape_op[squeeze_dim]"],
    # ops/reduction.py
    "_sum_all": ["test_reduction.py::test_reduction"],
    "_sum_dim": ["test_reduction.py::test_reduction"],
    "_mean_all": ["test_reduction.py::test_reduction"],
    "_mean_dim": ["test_reduction.py::test_reduction"],
    # ops/linalg.py
    "dot": ["test_linalg.py::test_dot", "test_linalg.py::test_matmul[1d_1d]"],
    "mv": ["test_linalg.py::test_mv", "test_linalg.py::test_matmul[2d_1d]"],
    "mm": ["test_linalg.py::test_mm", "test_linalg.py::test_matmul[2d_2d]"],
    "_matmul_nd": ["test_linalg.py::test_matmul[3d_3d]", "test_linalg.py::test_matmul[4d_2d]"],
    "_bmm": ["test_linalg.py::test_bmm"],
    "squeeze_for_matmul": ["test_linalg.py::test_matmul[1d_2d]"],
    "squeeze_folded": ["test_linalg.py::test_matmul[1d_3d]", "test_linalg.py::test_matmul[3d_1d]"],
    "addmm": ["test_linalg.py::test_addmm"],
    # ops/indexing.py
    "region_get": ["test_indexing.py::test_getitem[list_repeated]",
                   "test_indexing.py::test_getitem_tensor_index[bool_mask_full]"],
    "region_scatter": ["test_indexing.py::test_getitem"],  # the VJP of every getitem, at order 2
    "region_zero": ["test_indexing.py::test_setitem_into_computed_tensor"],  # CopySlices at order 2
    "getitem_select": ["test_indexing.py::test_getitem[int]", "test_indexing.py::test_getitem[int_int]"],
    "getitem_slice": ["test_indexing.py::test_getitem[slice]", "test_indexing.py::test_getitem[slice_step]"],
    "getitem_unsqueeze": ["test_indexing.py::test_getitem[none]", "test_indexing.py::test_getitem[int_none]"],
    "getitem_alias": ["test_indexing.py::test_getitem[ellipsis]"],
    "_view_of_base": ["test_indexing.py::test_setitem_through_view",
                      "test_indexing.py::test_inplace_on_view"],
}


@functools.lru_cache(maxsize=None)
def _test_functions(filename):
    with open(os.path.join(HERE, filename)) as f:
        source = f.read()
    names = {node.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)}
    return names, source


def _all_coverage():
    """COVERAGE above, merged with the `COVERAGE = {...}` literal of every other tests/ops module.

    A module that adds ops keeps its own map beside its tests (read with ast, not imported).
    """
    merged = {op: list(cases) for op, cases in COVERAGE.items()}
    for filename in sorted(os.listdir(HERE)):
        if not (filename.startswith("test_") and filename.endswith(".py")) or filename == "test_registry.py":
            continue
        tree = ast.parse(open(os.path.join(HERE, filename)).read())
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COVERAGE" for t in node.targets):
                for op, cases in ast.literal_eval(node.value).items():
                    merged.setdefault(op, []).extend(cases)
    return merged


def test_every_registered_op_is_covered():
    uncovered = sorted(set(REGISTRY) - set(_all_coverage()))
    assert not uncovered, (f"registered ops with no test: {uncovered}; add check_op cases for them and "
                           f"entries in a COVERAGE map (tests/ops/test_registry.py or the op's test module)")


def test_coverage_map_names_real_tests():
    coverage = _all_coverage()
    stale = sorted(set(coverage) - set(REGISTRY))
    assert not stale, f"COVERAGE names ops that are not registered (renamed or removed?): {stale}"
    missing = []
    for op, cases in coverage.items():
        assert cases, f"{op}: empty coverage list"
        for case in cases:
            match = re.fullmatch(r"(test_\w+\.py)::(\w+)(?:\[(.+)\])?", case)
            assert match, f"{op}: malformed case {case!r}"
            filename, function, param = match.groups()
            functions, source = _test_functions(filename)
            if function not in functions or (param is not None and f'"{param}"' not in source):
                missing.append(f"{op}: {case}")
    assert not missing, "COVERAGE names test cases that do not exist:\n" + "\n".join(missing)


def _declared_ops():
    """Every public function made by defop, found in the ops modules (including private ones)."""
    import importlib
    import pkgutil
    found = []
    for module_name in sorted(m.name for m in pkgutil.iter_modules(tapegrad.ops.__path__)):
        module = importlib.import_module(f"tapegrad.ops.{module_name}")
        for attr, value in vars(module).items():
            op = getattr(value, "op", None)
            if callable(value) and op is not None and hasattr(op, "node_name"):
                found.append((f"{module_name}.{attr}", op))
    return found


def test_every_declared_op_is_in_the_registry():
    # REGISTRY is keyed by the forward's name: two defops with one name would hide one from the tests
    hidden = [f"{where} ({op.node_name})" for where, op in _declared_ops() if REGISTRY.get(op.name) is not op]
    assert not hidden, f"declared ops missing from REGISTRY (a name used twice?): {hidden}"


NODE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*(Backward\d+|Backwards)$")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_node_class_name_is_pytorch_style(name):
    op = REGISTRY[name]
    assert NODE_NAME.match(op.node_name) or op.node_name == "CopySlices", op.node_name


def test_node_classes_made_by_ops_are_named_like_pytorch():
    x = tapegrad.ones(2, 3, requires_grad=True)
    y = x * 1
    y[0] = x[1]
    for node in (y.grad_fn, (x + 1).grad_fn, x.sum().grad_fn, x[0].grad_fn):
        assert NODE_NAME.match(type(node).__name__) or type(node).__name__ == "CopySlices"


def _public(where):
    import importlib
    module_name, attr = where.split(".")
    return getattr(importlib.import_module(f"tapegrad.ops.{module_name}"), attr)


# Input shapes for ops that (3, 4) tensors do not fit; every other op gets (3, 4) inputs.
SHAPE_HINTS = {
    "dot": [(4,), (4,)],
    "mv": [(3, 4), (4,)],
    "mm": [(3, 4), (4, 5)],
    "_matmul_nd": [(2, 3, 4), (2, 4, 5)],
    "_bmm": [(2, 3, 4), (2, 4, 5)],
    "addmm": [(3, 5), (3, 4), (4, 5)],
}


def _callable_on_tensors(name):
    op = REGISTRY[name]
    return all(a in op.defaults for a in op.arg_names)


@pytest.mark.parametrize("name", sorted(n for n in REGISTRY if _callable_on_tensors(n)))
def test_generic_op_check(name):
    # The registry's own hints: every op callable on tensors alone runs through check_op with its
    # declared domain (ops that need index or shape arguments are covered by COVERAGE's cases).
    op = REGISTRY[name]
    public = next((_public(where) for where, o in _declared_ops() if o is op), None)
    assert public is not None, f"{name}: no public function found for the registered op"
    shapes = SHAPE_HINTS.get(name, [(3, 4)] * op.n_inputs)
    if name not in SHAPE_HINTS:
        try:
            public(*[tapegrad.ones(*s) for s in shapes])
        except RuntimeError as e:
            pytest.skip(f"{name} does not take {shapes}: add it to SHAPE_HINTS ({e})")
    check_op(lambda lib, *xs: public(*xs), shapes, domain=op.domain, compare_torch=False)


# ---------------------------------------------------------------- the registry's own ops

@pytest.mark.parametrize("shapes", [[(3, 4), (1, 4)], [(3, 4), (3, 1)], [(2, 3, 4), (3, 1)], [(3, 4), (3, 4)],
                                    [(3, 4), ()], [(0, 3), (1, 3)]], ids=str)
def test_sum_to_size(shapes):
    shape, size = shapes

    def fn(lib, x):
        if lib is tapegrad:
            return tapegrad.ops.sum_to_size(x, size)
        return x.sum_to_size(size)

    check_op(fn, [shape])


CASTS = {
    "to": lambda x, dtype: x.to(dtype),
    "to_keyword": lambda x, dtype: x.to(dtype=dtype),
    "method": lambda x, dtype: x.float() if "float32" in str(dtype) else x.double(),
    "type": lambda x, dtype: x.type(dtype),
}


@pytest.mark.parametrize("form", list(CASTS))
def test_to_dtype(form):
    cast = CASTS[form]
    # float32 -> float64: the gradient comes back as float32
    check_op(lambda lib, x: cast(x, lib.float64) * x, [(3, 4)], dtype="float32", order=1, check_float32=False)
    # a cast to the same dtype
    check_op(lambda lib, x: cast(x, x.dtype if form != "method" else lib.float64) * x, [(3, 4)],
             check_float32=form != "method")


@requires_torch
@pytest.mark.parametrize("form", list(CASTS))
def test_to_float32_gradient_is_float64(form):
    # float64 -> float32 loses too much for central differences: compare with torch directly
    import torch
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor([[1.5, -2.0], [0.25, 3.0]], dtype=lib.float64, requires_grad=True)
        y = CASTS[form](x, lib.float32)
        (y * y).sum().backward()
        results.append((str(y.dtype), str(x.grad.dtype), x.grad.tolist()))
    assert results[0] == results[1]


@requires_torch
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_grad_accumulated_with_create_graph():
    import torch
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        first = (type(x.grad.grad_fn).__name__, x.grad.tolist())
        g2, = lib.autograd.grad(x.grad.sum(), x)
        (x ** 3).sum().backward(create_graph=True)
        results.append((first, g2.tolist(), type(x.grad.grad_fn).__name__, x.grad.tolist()))
        x.grad = None  # break the x <-> x.grad cycle
    assert results[0] == results[1]


# ---------------------------------------------------------------- grad_fn names vs PyTorch

def _exprs(lib):
    """Expressions keyed by a readable name; each returns a tensor with a grad_fn."""
    def leaf(*shape, positive=False):
        t = lib.rand(*shape, dtype=lib.float64) + 0.5 if positive else lib.randn(*shape, dtype=lib.float64)
        return t.requires_grad_()

    x, y, p = leaf(3, 4), leaf(3, 4), leaf(3, 4, positive=True)
    v, w, m = leaf(4), leaf(4), leaf(4, 5)
    b, c, d = leaf(2, 3, 4), leaf(2, 4, 5), leaf(2, 2, 3, 4)

    def setitem():
        z = x * 1
        z[0] = v
        return z

    def view_after_setitem():
        z = x * 1
        row = z[1]
        row[1:] = v[:3]
        return row

    def copy_():
        z = x * 1
        z.copy_(y)
        return z

    def inplace_mul():
        z = x * 1
        z.mul_(y)
        return z

    return {
        "x+1": lambda: x + 1,
        "1+x": lambda: 1 + x,
        "x+y": lambda: x + y,
        "add_alpha": lambda: lib.add(x, y, alpha=2),
        "x-1": lambda: x - 1,
        "1-x": lambda: 1 - x,
        "x-y": lambda: x - y,
        "x*y": lambda: x * y,
        "x*2": lambda: x * 2,
        "x/2": lambda: x / 2,
        "2/x": lambda: 2 / x,
        "x/y": lambda: x / y,
        "-x": lambda: -x,
        "x**2": lambda: x ** 2,
        "x**0.5": lambda: p ** 0.5,
        "x**y": lambda: p ** y,
        "2**x": lambda: 2 ** x,
        "x.sum()": lambda: x.sum(),
        "x.sum(0)": lambda: x.sum(0),
        "x.sum(dtype)": lambda: x.sum(dtype=lib.float32),
        "x.mean()": lambda: x.mean(),
        "x.mean(1,keepdim)": lambda: x.mean(1, keepdim=True),
        "x.view": lambda: x.view(4, 3),
        "x.reshape": lambda: x.reshape(-1),
        "x.t().reshape": lambda: x.t().reshape(-1),
        "b.flatten()": lambda: b.flatten(),
        "x.t()": lambda: x.t(),
        "x.T": lambda: x.T,
        "x.transpose(0,1)": lambda: x.transpose(0, 1),
        "b.permute": lambda: b.permute(2, 0, 1),
        "x.unsqueeze(0)": lambda: x.unsqueeze(0),
        "x.squeeze()": lambda: x[None].squeeze(),
        "x.squeeze(0)": lambda: x[None].squeeze(0),
        "x[0]": lambda: x[0],
        "x[0:1]": lambda: x[0:1],
        "x[:,1]": lambda: x[:, 1],
        "x[[0,1]]": lambda: x[[0, 1]],
        "x[mask]": lambda: x[x > 0],
        "x[None]": lambda: x[None],
        "x[...]": lambda: x[...],
        "x[0,None]": lambda: x[0, None],
        "x[...,None]": lambda: x[..., None],
        "v.expand": lambda: v.expand(3, 4),
        "v.expand_as": lambda: v.expand_as(x),
        "1d@1d": lambda: v @ w,
        "2d@1d": lambda: x @ v,
        "1d@2d": lambda: v @ m,
        "2d@2d": lambda: x @ m,
        "3d@3d": lambda: b @ c,
        "3d@2d": lambda: b @ m,
        "1d@3d": lambda: w[:3] @ b,
        "4d@2d": lambda: d @ m,
        "3d@1d": lambda: b @ v,
        "bmm": lambda: lib.bmm(b, c),
        "x.to(float32)": lambda: x.to(lib.float32),
        "x.float()": lambda: x.float(),
        "x.clone()": lambda: x.clone(),
        "x.relu()": lambda: x.relu(),
        "x.sigmoid()": lambda: x.sigmoid(),
        "x.tanh()": lambda: x.tanh(),
        "x.abs()": lambda: x.abs(),
        "x.sign()": lambda: x.sign(),
        "x.exp()": lambda: x.exp(),
        "x.log()": lambda: p.log(),
        "x.sqrt()": lambda: p.sqrt(),
        "x.sin()": lambda: x.sin(),
        "x.cos()": lambda: x.cos(),
        "x.square()": lambda: x.square(),
        "x.reciprocal()": lambda: x.reciprocal(),
        "x.neg()": lambda: x.neg(),
        "y[0]=v": setitem,
        "view after y[1][1:]=v": view_after_setitem,
        "y.copy_(x)": copy_,
        "y.mul_(x)": inplace_mul,
    }


GRAD_FN_CASES = list(_exprs(tapegrad))


@requires_torch
@pytest.mark.parametrize("expr", GRAD_FN_CASES)
def test_grad_fn_name_matches_torch(expr):
    import torch
    got = _exprs(tapegrad)[expr]().grad_fn
    expected = _exprs(torch)[expr]().grad_fn
    assert (type(got).__name__, got.name()) == (type(expected).__name__, expected.name())
