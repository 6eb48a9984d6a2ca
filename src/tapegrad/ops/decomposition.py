"""Matrix functions and decompositions (torch.linalg): inv, det, slogdet, solve, cholesky, qr, eigh,
svd, pinv and the matrix norms, all batched over leading dims.

Each forward is one NumPy (LAPACK) call; each gradient is written with ops (matmul, transpose,
solve, inv, ...), so that it can be differentiated again. The formulas are PyTorch's
(FunctionsManual.cpp): decompositions assume distinct eigenvalues / singular values, as there.

NOTE [one decomposition, several nodes]: the registry records ops with one output, while eigh, qr,
svd and slogdet have several. Each output is its own op of A (`_eigh_values`, `_eigh_vectors`, ...),
named as PyTorch names its single node (LinalgEighBackward0). That is exact: a VJP is linear in the
output gradients, so A's gradient is the sum of the outputs' separate VJPs, which the engine adds.
The public function factorises once and hands each op its part (`_result=`); a rule refactorises A
through the same ops (`_eigh(A)`), so that under create_graph the factors it uses are recorded too.
Unlike PyTorch, the outputs of one call hold distinct (same-named) nodes.
"""
import math

from .. import _backend as B
from .. import _errors
from .._tensor import _tensor_types
from ._registry import defop, to_dtype
from .linalg import _eye_mask, matmul  # noqa: F401  (matmul: torch.linalg.matmul)
from .reduction import _data as _array
from .reduction import _dims, amax, amin
from .reduction import sum as _sum
from .shape import constant_pad_nd, diagonal, narrow, permute, transpose, tril, unsqueeze
from .special import where
from .statistics import vector_norm

xp = B.xp

PUBLIC = ("det", "inverse", "logdet", "slogdet")  # see the note on these tables in elementwise.py
METHODS = ("det", "inverse", "logdet", "slogdet")
INPLACE = ()
FUNCTIONAL = ()
LINALG = ("inv", "det", "slogdet", "solve", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv",
          "norm", "matrix_norm", "vector_norm", "matmul", "LinAlgError")  # the names of `tapegrad.linalg`


class _LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix is singular or not positive-definite (a RuntimeError)."""
    __module__ = "torch._C"  # as PyTorch's tracebacks name it


LinAlgError = _LinAlgError

# ---------------------------------------------------------------- helpers

_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "float16": "Half", "float32": "Float", "float64": "Double"}


def _check_matrix(name, A, square=True):
    """PyTorch's errors for what a linalg function refuses (each forward runs it)."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_TYPE_NAMES[A.dtype.name]}")
    if A.dtype == xp.float16:
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got Half")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _mT(x):
    return transpose(x, -2, -1)


def _sym(x):
    return (x + _mT(x)) * 0.5


def _gaps(values):
    """E[i, j] = values[j] - values[i], with 1 on the diagonal (where the formulas divide by it)."""
    n = values.shape[-1]
    return unsqueeze(values, -2) - unsqueeze(values, -1) + _eye_mask((n, n))


def _failure(name, index, ndim, message):
    return _LinAlgError(f"{name}: {f'(Batch element {index}): ' if ndim > 2 else ''}{message}")


def _first_zero_pivot(A):
    """(batch element, column from 1) of LU's first zero pivot (LAPACK's `info`), to word PyTorch's error."""
    n = A.shape[-1]
    a = A.reshape(-1, n, n).astype(xp.float64)
    info, rows = xp.zeros(a.shape[0], dtype=int), xp.arange(a.shape[0])
    for k in range(n):  # over columns, vectorised over the batch
        p = k + xp.argmax(xp.abs(a[:, k:, k]), axis=1)
        a[rows, k], a[rows, p] = a[rows, p], a[rows, k].copy()
        zero = a[:, k, k] == 0
        info[(info == 0) & zero] = k + 1
        factors = xp.where(zero[:, None], 0.0, a[:, k + 1:, k] / xp.where(zero, 1.0, a[:, k, k])[:, None])
        a[:, k + 1:, k:] -= factors[:, :, None] * a[:, k:k + 1, k:]
    bad = int(xp.argmax(info > 0))
    return bad, int(info[bad])


def _return_type(name, fields):
    """A tuple subclass printed as PyTorch's torch.return_types.<name>(field=..., ...)."""
    def __repr__(self):
        return f"torch.return_types.{name}(\n" + ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self)) + ")"

    namespace = {"__slots__": (), "__new__": lambda cls, *items: tuple.__new__(cls, items), "__repr__": __repr__,
                 "__module__": "torch.return_types", "__reduce__": lambda self: (_rebuild, (name, tuple(self))),
                 "n_fields": len(fields), "n_sequence_fields": len(fields), "n_unnamed_fields": 0}
    namespace.update({field: property(lambda self, i=i: self[i]) for i, field in enumerate(fields)})
    return type(name, (tuple,), namespace)


def _rebuild(name, items):
    return RETURN_TYPES[name](*items)


RETURN_TYPES = {name: _return_type(name, fields) for name, fields in (
    ("linalg_slogdet", ("sign", "logabsdet")), ("linalg_qr", ("Q", "R")),
    ("linalg_eigh", ("eigenvalues", "eigenvectors")), ("linalg_svd", ("U", "S", "Vh")))}


def _factorise(compute, ops, A, *args):
    """Each output of one factorisation of A, recorded as its own op: see NOTE [one decomposition, several nodes]."""
    results = compute(_array(A), *args)
    if type(A) not in _tensor_types:
        return results  # raw arrays: a rule running without create_graph
    return tuple(op(A, *args, _result=r) for op, r in zip(ops, results))


def _output_op(name, node_name, which, compute, default, vjp, jvp):
    """Output `which` of a factorisation of A with one option (UPLO, mode...), as an op of A."""
    def forward(A, option=default, _result=None):
        return compute(A, option) if _result is None else _result
    forward.__name__ = forward.__qualname__ = name
    return defop(node_name, vjp=lambda g, A, option: vjp(which, g, A, option),
                 jvp=lambda A_t, A, option: jvp(which, A_t, A, option), promote="none")(forward)


# ---------------------------------------------------------------- inv, det, slogdet, logdet

@defop("LinalgInvExBackward0",
       vjp=lambda g, out: -(_mT(out) @ g @ _mT(out)),     # d(A^-1) = -A^-1 dA A^-1
       jvp=lambda A_t, out: -(out @ A_t @ out), promote="none")
def _linalg_inv(A, singular_ok=False):
    """A^-1; with singular_ok (in rules), a singular A gives its pseudo-inverse instead of an error."""
    _check_matrix("linalg.inv", A)
    try:
        return xp.linalg.inv(A)
    except xp.linalg.LinAlgError:
        if singular_ok:
            return xp.linalg.pinv(A)
        batch, column = _first_zero_pivot(A)
        raise _failure("linalg.inv", batch, A.ndim, f"The diagonal element {column} is zero, the inversion could not "
                       "be completed because the input matrix is singular.") from None


def inv(A, *, out=None):
    """The inverse of each square matrix in A (also torch.inverse); LinAlgError if one is singular."""
    return _linalg_inv(A)


inverse = inv


def _inverse_t(A):
    """A^-T (d det A = det A tr(A^-1 dA)); pinv(A)^T if singular, so that det's gradient there is 0, as PyTorch's."""
    return _mT(_linalg_inv(A, True))


@defop("LinalgDetBackward0", vjp=lambda g, A, out: unsqueeze(unsqueeze(g * out, -1), -1) * _inverse_t(A),
       jvp=lambda A_t, A, out: out * _sum(_inverse_t(A) * A_t, (-2, -1)), promote="none")
def _linalg_det(A):
    _check_matrix("linalg.det", A)
    return xp.linalg.det(A)


def det(A, *, out=None):
    """The determinant of each square matrix in A (also torch.det); its gradient is det(A) A^-T."""
    return _linalg_det(A)


def _slogdet_arrays(A):
    _check_matrix("linalg.slogdet", A)
    return xp.linalg.slogdet(A)


# d log|det A| = tr(A^-1 dA); the sign (which = 0) is piecewise constant: recorded, as PyTorch, with derivative 0
_SLOGDET_RULES = (lambda which, g, A, option: unsqueeze(unsqueeze(g * which, -1), -1) * _inverse_t(A),
                  lambda which, A_t, A, option: _sum(_inverse_t(A) * A_t, (-2, -1)) * which)
_slogdet_sign = _output_op("_slogdet_sign", "LinalgSlogdetBackward0", 0, lambda A, option: _slogdet_arrays(A)[0],
                           None, *_SLOGDET_RULES)
_slogdet_logabsdet = _output_op("_slogdet_logabsdet", "LinalgSlogdetBackward0", 1,
                                lambda A, option: _slogdet_arrays(A)[1], None, *_SLOGDET_RULES)


def slogdet(A, *, out=None):
    """(sign, logabsdet) of each square matrix: det(A) = sign * exp(logabsdet), without overflow.

    Also torch.slogdet (whose result PyTorch names `slogdet`; here both are `linalg_slogdet`).

    Example:
        >>> tapegrad.linalg.slogdet(tapegrad.tensor([[-2., 0.], [0., 3.]])).logabsdet
        tensor(1.7918)
    """
    return RETURN_TYPES["linalg_slogdet"](*_factorise(_slogdet_arrays, (_slogdet_sign, _slogdet_logabsdet), A))


def logdet(input):
    """log(det(input)): nan where the determinant is negative, -inf where it is 0 (a `where`, as PyTorch)."""
    _check_matrix("logdet", _array(input))
    sign, logabsdet = slogdet(input)
    return where(_array(sign) >= 0, logabsdet, math.nan)


# ---------------------------------------------------------------- solve

def _solve_check(A, B, left):
    """PyTorch's errors; whether B is a (batch of) vector(s): 1-D, or A's shape without its last dim."""
    _check_matrix("linalg.solve", A)
    if A.dtype != B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_TYPE_NAMES[A.dtype.name]} and B of type {_TYPE_NAMES[B.dtype.name]} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    shape = B.shape + (1,) if vector else B.shape
    if (shape[-2] if left else shape[-1]) != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {'AX' if left else 'XA'}"
                           f" = B ({A.shape[-2]}x{A.shape[-1]} and {shape[-2]}x{shape[-1]})")
    batch_a, batch_b = A.shape[:-2], shape[:-2]
    for back in range(1, min(len(batch_a), len(batch_b)) + 1):
        if batch_a[-back] != batch_b[-back] and 1 not in (batch_a[-back], batch_b[-back]):
            raise RuntimeError(_errors.BROADCAST_MISMATCH.format(a=batch_b[-back], b=batch_a[-back],
                                                                 dim=max(len(batch_a), len(batch_b)) - back))
    if vector and not left:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. "
                           "In this case linalg.solve is equivalent to B / A.squeeze(-1)")
    return vector


def _solve_grad_A(g, A, out, left):
    grad_B = _linalg_solve(_mT(A), g, left)
    if not left:
        return -(_mT(out) @ grad_B)                               # XA = B: dA = -X^T gB
    if out.ndim < A.ndim:                                         # vectors: dA = -gB x^T
        return -(unsqueeze(grad_B, -1) * unsqueeze(out, -2))
    return -(grad_B @ _mT(out))                                   # AX = B: dA = -gB X^T


def _solve_jvp_A(A_t, A, out, left):
    if not left:
        return -_linalg_solve(A, out @ A_t, False)                # dX = -X dA A^-1
    if out.ndim < A.ndim:
        return -_linalg_solve(A, (A_t @ unsqueeze(out, -1))[..., 0])
    return -_linalg_solve(A, A_t @ out)                           # dX = -A^-1 dA X


@defop("LinalgSolveExBackward0",
       vjp=(_solve_grad_A, lambda g, A, left: _linalg_solve(_mT(A), g, left)),   # dB = A^-T g
       jvp=(_solve_jvp_A, lambda B_t, A, left: _linalg_solve(A, B_t, left)), promote="none")
def _linalg_solve(A, B, left=True):
    vector = _solve_check(A, B, left)
    try:
        if not left:  # XA = B  <=>  A^T X^T = B^T
            return xp.swapaxes(xp.linalg.solve(xp.swapaxes(A, -1, -2), xp.swapaxes(B, -1, -2)), -1, -2)
        return xp.linalg.solve(A, B[..., None])[..., 0] if vector else xp.linalg.solve(A, B)
    except xp.linalg.LinAlgError:
        batch = xp.broadcast_shapes(A.shape[:-2], B.shape[:-1 if vector else -2]) + A.shape[-2:]
        raise _failure("torch.linalg.solve", _first_zero_pivot(xp.broadcast_to(A, batch))[0], A.ndim,
                       "The solver failed because the input matrix is singular.") from None


def solve(A, B, *, left=True, out=None):
    """X with A X = B (or X A = B when left=False), for square A; batch dims broadcast.

    B is a vector (or a batch of them) if it is 1-D or has A's shape without its last dim; otherwise
    a matrix. Raises LinAlgError for a singular A."""
    return _linalg_solve(A, B, left)


# ---------------------------------------------------------------- cholesky

def _tril_half(X):
    """The lower triangle of X with its diagonal halved (Phi in Murray's notation)."""
    return tril(X) - X * _eye_mask(X.shape) * 0.5


def _cholesky_vjp(g, out, upper):
    # gA = sym(L^-T Phi(L^T gL) L^-1) (Iain Murray, arXiv 1602.07527; PyTorch's cholesky_backward)
    L, grad_L = (_mT(out), _mT(g)) if upper else (out, g)
    inverse_L = _linalg_inv(L)
    return _sym(_mT(inverse_L) @ _tril_half(_mT(L) @ grad_L) @ inverse_L)


def _cholesky_jvp(A_t, out, upper):
    # dL = L Phi(L^-1 dA L^-T), on the symmetric part of dA (the gradient is symmetric)
    L = _mT(out) if upper else out
    inverse_L = _linalg_inv(L)
    tangent = L @ _tril_half(inverse_L @ _sym(A_t) @ _mT(inverse_L))
    return _mT(tangent) if upper else tangent


@defop("LinalgCholeskyExBackward0", vjp=_cholesky_vjp, jvp=_cholesky_jvp, promote="none")
def _linalg_cholesky(A, upper=False):
    _check_matrix("linalg.cholesky", A)
    try:
        L = xp.linalg.cholesky(A)
    except xp.linalg.LinAlgError:
        n = A.shape[-1]
        a = A.reshape(-1, n, n)
        order = xp.zeros(len(a), dtype=int)
        for k in range(n, 0, -1):  # the smallest leading minor that is not positive-definite
            order[~(xp.linalg.eigvalsh(a[:, :k, :k])[:, 0] > 0)] = k
        batch = int(xp.argmax(order > 0))
        raise _failure("linalg.cholesky", batch, A.ndim, "The factorization could not be completed because the input "
                       f"is not positive-definite (the leading minor of order {order[batch]} is not "
                       "positive-definite).") from None
    return xp.swapaxes(L, -1, -2).copy() if upper else L


def cholesky(A, *, upper=False, out=None):
    """L, lower triangular, with A = L L^T for a symmetric positive-definite A (U = L^T if upper).

    Only the lower triangle of A is read; the gradient is symmetric, as PyTorch's. Raises
    LinAlgError naming the first leading minor that is not positive-definite."""
    return _linalg_cholesky(A, upper)


# ---------------------------------------------------------------- qr

def _qr_arrays(A, mode):
    _check_matrix("linalg.qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    if mode == "r":
        return xp.zeros((0,), dtype=A.dtype), xp.linalg.qr(A, mode="r")
    return tuple(xp.linalg.qr(A, mode=mode))


def _qr(A, mode="reduced"):
    return _factorise(_qr_arrays, (_qr_q, _qr_r), A, mode)


def _qr_square_vjp(grad_Q, grad_R, Q, R):
    # m >= n: gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q, copyltu(M) = tril(M) + tril(M, -1)^T
    M = (0 if grad_R is None else R @ _mT(grad_R)) - (0 if grad_Q is None else _mT(grad_Q) @ Q)
    b = Q @ (tril(M) + _mT(tril(M, -1)))
    return _linalg_solve(_mT(R), b if grad_Q is None else b + grad_Q, False)


def _qr_vjp(which, g, A, mode):
    m, n = A.shape[-2], A.shape[-1]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    Q, R = _qr(A)
    grad_Q, grad_R = (g, None) if which == 0 else (None, g)
    if m >= n:
        return _qr_square_vjp(grad_Q, grad_R, Q, R)
    # wide: A = [X | Y] with X = Q U square and Y = Q V, so Y only sends a gradient through Q
    U = narrow(R, -1, 0, m)
    if grad_R is None:
        return constant_pad_nd(_qr_square_vjp(grad_Q, None, Q, U), (0, n - m))
    grad_V = narrow(grad_R, -1, m, n - m)
    grad_X = _qr_square_vjp(narrow(A, -1, m, n - m) @ _mT(grad_V), narrow(grad_R, -1, 0, m), Q, U)
    return constant_pad_nd(grad_X, (0, n - m)) + constant_pad_nd(Q @ grad_V, (m, 0))


def _qr_square_jvp(A_t, Q, R):
    # Q^T dA R^-1 = Q^T dQ (skew) + dR R^-1 (upper triangular)
    inverse_R = _linalg_inv(R)
    X = _mT(Q) @ A_t @ inverse_R
    lower = tril(X, -1)
    upper = X - lower + _mT(lower)
    return A_t @ inverse_R - Q @ upper, upper @ R


def _qr_jvp(which, A_t, A, mode):
    m, n = A.shape[-2], A.shape[-1]
    Q, R = _qr(A)
    if m >= n:
        return _qr_square_jvp(A_t, Q, R)[which]
    dQ, dU = _qr_square_jvp(narrow(A_t, -1, 0, m), Q, narrow(R, -1, 0, m))
    if which == 0:
        return dQ
    dV = _mT(Q) @ (narrow(A_t, -1, m, n - m) - dQ @ narrow(R, -1, m, n - m))
    return constant_pad_nd(dU, (0, n - m)) + constant_pad_nd(dV, (m, 0))


_qr_q = _output_op("_qr_q", "LinalgQrBackward0", 0, lambda A, mode: _qr_arrays(A, mode)[0], "reduced",
                   _qr_vjp, _qr_jvp)
_qr_r = _output_op("_qr_r", "LinalgQrBackward0", 1, lambda A, mode: _qr_arrays(A, mode)[1], "reduced",
                   _qr_vjp, _qr_jvp)


def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = Q R, Q with orthonormal columns and R upper triangular (signs as LAPACK's).

    mode: 'reduced' (k = min(m, n) columns of Q), 'complete' (Q square) or 'r' (R only, Q empty).
    Differentiable for 'reduced', and for 'complete' when m <= n, as in PyTorch."""
    return RETURN_TYPES["linalg_qr"](*_qr(A, mode))


# ---------------------------------------------------------------- eigh

def _eigh_arrays(A, UPLO, vectors=True):
    if A.dtype.kind not in "fc" or A.dtype == xp.float16:
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{_TYPE_NAMES[A.dtype.name]}'")
    _check_matrix("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return xp.linalg.eigh(A, UPLO=UPLO) if vectors else xp.linalg.eigvalsh(A, UPLO=UPLO)


def _eigh(A, UPLO="L"):
    return _factorise(_eigh_arrays, (_eigh_values, _eigh_vectors), A, UPLO)


def _eigh_vjp(which, g, A, UPLO):
    # gA = V (diag(gL) + skew(V^T gV) / E) V^T, E[i, j] = L[j] - L[i] (PyTorch's linalg_eig_backward)
    L, V = _eigh(A, UPLO)
    if which == 0:
        return (V * unsqueeze(g, -2)) @ _mT(V)
    VhgV = _mT(V) @ g
    return V @ ((VhgV - _mT(VhgV)) * 0.5 / _gaps(L)) @ _mT(V)


def _eigh_jvp(which, A_t, A, UPLO):
    # V^T dA V = diag(dL) + (V^T dV) E, on the symmetric part of dA (the gradient is symmetric)
    L, V = _eigh(A, UPLO)
    P = _mT(V) @ _sym(A_t) @ V
    return diagonal(P, 0, -2, -1) if which == 0 else V @ (P * ~_eye_mask(P.shape) / _gaps(L))


_eigh_values = _output_op("_eigh_values", "LinalgEighBackward0", 0, lambda A, UPLO: _eigh_arrays(A, UPLO, False), "L",
                          _eigh_vjp, _eigh_jvp)
_eigh_vectors = _output_op("_eigh_vectors", "LinalgEighBackward0", 1, lambda A, UPLO: _eigh_arrays(A, UPLO)[1],
                           "L", _eigh_vjp, _eigh_jvp)


def eigh(A, UPLO="L", *, out=None):
    """(eigenvalues, eigenvectors) of symmetric matrices, eigenvalues ascending; reads the UPLO triangle.

    Eigenvectors are defined up to sign: differentiate functions that do not depend on it (the
    gradient, as PyTorch's, is symmetric and assumes distinct eigenvalues)."""
    return RETURN_TYPES["linalg_eigh"](*_eigh(A, UPLO))


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of symmetric matrices, ascending (differentiable, as those of `eigh`)."""
    return _eigh_values(A, UPLO)


# ---------------------------------------------------------------- svd

def _svd_arrays(A, full_matrices, compute_uv=True):
    _check_matrix("linalg.svd", A, square=False)
    return xp.linalg.svd(A, full_matrices=full_matrices, compute_uv=compute_uv)


def _svd(A, full_matrices=False):
    """U, S, Vh, with U and Vh cut to k = min(m, n) singular vectors (PyTorch ignores the others' gradient)."""
    U, S, Vh = _factorise(_svd_arrays, (_svd_u, _svd_s, _svd_vh), A, full_matrices)
    k = S.shape[-1]
    return (narrow(U, -1, 0, k) if U.shape[-1] != k else U), S, (narrow(Vh, -2, 0, k) if Vh.shape[-2] != k else Vh)


def _svd_vjp(which, g, A, full_matrices):
    # PyTorch's svd_backward, with skew(X) = X - X^T and E[i, j] = S[j]^2 - S[i]^2
    U, S, Vh = _svd(A, full_matrices)
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    if which == 1:
        return (U * unsqueeze(g, -2)) @ Vh
    if which == 0:
        grad_U = narrow(g, -1, 0, k) if g.shape[-1] != k else g
        UhgU = _mT(U) @ grad_U
        grad = U @ ((UhgU - _mT(UhgU)) * unsqueeze(S, -2) / _gaps(S * S))
        if m > k:  # the part of gU outside the span of U
            scaled = grad_U / unsqueeze(S, -2)
            grad = grad + scaled - U @ (_mT(U) @ scaled)
        return grad @ Vh
    grad_Vh = narrow(g, -2, 0, k) if g.shape[-2] != k else g
    VhgV = Vh @ _mT(grad_Vh)
    grad = ((VhgV - _mT(VhgV)) * unsqueeze(S, -1) / _gaps(S * S)) @ Vh
    if n > k:
        scaled = grad_Vh / unsqueeze(S, -1)
        grad = grad + scaled - (scaled @ _mT(Vh)) @ Vh
    return U @ grad


def _svd_jvp(which, A_t, A, full_matrices):
    # U^T dA V = (U^T dU) S + dS - S (V^T dV), both skew: solved entry by entry (PyTorch's linalg_svd_jvp)
    U, S, Vh = _svd(A, full_matrices)
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    P = _mT(U) @ A_t @ _mT(Vh)
    if which == 1:
        return diagonal(P, 0, -2, -1)
    row, column = unsqueeze(S, -2), unsqueeze(S, -1)
    scale = ~_eye_mask((k, k)) / _gaps(S * S)
    if which == 0:
        dU = U @ ((P * row + column * _mT(P)) * scale)
        if m > k:
            dU = dU + (A_t @ _mT(Vh) - U @ P) / row
        return constant_pad_nd(dU, (0, m - k)) if full_matrices and m > k else dU
    dV = _mT(Vh) @ ((column * P + _mT(P) * row) * scale)
    if n > k:
        dV = dV + (_mT(A_t) @ U - _mT(Vh) @ _mT(P)) / row
    return constant_pad_nd(_mT(dV), (0, 0, 0, n - k)) if full_matrices and n > k else _mT(dV)


_svd_u = _output_op("_svd_u", "LinalgSvdBackward0", 0, lambda A, full: _svd_arrays(A, full)[0], False,
                    _svd_vjp, _svd_jvp)
_svd_s = _output_op("_svd_s", "LinalgSvdBackward0", 1, lambda A, full: _svd_arrays(A, full, False), False,
                    _svd_vjp, _svd_jvp)
_svd_vh = _output_op("_svd_vh", "LinalgSvdBackward0", 2, lambda A, full: _svd_arrays(A, full)[2], False,
                     _svd_vjp, _svd_jvp)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending. U and Vh are defined up to signs.

    With full_matrices (the default) U and Vh are square; the gradient ignores their extra
    columns/rows, as PyTorch's. Differentiate functions independent of the signs (U diag(S) Vh, S...).

    Example:
        >>> tapegrad.linalg.svd(tapegrad.tensor([[3., 0.], [0., -4.]])).S
        tensor([4., 3.])
    """
    return RETURN_TYPES["linalg_svd"](*_factorise(_svd_arrays, (_svd_u, _svd_s, _svd_vh), A, full_matrices))


def svdvals(A, *, driver=None, out=None):
    """The singular values of each matrix, descending (their gradient is U diag(g) Vh)."""
    return _svd_s(A)


# ---------------------------------------------------------------- pinv

def _pinv_vjp(g, A, out):
    # the adjoint of dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (A's rank kept)
    P, Ph, gh = out, _mT(out), _mT(g)
    return -(Ph @ g @ Ph) + (gh - A @ (P @ gh)) @ (P @ Ph) + (Ph @ P) @ (gh - (gh @ P) @ A)


def _pinv_jvp(A_t, A, out):
    P, Ph, dAh = out, _mT(out), _mT(A_t)
    return -(P @ A_t @ P) + (P @ Ph) @ (dAh - (dAh @ A) @ P) + (dAh - P @ (A @ dAh)) @ (Ph @ P)


@defop("LinalgPinvBackward0", vjp=_pinv_vjp, jvp=_pinv_jvp, promote="none")
def _linalg_pinv(A, atol=None, rtol=None, hermitian=False):
    if A.ndim < 2 or A.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.pinv({_TYPE_NAMES[A.dtype.name]}{{[{', '.join(map(str, A.shape))}]}}): expected "
                           "a tensor with 2 or more dimensions of float, double, cfloat or cdouble types")
    m, n = A.shape[-2], A.shape[-1]
    if A.size == 0:
        return xp.zeros(A.shape[:-2] + (n, m), dtype=A.dtype)
    if hermitian:
        values, V = xp.linalg.eigh(A)
    else:
        U, values, Vh = xp.linalg.svd(A, full_matrices=False)
    size = xp.abs(values)
    if rtol is None:  # PyTorch's default: eps * max(m, n), unless a positive atol is given
        rtol = 0.0 if atol is not None and xp.any(xp.asarray(atol) > 0) else float(xp.finfo(A.dtype).eps) * max(m, n)
    cutoff = xp.maximum(xp.asarray(0.0 if atol is None else atol)[..., None],
                        xp.asarray(rtol)[..., None] * size.max(-1, keepdims=True))
    kept = size > cutoff
    inverse = xp.where(kept, 1 / xp.where(kept, values, 1), 0).astype(A.dtype)[..., None, :]
    if hermitian:
        return (V * inverse) @ xp.swapaxes(V, -1, -2)
    return (xp.swapaxes(Vh, -1, -2) * inverse) @ xp.swapaxes(U, -1, -2)


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse, from the SVD (or eigh if hermitian): singular values at most
    max(atol, rtol * largest) are dropped; rtol defaults to eps * max(m, n) (`rcond` is rtol's old name)."""
    return _linalg_pinv(A, _array(atol), _array(rcond if rtol is None else rtol), hermitian)


# ---------------------------------------------------------------- norms

def _spectral(A, ord, dims, keepdim):
    """'nuc', 2 or -2: from the singular values of the matrices in `dims` (moved last, as PyTorch)."""
    order = [d for d in range(A.ndim) if d not in dims] + list(dims)
    values = svdvals(A if order == list(range(A.ndim)) else permute(A, order))
    result = (_sum if ord == "nuc" else amax if ord == 2 else amin)(values, -1, keepdim)
    return permute(unsqueeze(result, -1), [order.index(d) for d in range(A.ndim)]) if keepdim else result


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """A matrix norm over the two dims `dim`: 'fro', 'nuc' (sum of singular values), 2 / -2 (largest /
    smallest singular value), 1 / -1 (largest / smallest column sum of |A|), inf / -inf (row sums).

    Example:
        >>> tapegrad.linalg.matrix_norm(tapegrad.tensor([[3., 0.], [0., 4.]]), "nuc")
        tensor(7.)
    """
    if dtype is not None:
        A = to_dtype(A, dtype)
    data = _array(A)
    _check_matrix("linalg.matrix_norm", data, square=False)
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    first, second = (_dims(d, data.ndim)[0] for d in dim)
    if first == second:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({first}, {second})")
    if ord == "fro":
        return vector_norm(A, 2, dim, keepdim)
    if ord in ("nuc", 2, -2):
        return _spectral(A, ord, (first, second), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        summed, kept = (first, second) if abs(ord) == 1 else (second, first)
        sums = vector_norm(A, 1, summed, keepdim)
        return (amax if ord > 0 else amin)(sums, kept - (not keepdim and summed < kept), keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """A vector norm (over 1 dim, or all elements when ord and dim are None) or a matrix norm (2 dims)."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
        if len(dims) == 1 and not isinstance(ord, str):
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    ndim = _array(A).ndim
    if ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {ndim}D.")
    if ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
