"""Tests of ops/decomposition.py: torch.linalg's inv, det, slogdet, solve, cholesky, qr, eigh, svd,
pinv and norms, plus torch.det / inverse / logdet / slogdet.

Decompositions are defined up to signs, so their gradients are checked, as PyTorch's own tests do,
on functions that do not depend on them (Q R, U diag(S) Vh, |eigenvectors|, eigenvalues...), on
well-conditioned inputs: symmetric ones are built inside the function (A + A^T), so that the random
directions of the finite differences stay symmetric, as the gradients are.
"""
import numpy as np
import pytest

from checks import check_op, requires_torch

import tapegrad

T = tapegrad
COVERAGE = {
    "_linalg_inv": ["test_decomposition.py::test_inv", "test_decomposition.py::test_det"],
    "_linalg_det": ["test_decomposition.py::test_det"],
    "_slogdet_sign": ["test_decomposition.py::test_slogdet"],
    "_slogdet_logabsdet": ["test_decomposition.py::test_slogdet", "test_decomposition.py::test_logdet"],
    "_linalg_solve": ["test_decomposition.py::test_solve", "test_decomposition.py::test_qr"],
    "_linalg_cholesky": ["test_decomposition.py::test_cholesky"],
    "_qr_q": ["test_decomposition.py::test_qr"],
    "_qr_r": ["test_decomposition.py::test_qr"],
    "_eigh_values": ["test_decomposition.py::test_eigh", "test_decomposition.py::test_eigvalsh"],
    "_eigh_vectors": ["test_decomposition.py::test_eigh"],
    "_svd_u": ["test_decomposition.py::test_svd"],
    "_svd_s": ["test_decomposition.py::test_svd", "test_decomposition.py::test_matrix_norm[nuc]"],
    "_svd_vh": ["test_decomposition.py::test_svd"],
    "_linalg_pinv": ["test_decomposition.py::test_pinv"],
}


def _spd(x):
    return x @ x.t() + 3 * T.eye(3, dtype=x.dtype)


JVP_EXPRESSIONS = {
    "inverse": lambda x, y: (T.linalg.inv(_spd(x)), T.linalg.det(_spd(x)), *T.linalg.slogdet(_spd(x) - 4),
                             T.logdet(_spd(y)), T.linalg.solve(_spd(x), y), T.linalg.solve(_spd(x), y[:, 0]),
                             T.linalg.solve(_spd(x), y.t(), left=False), T.linalg.pinv(x),
                             T.linalg.pinv(_spd(x), hermitian=True)),
    "decompositions": lambda x, y: (T.linalg.cholesky(_spd(x)), T.linalg.cholesky(_spd(x), upper=True),
                                    *T.linalg.qr(x), *T.linalg.qr(x.t()), *T.linalg.eigh(_spd(x)),
                                    *T.linalg.svd(x, full_matrices=False), *T.linalg.svd(x.t()), T.linalg.svdvals(x)),
}


def _square(*batch, n=3):
    """Random matrices kept well-conditioned by a diagonal shift."""
    return lambda rng: [rng.standard_normal(batch + (n, n)) + 2 * np.eye(n)]


def _sym(x):
    return x + x.transpose(-2, -1)


# ---------------------------------------------------------------- inv, det, slogdet, logdet

@pytest.mark.parametrize("batch", [(), (2,), (2, 1), (0,)], ids=str)
def test_inv(batch):
    check_op(lambda lib, a: lib.linalg.inv(a), None, make_inputs=_square(*batch))
    check_op(lambda lib, a: lib.inverse(a), None, make_inputs=_square(*batch))
    check_op(lambda lib, a: a.inverse(), [(1, 1)], domain=(0.5, 2))
    check_op(lambda lib, a: lib.linalg.inv(a), [(0, 0)])


@pytest.mark.parametrize("batch", [(), (2,), (0,)], ids=str)
def test_det(batch):
    check_op(lambda lib, a: lib.linalg.det(a), None, make_inputs=_square(*batch))
    check_op(lambda lib, a: lib.det(a), None, make_inputs=_square(*batch, n=1))
    check_op(lambda lib, a: a.det(), [(0, 0)])


@requires_torch
def test_det_gradient_at_singular_matrices_like_torch():
    import torch
    results = []
    for lib in (tapegrad, torch):
        grads = []
        for rows in ([[1.0, 2.0], [2.0, 4.0]], [[1.0] * 3] * 3):
            a = lib.tensor(rows, dtype=lib.float64, requires_grad=True)
            grads.append(lib.autograd.grad(lib.linalg.det(a), a)[0].abs().tolist())
        results.append(grads)
    assert results[0] == results[1]


@pytest.mark.parametrize("batch", [(), (2,)], ids=str)
def test_slogdet(batch):
    check_op(lambda lib, a: lib.linalg.slogdet(a).logabsdet, None, make_inputs=_square(*batch))
    check_op(lambda lib, a: lib.linalg.slogdet(-a)[1] * lib.slogdet(a - 1.5)[0], None, make_inputs=_square(*batch))
    check_op(lambda lib, a: a.slogdet().sign, None, make_inputs=_square(*batch))


def test_logdet():
    check_op(lambda lib, a: lib.logdet(a @ a.mT + lib.eye(3, dtype=a.dtype)), [(2, 3, 3)])
    check_op(lambda lib, a: a.logdet(), [(1, 1)], domain=(0.5, 2))


@requires_torch
def test_logdet_of_negative_and_zero_determinants():
    import torch
    results = []
    for lib in (tapegrad, torch):
        a = lib.tensor([[[-2.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]], [[2.0, 1.0], [1.0, 2.0]]])
        results.append(str(lib.logdet(a)))
    assert results[0] == results[1]


# ---------------------------------------------------------------- solve

SOLVE = {
    "matrix": ([(3, 2)], True),
    "vector": ([(3,)], True),
    "batch_of_vectors": ([(2, 3)], True),
    "broadcast_batches": ([(4, 3, 2)], True),
    "vector_broadcast_over_batch": ([(3,)], True),
    "right": ([(2, 3)], False),
    "right_batch": ([(2, 4, 3)], False),
    "empty_rhs": ([(3, 0)], True),
}


@pytest.mark.parametrize("case", list(SOLVE))
def test_solve(case):
    (b_shape,), left = SOLVE[case]
    batch = (2,) if case in ("batch_of_vectors", "right_batch", "vector_broadcast_over_batch") else ()
    batch = (2, 1) if case == "broadcast_batches" else batch

    def make(rng):
        return _square(*batch)(rng) + [rng.standard_normal(b_shape)]
    check_op(lambda lib, a, b: lib.linalg.solve(a, b, left=left), None, make_inputs=make)


# ---------------------------------------------------------------- cholesky

@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("batch", [(), (2,), (0,)], ids=str)
def test_cholesky(upper, batch):
    def make(rng):
        a = rng.standard_normal(batch + (3, 3))
        return [a @ np.swapaxes(a, -1, -2) + 3 * np.eye(3)]
    check_op(lambda lib, a: lib.linalg.cholesky(_sym(a) / 2, upper=upper), None, make_inputs=make)


@requires_torch
def test_cholesky_gradient_is_symmetric_like_torch():
    # only the lower triangle is read, but the gradient is the symmetric one, as PyTorch's
    import torch
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 3))
    a = a @ a.T + 3 * np.eye(3)
    v = rng.standard_normal((3, 3))
    grads = []
    for lib in (tapegrad, torch):
        x = lib.tensor(a, requires_grad=True)
        grads.append(lib.autograd.grad(lib.linalg.cholesky(x), x, lib.tensor(v))[0].numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-10)


# ---------------------------------------------------------------- qr

QR_SHAPES = {"tall": (4, 3), "square": (3, 3), "wide": (3, 5), "batch": (2, 4, 2), "column": (3, 1), "row": (1, 3)}


@pytest.mark.parametrize("shape", list(QR_SHAPES))
def test_qr(shape):
    shape = QR_SHAPES[shape]
    check_op(lambda lib, a: lib.linalg.qr(a).Q, [shape])
    check_op(lambda lib, a: lib.linalg.qr(a).R, [shape])
    check_op(lambda lib, a: (lambda q, r: q @ r + q.sum() * r.sum())(*lib.linalg.qr(a)), [shape])


def test_qr_modes():
    check_op(lambda lib, a: lib.linalg.qr(a, mode="complete").Q, [(3, 5)])
    check_op(lambda lib, a: lib.linalg.qr(a, "complete").R, [(3, 3)])
    for lib_mode, shape in (("r", (4, 3)), ("complete", (4, 3))):
        q, r = tapegrad.linalg.qr(tapegrad.ones(*shape, requires_grad=True), mode=lib_mode)
        assert q.shape == ((0,) if lib_mode == "r" else (4, 4)) and r.shape == ((3, 3) if lib_mode == "r" else (4, 3))


@requires_torch
@pytest.mark.parametrize("mode, shape", [("r", (4, 3)), ("complete", (4, 3))])
def test_qr_not_differentiable_like_torch(mode, shape):
    import torch
    errors = []
    for lib in (tapegrad, torch):
        a = lib.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            lib.linalg.qr(a, mode=mode).R.sum().backward()
        errors.append(str(info.value))
    assert errors[0] == errors[1]


# ---------------------------------------------------------------- eigh, eigvalsh

def _eigenvector_invariant(lib, vectors):
    """|V| with each column's sign fixed, as PyTorch's tests do: independent of the eigenvectors' signs."""
    return vectors * lib.sign(vectors[..., :1, :])


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("batch", [(), (2,), (0,)], ids=str)
def test_eigh(uplo, batch):
    shape = batch + (3, 3)
    check_op(lambda lib, a: lib.linalg.eigh(_sym(a), UPLO=uplo).eigenvalues, [shape])
    check_op(lambda lib, a: _eigenvector_invariant(lib, lib.linalg.eigh(_sym(a), uplo).eigenvectors), [shape])
    check_op(lambda lib, a: (lambda w, v: (v * w.unsqueeze(-2)) @ v.mT)(*lib.linalg.eigh(_sym(a), uplo)), [shape])


def test_eigvalsh():
    check_op(lambda lib, a: lib.linalg.eigvalsh(_sym(a)), [(2, 4, 4)])
    check_op(lambda lib, a: lib.linalg.eigvalsh(_sym(a), UPLO="U") ** 2, [(1, 1)])


# ---------------------------------------------------------------- svd, svdvals

SVD_SHAPES = {"tall": (4, 3), "wide": (3, 5), "square": (3, 3), "batch": (2, 3, 2), "column": (3, 1), "empty": (0, 3)}


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("shape", list(SVD_SHAPES))
def test_svd(shape, full_matrices):
    shape = SVD_SHAPES[shape]
    k = min(shape[-2:])

    def reconstruction(lib, a):
        u, s, vh = lib.linalg.svd(a, full_matrices=full_matrices)
        return (u[..., :k] * s.unsqueeze(-2)) @ vh[..., :k, :]
    check_op(reconstruction, [shape])
    check_op(lambda lib, a: lib.linalg.svd(a, full_matrices).S, [shape])
    check_op(lambda lib, a: _eigenvector_invariant(lib, lib.linalg.svd(a, full_matrices)[0][..., :k]), [shape])
    check_op(lambda lib, a: _eigenvector_invariant(lib, lib.linalg.svd(a, full_matrices)[2][..., :k, :].mT), [shape])


def test_svdvals():
    check_op(lambda lib, a: lib.linalg.svdvals(a), [(2, 3, 4)])
    check_op(lambda lib, a: lib.linalg.svdvals(a).sum() * a.sum(), [(4, 2)])


# ---------------------------------------------------------------- pinv

@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3), (1, 2), (0, 3)], ids=str)
def test_pinv(shape):
    check_op(lambda lib, a: lib.linalg.pinv(a), [shape])
    check_op(lambda lib, a: lib.linalg.pinv(_sym(a), hermitian=True), [shape[:-1] + shape[-2:-1]])


@requires_torch
def test_pinv_of_rank_deficient_and_tolerances_like_torch():
    import torch
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 4, 2)) @ rng.standard_normal((2, 2, 3))  # rank 2 of 3
    outs = []
    for lib in (tapegrad, torch):
        x = lib.tensor(a)
        outs.append([lib.linalg.pinv(x).numpy(), lib.linalg.pinv(x, rtol=0.5).numpy(),
                     lib.linalg.pinv(x, atol=lib.tensor([0.1, 100.0])).numpy(), lib.linalg.pinv(x, 1e-3).numpy()])
    for ours, theirs in zip(*outs):
        np.testing.assert_allclose(ours, theirs, atol=1e-10)


# ---------------------------------------------------------------- norms

MATRIX_NORMS = {"fro": "fro", "nuc": "nuc", "2": 2, "-2": -2, "1": 1, "-1": -1, "inf": float("inf"),
                "-inf": -float("inf")}


@pytest.mark.parametrize("ord", list(MATRIX_NORMS))
@pytest.mark.parametrize("dim, keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)], ids=str)
def test_matrix_norm(ord, dim, keepdim):
    check_op(lambda lib, a: lib.linalg.matrix_norm(a, MATRIX_NORMS[ord], dim, keepdim), [(2, 3, 4)])


NORMS = {
    "default": lambda lib, a: lib.linalg.norm(a),
    "vector_ord": lambda lib, a: lib.linalg.norm(a[0, 0], 3),
    "matrix_ord": lambda lib, a: lib.linalg.norm(a[0], "nuc"),
    "matrix_number": lambda lib, a: lib.linalg.norm(a[0], 1),
    "dim": lambda lib, a: lib.linalg.norm(a, dim=1, keepdim=True),
    "dims": lambda lib, a: lib.linalg.norm(a, -2, dim=(0, 1)),
    "vector_norm": lambda lib, a: lib.linalg.vector_norm(a, 1.5, dim=(0, 2)),
    "dtype": lambda lib, a: lib.linalg.matrix_norm(a, dtype=lib.float64),
    "torch_norm_nuc": lambda lib, a: lib.norm(a[0], "nuc"),
}


@pytest.mark.parametrize("form", list(NORMS))
def test_norm(form):
    check_op(NORMS[form], [(2, 3, 4)], check_float32=form != "dtype")


# ---------------------------------------------------------------- against PyTorch: nodes, printing, errors

def _cases(lib):
    a = lib.tensor([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]], dtype=lib.float64, requires_grad=True)
    w = lib.tensor([[1.0, 2.0, 0.5, 1.5], [0.0, 1.0, 3.0, 1.0], [1.0, 0.0, 1.0, 2.0]], dtype=lib.float64,
                   requires_grad=True)
    L = lib.linalg
    return a, w, {
        "inv": lambda: L.inv(a), "inverse": lambda: a.inverse(), "det": lambda: lib.det(a),
        "slogdet": lambda: L.slogdet(a), "logdet": lambda: a.logdet(), "solve": lambda: L.solve(a, w),
        "cholesky": lambda: L.cholesky(a), "qr": lambda: L.qr(w), "eigh": lambda: L.eigh(a),
        "eigvalsh": lambda: L.eigvalsh(a), "svd": lambda: L.svd(w), "svdvals": lambda: L.svdvals(w),
        "pinv": lambda: L.pinv(w), "norm": lambda: L.norm(w), "nuc": lambda: L.norm(w, "nuc"),
        "norm2": lambda: L.matrix_norm(w, 2), "norm2_keepdim": lambda: L.matrix_norm(w, 2, keepdim=True),
        "norm1": lambda: L.matrix_norm(w, 1), "norm-inf": lambda: L.matrix_norm(w, -float("inf")),
    }


@requires_torch
@pytest.mark.parametrize("case", list(_cases(tapegrad)[2]))
def test_nodes_and_values_like_torch(case):
    import torch
    seen, values = [], []
    for lib in (tapegrad, torch):
        out = _cases(lib)[2][case]()
        outs = out if isinstance(out, tuple) else (out,)
        seen.append([(type(o.grad_fn).__name__, str(o.dtype), tuple(o.shape)) for o in outs])
        values.append([np.abs(o.detach().numpy()) for o in outs])  # abs: decompositions' signs may differ
    assert seen[0] == seen[1]
    for ours, theirs in zip(*values):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


@requires_torch
def test_results_print_like_torch():
    import torch
    printed = []
    for lib in (tapegrad, torch):
        a = lib.tensor([[2.0, 0.0], [0.0, 3.0]], requires_grad=True)
        printed.append([repr(lib.linalg.eigh(a)), repr(lib.linalg.slogdet(a)), repr(lib.linalg.qr(a)),
                        repr(lib.linalg.svd(a)), str(lib.linalg.eigh(a).eigenvalues)])
    assert printed[0] == printed[1]


ERRORS = {
    "inv_rectangular": lambda lib, m, v, i: lib.linalg.inv(m[:, :2]),
    "inv_integer": lambda lib, m, v, i: lib.linalg.inv(i),
    "inv_vector": lambda lib, m, v, i: lib.linalg.inv(v),
    "inv_singular": lambda lib, m, v, i: lib.linalg.inv(m * 0 + 1),
    "inv_singular_batch": lambda lib, m, v, i: lib.inverse(lib.stack([m, m * 0 + 1])),
    "inv_half": lambda lib, m, v, i: lib.linalg.inv(m.half()),
    "det_rectangular": lambda lib, m, v, i: lib.det(m[:2]),
    "det_integer": lambda lib, m, v, i: lib.linalg.det(i),
    "slogdet_rectangular": lambda lib, m, v, i: lib.linalg.slogdet(m[:2]),
    "logdet_rectangular": lambda lib, m, v, i: lib.logdet(m[:2]),
    "logdet_integer": lambda lib, m, v, i: lib.logdet(i),
    "solve_rectangular": lambda lib, m, v, i: lib.linalg.solve(m[:2], v),
    "solve_shapes": lambda lib, m, v, i: lib.linalg.solve(m, m[:2]),
    "solve_vector_shape": lambda lib, m, v, i: lib.linalg.solve(m, v[:2]),
    "solve_dtypes": lambda lib, m, v, i: lib.linalg.solve(m, m.double()),
    "solve_integer": lambda lib, m, v, i: lib.linalg.solve(i, i),
    "solve_right_vector": lambda lib, m, v, i: lib.linalg.solve(m, v, left=False),
    "solve_batches": lambda lib, m, v, i: lib.linalg.solve(lib.stack([m, m]), lib.stack([m, m, m, m])[..., :1]),
    "solve_singular": lambda lib, m, v, i: lib.linalg.solve(m * 0, v),
    "solve_singular_batch": lambda lib, m, v, i: lib.linalg.solve(lib.stack([m, m * 0]), v),
    "cholesky_not_pd": lambda lib, m, v, i: lib.linalg.cholesky(-m),
    "cholesky_minor_2": lambda lib, m, v, i: lib.linalg.cholesky(lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "cholesky_batch": lambda lib, m, v, i: lib.linalg.cholesky(lib.stack([m, m - 10 * lib.eye(3)])),
    "cholesky_rectangular": lambda lib, m, v, i: lib.linalg.cholesky(m[:2]),
    "qr_mode": lambda lib, m, v, i: lib.linalg.qr(m, mode="full"),
    "qr_vector": lambda lib, m, v, i: lib.linalg.qr(v),
    "qr_integer": lambda lib, m, v, i: lib.linalg.qr(i),
    "eigh_rectangular": lambda lib, m, v, i: lib.linalg.eigh(m[:2]),
    "eigh_uplo": lambda lib, m, v, i: lib.linalg.eigh(m, UPLO="X"),
    "eigh_integer": lambda lib, m, v, i: lib.linalg.eigh(i),
    "eigvalsh_rectangular": lambda lib, m, v, i: lib.linalg.eigvalsh(m[:2]),
    "svd_vector": lambda lib, m, v, i: lib.linalg.svd(v),
    "svd_integer": lambda lib, m, v, i: lib.linalg.svd(i),
    "svdvals_vector": lambda lib, m, v, i: lib.linalg.svdvals(v),
    "pinv_vector": lambda lib, m, v, i: lib.linalg.pinv(v),
    "pinv_integer": lambda lib, m, v, i: lib.linalg.pinv(i),
    "matrix_norm_vector": lambda lib, m, v, i: lib.linalg.matrix_norm(v),
    "matrix_norm_order": lambda lib, m, v, i: lib.linalg.matrix_norm(m, 3),
    "matrix_norm_name": lambda lib, m, v, i: lib.linalg.matrix_norm(m, "max"),
    "matrix_norm_same_dims": lambda lib, m, v, i: lib.linalg.matrix_norm(m, dim=(0, -2)),
    "matrix_norm_three_dims": lambda lib, m, v, i: lib.linalg.matrix_norm(m[None], dim=(0, 1, 2)),
    "matrix_norm_dim_range": lambda lib, m, v, i: lib.linalg.matrix_norm(m, dim=(0, 5)),
    "matrix_norm_integer": lambda lib, m, v, i: lib.linalg.matrix_norm(i),
    "norm_3d_ord": lambda lib, m, v, i: lib.linalg.norm(m[None], 2),
    "norm_3d_name": lambda lib, m, v, i: lib.linalg.norm(m[None], "fro"),
    "norm_vector_name": lambda lib, m, v, i: lib.linalg.norm(v, "fro"),
    "norm_three_dims": lambda lib, m, v, i: lib.linalg.norm(m[None], dim=(0, 1, 2)),
}


@requires_torch
@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_like_torch(case):
    import torch
    errors = []
    for lib in (tapegrad, torch):
        m = lib.tensor([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
        with pytest.raises(Exception) as info:
            ERRORS[case](lib, m, lib.ones(3), lib.ones(3, 3, dtype=lib.int64))
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1]


def test_linalg_errors_are_runtime_errors():
    with pytest.raises(tapegrad.linalg.LinAlgError):
        tapegrad.linalg.inv(tapegrad.ones(2, 2))
    assert issubclass(tapegrad.linalg.LinAlgError, RuntimeError)


@requires_torch
def test_float32_stays_float32():
    import torch
    dtypes = []
    for lib in (tapegrad, torch):
        a = lib.tensor(np.random.default_rng(1).standard_normal((3, 3)) + 3 * np.eye(3), dtype=lib.float32,
                       requires_grad=True)
        s = a @ a.mT
        outs = [lib.linalg.inv(a), lib.linalg.det(a), *lib.linalg.slogdet(a), lib.linalg.solve(a, a[0]),
                lib.linalg.cholesky(s), *lib.linalg.qr(a), *lib.linalg.eigh(s), *lib.linalg.svd(a),
                lib.linalg.pinv(a), lib.linalg.matrix_norm(a, "nuc")]
        grads = lib.autograd.grad(sum(o.sum() for o in outs), a)
        dtypes.append([str(o.dtype) for o in outs] + [str(grads[0].dtype)])
    assert dtypes[0] == dtypes[1]
