"""Tests of ops/linalg.py: dot, mv, mm, bmm and matmul in every form PyTorch accepts."""
import pytest

from checks import check_op, requires_torch

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
