"""Tests of ops/linalg.py: dot, mv, mm, bmm and matmul in every form PyTorch accepts; addmv, addr,
baddbmm, outer, trace, tensordot, inner, kron and einsum."""
import numpy as np
import pytest

from checks import check_op, requires_torch

import tapegrad

COVERAGE = {
    "addmv": ["test_linalg.py::test_addmv"],
    "addr": ["test_linalg.py::test_addr"],
    "baddbmm": ["test_linalg.py::test_baddbmm"],
    "trace": ["test_linalg.py::test_trace"],
    "_einsum_view": ["test_linalg.py::test_einsum[matmul]", "test_linalg.py::test_einsum[three_operands]",
                     "test_linalg.py::test_einsum_vjp_of_vjp"],
    "_einsum_mul": ["test_linalg.py::test_einsum[outer]", "test_linalg.py::test_einsum[diagonal_times_vector]"],
    "_einsum_sum": ["test_linalg.py::test_einsum[trace]", "test_linalg.py::test_einsum[column_sums]"],
    "_einsum_permute": ["test_linalg.py::test_einsum[transpose]", "test_linalg.py::test_einsum[diagonal]"],
}

JVP_EXPRESSIONS = {
    "products": lambda x, y: (tapegrad.addmv(y[:, 0], x, y[0]), tapegrad.addr(x, x[:, 0], y[0], beta=0.5, alpha=2),
                              tapegrad.baddbmm(x[:, :3].reshape(1, 3, 3), x.reshape(1, 3, 4), y.reshape(1, 4, 3)),
                              tapegrad.trace(x), tapegrad.outer(x[0], y[1]), tapegrad.tensordot(x, y, dims=([1], [1])),
                              tapegrad.inner(x, y), tapegrad.kron(x[:2, :2], y[:, :1])),
    "einsum": lambda x, y: (tapegrad.einsum("ij,kj->ik", x, y), tapegrad.einsum("ij,ij->ij", x, y),
                            tapegrad.einsum("ij->j", x), tapegrad.einsum("ij->ji", x),
                            tapegrad.einsum("ii->i", x[:, :3]), tapegrad.einsum("ii,i->i", x[:, :3], y[0, :3]),
                            tapegrad.einsum("ij,jk,k", x, y.t(), y[0, :3])),
}

MATMUL_SHAPES = {
    "1d_1d": [(4,), (4,)],
    "2d_1d": [(3, 4), (4,)],
    "1d_2d": [(4,), (4, 5)],
    "2d_2d": [(3, 4), (4, 5)],
    "3d_3d": [(2, 3, 4), (2, 4, 5)],
    "3d_2d": [(2, 3, 4), (4, 5)],
    "2d_3d": [(3, 4), (2, 4, 5)],
    "1d_3d": [(4,), (2, 4, 5)],
    "3d_1d": [(2, 3, 4), (4,)],
    "4d_2d": [(2, 2, 3, 4), (4, 5)],
    "4d_1d": [(2, 2, 3, 4), (4,)],
    "1d_4d": [(3,), (2, 2, 3, 4)],
    "4d_3d": [(2, 1, 3, 4), (3, 4, 5)],
    "3d_4d_broadcast": [(1, 3, 4), (2, 2, 4, 5)],
    "batch_broadcast_1": [(2, 1, 3, 4), (1, 2, 4, 5)],
    "size1": [(1, 1), (1, 1)],
    "size1_vector": [(1,), (1,)],
    "empty_rows": [(0, 4), (4, 5)],
    "empty_inner": [(3, 0), (0, 5)],
    "empty_batch": [(0, 3, 4), (0, 4, 5)],
    "empty_vector": [(0,), (0,)],
}


@pytest.mark.parametrize("form", list(MATMUL_SHAPES))
def test_matmul(form):
    check_op(lambda lib, a, b: lib.matmul(a, b), MATMUL_SHAPES[form])


@pytest.mark.parametrize("form", ["1d_1d", "2d_1d", "1d_2d", "2d_2d", "3d_3d", "3d_2d", "1d_3d", "4d_2d"])
def test_matmul_operator_and_method(form):
    check_op(lambda lib, a, b: a @ b, MATMUL_SHAPES[form])
    check_op(lambda lib, a, b: a.matmul(b), MATMUL_SHAPES[form])


@pytest.mark.parametrize("shapes", [[(4,), (4,)], [(1,), (1,)], [(0,), (0,)]], ids=str)
def test_dot(shapes):
    check_op(lambda lib, a, b: lib.dot(a, b), shapes)
    check_op(lambda lib, a, b: a.dot(b), shapes)


@pytest.mark.parametrize("shapes", [[(3, 4), (4,)], [(1, 1), (1,)], [(0, 4), (4,)], [(3, 0), (0,)]], ids=str)
def test_mv(shapes):
    check_op(lambda lib, a, b: lib.mv(a, b), shapes)
    check_op(lambda lib, a, b: a.mv(b), shapes)


@pytest.mark.parametrize("shapes", [[(3, 4), (4, 5)], [(1, 1), (1, 1)], [(4, 1), (1, 3)], [(0, 4), (4, 5)],
                                    [(3, 0), (0, 5)]], ids=str)
def test_mm(shapes):
    check_op(lambda lib, a, b: lib.mm(a, b), shapes)
    check_op(lambda lib, a, b: a.mm(b), shapes)


@pytest.mark.parametrize("shapes", [[(2, 3, 4), (2, 4, 5)], [(1, 1, 1), (1, 1, 1)], [(0, 3, 4), (0, 4, 5)]],
                         ids=str)
def test_bmm(shapes):
    check_op(lambda lib, a, b: lib.bmm(a, b), shapes)
    check_op(lambda lib, a, b: a.bmm(b), shapes)


def test_matmul_same_tensor_twice():
    # both gradients land on one leaf and must add up
    check_op(lambda lib, a: a @ a, [(3, 3)])
    check_op(lambda lib, a: a.t() @ a, [(3, 4)])
    check_op(lambda lib, a: a @ a, [(4,)])


def test_matmul_of_transposed_and_broadcast_inputs():
    check_op(lambda lib, a, b: a.transpose(-1, -2) @ b.expand(2, 3, 5), [(2, 3, 4), (3, 5)])
    check_op(lambda lib, a, b: (a[:, ::2] @ b).sum(0), [(2, 6, 4), (4, 3)])


@requires_torch
@pytest.mark.parametrize("case", ["dot_sizes", "dot_2d", "mv_sizes", "mm_sizes", "mm_1d", "bmm_2d",
                                  "matmul_0d", "matmul_sizes", "matmul_1d_2d_sizes", "dot_dtypes",
                                  "mm_dtypes"])
def test_errors_like_torch(case):
    import tapegrad
    import torch
    errors = []
    for lib in (tapegrad, torch):
        a3, b4, m34, m45, m54 = lib.ones(3), lib.ones(4), lib.ones(3, 4), lib.ones(4, 5), lib.ones(5, 4)
        f = {"dot_sizes": lambda: lib.dot(a3, b4),
             "dot_2d": lambda: lib.dot(m34, b4),
             "mv_sizes": lambda: lib.mv(m34, a3),
             "mm_sizes": lambda: lib.mm(m34, m54),
             "mm_1d": lambda: lib.mm(m34, b4),
             "bmm_2d": lambda: lib.bmm(m34, m45),
             "matmul_0d": lambda: lib.matmul(lib.tensor(1.0), b4),
             "matmul_sizes": lambda: m34 @ m54,
             "matmul_1d_2d_sizes": lambda: a3 @ m45,
             "dot_dtypes": lambda: lib.dot(b4, b4.double()),
             "mm_dtypes": lambda: lib.mm(m34, m45.double())}[case]
        with pytest.raises(RuntimeError) as info:
            f()
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("input_shape", [(3, 5), (5,), (1, 5), (3, 1), ()], ids=str)
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2), (0, 1), (2, -1.5)])
def test_addmm(input_shape, beta, alpha):
    # beta * input + alpha * mat1 @ mat2; input broadcasts to the product's shape
    check_op(lambda lib, a, m1, m2: lib.addmm(a, m1, m2, beta=beta, alpha=alpha),
             [input_shape, (3, 4), (4, 5)])


def test_addmm_defaults_and_empty():
    check_op(lambda lib, a, m1, m2: lib.addmm(a, m1, m2), [(3, 5), (3, 4), (4, 5)])
    check_op(lambda lib, a, m1, m2: lib.addmm(a, m1, m2), [(3, 5), (3, 0), (0, 5)])


# ---------------------------------------------------------------- addmv, addr, baddbmm

@pytest.mark.parametrize("input_shape", [(3,), (1,), ()], ids=str)
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2), (0, 1)])
def test_addmv(input_shape, beta, alpha):
    check_op(lambda lib, a, m, v: lib.addmv(a, m, v, beta=beta, alpha=alpha), [input_shape, (3, 4), (4,)])
    check_op(lambda lib, a, m, v: a.addmv(m, v), [(3,), (3, 0), (0,)])  # an empty product: input only


@pytest.mark.parametrize("input_shape", [(3, 4), (1, 4), (3, 1), ()], ids=str)
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2), (0, -1)])
def test_addr(input_shape, beta, alpha):
    check_op(lambda lib, a, u, v: lib.addr(a, u, v, beta=beta, alpha=alpha), [input_shape, (3,), (4,)])
    check_op(lambda lib, a, u, v: a.addr(u, v), [input_shape, (3,), (4,)])


@pytest.mark.parametrize("input_shape", [(2, 3, 5), (3, 1), ()], ids=str)
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2), (0, 1)])
def test_baddbmm(input_shape, beta, alpha):
    check_op(lambda lib, a, b1, b2: lib.baddbmm(a, b1, b2, beta=beta, alpha=alpha), [input_shape, (2, 3, 4), (2, 4, 5)])
    check_op(lambda lib, a, b1, b2: a.baddbmm(b1, b2), [input_shape, (2, 3, 0), (2, 0, 5)])


# ---------------------------------------------------------------- outer, trace, tensordot, inner, kron

@pytest.mark.parametrize("shapes", [[(3,), (4,)], [(1,), (1,)], [(0,), (3,)]], ids=str)
def test_outer(shapes):
    check_op(lambda lib, a, b: lib.outer(a, b), shapes)
    check_op(lambda lib, a, b: lib.ger(a, b), shapes)
    check_op(lambda lib, a, b: a.outer(b), shapes)


@pytest.mark.parametrize("shape", [(3, 3), (3, 4), (4, 2), (1, 1), (0, 0), (0, 3)], ids=str)
def test_trace(shape):
    check_op(lambda lib, a: lib.trace(a), [shape])
    check_op(lambda lib, a: a.trace() * a.sum(), [shape])  # second order with a nonzero Hessian


@requires_torch
def test_trace_of_integers_is_int64():
    import torch
    for dtype in ("int32", "int64"):
        results = [str(lib.trace(lib.ones(3, 3, dtype=getattr(lib, dtype))).dtype) for lib in (tapegrad, torch)]
        assert results[0] == results[1]


TENSORDOT = {
    "int_2": ([(2, 3, 4), (3, 4, 5)], 2),
    "int_1": ([(3, 4), (4, 5)], 1),
    "int_0": ([(3,), (2, 2)], 0),
    "lists": ([(3, 4, 5), (5, 3, 2)], ([0, 2], [1, 0])),
    "negative_dims": ([(3, 4), (5, 4)], ([-1], [-1])),
    "all": ([(3, 4), (4, 3)], ([1, 0], [0, 1])),
    "empty_contraction": ([(3, 0), (0, 2)], 1),
}


@pytest.mark.parametrize("case", list(TENSORDOT))
def test_tensordot(case):
    shapes, dims = TENSORDOT[case]
    check_op(lambda lib, a, b: lib.tensordot(a, b, dims=dims), shapes)


INNER = {"vectors": [(4,), (4,)], "matrix_vector": [(3, 4), (4,)], "matrices": [(2, 3, 4), (5, 4)],
         "scalar": [(), (3, 2)], "empty": [(0, 4), (2, 4)]}


@pytest.mark.parametrize("case", list(INNER))
def test_inner(case):
    check_op(lambda lib, a, b: lib.inner(a, b), INNER[case])
    check_op(lambda lib, a, b: a.inner(b), INNER[case])


KRON = {"matrices": [(2, 3), (3, 2)], "vectors": [(3,), (2,)], "mixed_ndim": [(2, 3), (2,)], "scalar": [(), (3,)],
        "three_d": [(2, 1, 2), (1, 2, 2)], "empty": [(0, 2), (2, 2)]}


@pytest.mark.parametrize("case", list(KRON))
def test_kron(case):
    check_op(lambda lib, a, b: lib.kron(a, b), KRON[case])
    check_op(lambda lib, a, b: a.kron(b), KRON[case])


# ---------------------------------------------------------------- einsum

EINSUM = {
    "matmul": ("ij,jk->ik", [(3, 4), (4, 5)]),
    "implicit": ("ij,jk", [(3, 4), (4, 5)]),
    "trace": ("ii", [(3, 3)]),
    "diagonal": ("ii->i", [(3, 3)]),
    "column_sums": ("ij->j", [(3, 4)]),
    "total": ("ij->", [(3, 4)]),
    "transpose": ("ij->ji", [(3, 4)]),
    "identity": ("ij", [(3, 4)]),
    "outer": ("i,j->ij", [(3,), (4,)]),
    "elementwise": ("ij,ij->ij", [(3, 4), (3, 4)]),
    "dot": ("i,i", [(4,), (4,)]),
    "batch_matmul": ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    "ellipsis": ("...ij,...jk", [(2, 3, 4), (4, 5)]),
    "ellipsis_broadcast": ("...i,...i->...", [(2, 1, 3), (4, 3)]),
    "ellipsis_middle": ("i...j->j...i", [(2, 3, 4, 5)]),
    "size1_broadcast": ("ij,ij->ij", [(3, 1), (3, 4)]),
    "three_operands": ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    "three_to_scalar": ("i,ij,j", [(3,), (3, 4), (4,)]),
    "diagonal_times_vector": ("ii,i->i", [(3, 3), (3,)]),
    "label_in_one_operand": ("ij,jk->k", [(3, 4), (4, 2)]),
    "repeated_three_times": ("iii->i", [(2, 2, 2)]),
    "diagonal_then_contract": ("iij,jk->ik", [(2, 2, 3), (3, 4)]),
    "uppercase": ("Ab,bC->AC", [(2, 3), (3, 4)]),
    "spaces": (" i j , j k -> k i ", [(2, 3), (3, 4)]),
    "scalar": ("", [()]),
    "empty": ("ij,jk->ik", [(0, 3), (3, 2)]),
}


@pytest.mark.parametrize("case", list(EINSUM))
def test_einsum(case):
    equation, shapes = EINSUM[case]
    check_op(lambda lib, *xs: lib.einsum(equation, *xs), shapes)


def test_einsum_operand_forms():
    check_op(lambda lib, a, b: lib.einsum("ij,jk", [a, b]), [(3, 4), (4, 2)])
    check_op(lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [0, 2]), [(3, 4), (4, 2)])
    check_op(lambda lib, a, b: lib.einsum(a, [Ellipsis, 1], b, [1]), [(2, 3, 4), (4,)])


@requires_torch
def test_einsum_promotes_a_product_without_contraction():
    import torch
    results = []
    for lib in (tapegrad, torch):
        a = lib.tensor([1.5, 2.0], dtype=lib.float32, requires_grad=True)
        b = lib.tensor([3.0, -1.0], dtype=lib.float64, requires_grad=True)
        y = lib.einsum("i,i->i", a, b)
        y.sum().backward()
        results.append((str(y.dtype), y.tolist(), str(a.grad.dtype), a.grad.tolist(), b.grad.tolist()))
    assert results[0] == results[1]


def test_einsum_vjp_of_vjp():
    # the rules of a diagonal and of a label in one operand only are einsums themselves: third order
    def fn(lib, a, b):
        with lib.enable_grad():
            y = lib.einsum("iij,jk->k", a, b)
            g, = lib.autograd.grad((y * y).sum(), a, create_graph=True)
        return g
    check_op(fn, [(2, 2, 3), (3, 4)])


@requires_torch
@pytest.mark.parametrize("case", list(EINSUM))
def test_einsum_node_like_torch(case):
    import torch
    equation, shapes = EINSUM[case]
    names = []
    for lib in (tapegrad, torch):
        xs = [lib.ones(s, dtype=lib.float64, requires_grad=True) for s in shapes]
        names.append(type(lib.einsum(equation, *xs).grad_fn).__name__)
    assert names[0] == names[1]


@requires_torch
@pytest.mark.parametrize("expr", ["outer", "ger", "trace", "tensordot", "tensordot_0", "inner", "inner_scalar", "kron",
                                  "addmv", "addr", "baddbmm"])
def test_node_names_like_torch(expr):
    import torch
    names = []
    for lib in (tapegrad, torch):
        v, m, b = (lib.ones(*s, dtype=lib.float64, requires_grad=True) for s in [(3,), (3, 3), (2, 3, 3)])
        y = {"outer": lambda: lib.outer(v, v), "ger": lambda: v.ger(v), "trace": lambda: m.trace(),
             "tensordot": lambda: lib.tensordot(m, m), "tensordot_0": lambda: lib.tensordot(v, v, dims=0),
             "inner": lambda: lib.inner(m, v), "inner_scalar": lambda: lib.inner(v[0], m),
             "kron": lambda: lib.kron(m, v), "addmv": lambda: lib.addmv(v, m, v), "addr": lambda: lib.addr(m, v, v),
             "baddbmm": lambda: lib.baddbmm(b, b, b)}[expr]()
        names.append((type(y.grad_fn).__name__, tuple(y.shape)))
    assert names[0] == names[1]


NEW_ERRORS = {
    "outer_2d": lambda lib, m, v: lib.outer(m, v),
    "outer_vec2_2d": lambda lib, m, v: lib.outer(v, m),
    "trace_3d": lambda lib, m, v: lib.trace(m[None]),
    "trace_1d": lambda lib, m, v: lib.trace(v),
    "inner_sizes": lambda lib, m, v: lib.inner(m, v[:2]),
    "inner_dtypes": lambda lib, m, v: lib.inner(v, v.double()),
    "tensordot_sizes": lambda lib, m, v: lib.tensordot(m, m[:2], dims=([1], [0])),
    "tensordot_lengths": lambda lib, m, v: lib.tensordot(m, m, dims=([1], [0, 1])),
    "tensordot_negative": lambda lib, m, v: lib.tensordot(m, m, dims=-1),
    "tensordot_too_many": lambda lib, m, v: lib.tensordot(m, m, dims=3),
    "tensordot_dtypes": lambda lib, m, v: lib.tensordot(m, m.double(), dims=1),
    "tensordot_repeated": lambda lib, m, v: lib.tensordot(m, m, dims=([0, 0], [0, 1])),
    "einsum_fewer": lambda lib, m, v: lib.einsum("ij,jk", m),
    "einsum_more": lambda lib, m, v: lib.einsum("ij", m, m),
    "einsum_ndim": lambda lib, m, v: lib.einsum("ijk", m),
    "einsum_ndim_ellipsis": lambda lib, m, v: lib.einsum("...ijk", m),
    "einsum_character": lambda lib, m, v: lib.einsum("i1", m),
    "einsum_second_arrow": lambda lib, m, v: lib.einsum("ij->j->", m),
    "einsum_output_twice": lambda lib, m, v: lib.einsum("ij->ii", m),
    "einsum_output_unknown": lambda lib, m, v: lib.einsum("ij->k", m),
    "einsum_sizes": lambda lib, m, v: lib.einsum("ij,jk", m[:, :2], m),
    "einsum_diagonal_sizes": lambda lib, m, v: lib.einsum("ii", m[:, :2]),
    "einsum_ellipsis_sizes": lambda lib, m, v: lib.einsum("...i,...i", m[:2], m),
    "einsum_two_ellipses": lambda lib, m, v: lib.einsum("...i...", m),
    "einsum_dot": lambda lib, m, v: lib.einsum("i.j", m),
    "einsum_output_dot": lambda lib, m, v: lib.einsum("ij->i.", m),
    "einsum_dtypes": lambda lib, m, v: lib.einsum("ij,jk", m, m.double()),
    "addmv_sizes": lambda lib, m, v: lib.addmv(v, m, v[:2]),
    "addr_1d": lambda lib, m, v: lib.addr(m, m, v),
    "baddbmm_sizes": lambda lib, m, v: lib.baddbmm(m[None], m[None], m[None, :2]),
}


@requires_torch
@pytest.mark.parametrize("case", list(NEW_ERRORS))
def test_new_errors_like_torch(case):
    import torch
    errors = []
    for lib in (tapegrad, torch):
        m, v = lib.ones(3, 3), lib.ones(3)
        with pytest.raises(Exception) as info:
            NEW_ERRORS[case](lib, m, v)
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1]


def test_einsum_single_operand_result_owns_its_memory():
    x = tapegrad.arange(6.).reshape(2, 3)
    y = tapegrad.einsum("ij->ji", x)
    y[0, 0] = 100.0
    assert x[0, 0].item() == 0.0 and np.shares_memory(y.numpy(), x.numpy()) is False


@requires_torch
def test_inplace_fused_products_like_torch():
    import torch
    results = []
    for lib in (tapegrad, torch):
        x, m, b = (lib.ones(*s, dtype=lib.float64, requires_grad=True) for s in [(3, 4), (3, 3), (2, 3, 3)])
        v, w = (lib.arange(n, dtype=lib.float64).requires_grad_() for n in (3.0, 4.0))
        y, z, q, p = x * 1, v * 1, b * 1, m * 1
        outs = [y.addr_(v, w, alpha=2), z.addmv_(m, v, beta=0.5), q.baddbmm_(b, b), p.addmm_(m, m)]
        sum(o.sum() for o in outs).backward()
        results.append([(o is t, type(o.grad_fn).__name__, o.tolist()) for o, t in zip(outs, (y, z, q, p))]
                       + [t.grad.tolist() for t in (x, m, v, w, b)])
    assert results[0] == results[1]
