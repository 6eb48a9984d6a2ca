"""Matrix products: dot, mv, mm, bmm and matmul in its broadcasting forms.

Shape errors carry PyTorch's messages; `matmul` dispatches to the op PyTorch would record, so
`grad_fn` names match (DotBackward0, MvBackward0, MmBackward0).
"""
from .. import _backend as B
from .. import _errors
from ._registry import defop
from .shape import squeeze_folded, squeeze_for_matmul, transpose, unsqueeze

xp = B.xp

PUBLIC = ("dot", "mm", "mv", "bmm", "addmm", "matmul")  # see the note on these tables in elementwise.py
METHODS = ("dot", "mm", "mv", "bmm", "addmm", "matmul")
INPLACE = ()


def _type_name(a):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
            "float16": "Half"}.get(a.dtype.name, a.dtype.name)


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int"}


def _same_dtype(op, a, b):
    if a.dtype != b.dtype:
        if op == "dot":
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{_type_name(a)} and {_type_name(b)}")
        if op == "mv":
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_type_name(b)}, "
                               f"{_type_name(a)}, and {_type_name(b)}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_NAMES.get(a.dtype.name, a.dtype.name)} != {_C_NAMES.get(b.dtype.name, b.dtype.name)}")


@defop("DotBackward0",
       vjp=(lambda g, other: g * other,       # d(a.b)/da = b
            lambda g, input: g * input),      # d(a.b)/db = a
       jvp=(lambda input_t, other: dot(input_t, other), lambda other_t, input: dot(input, other_t)),
       promote="none")
def dot(input, other):
    """Inner product of two 1-D tensors of the same size and dtype."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    _same_dtype("dot", input, other)
    return xp.dot(input, other)


def _outer(a, b):
    return unsqueeze(a, 1) * unsqueeze(b, 0)


@defop("MvBackward0",
       vjp=(lambda g, vec: _outer(g, vec),        # d(Av)/dA = g v^T
            lambda g, input: mv(t_(input), g)),   # d(Av)/dv = A^T g
       jvp=(lambda input_t, vec: mv(input_t, vec), lambda vec_t, input: mv(input, vec_t)),
       promote="none")
def mv(input, vec):
    """Matrix times vector."""
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 0}), mat "
                           f"({'x'.join(map(str, input.shape))}), vec ({vec.shape[0] if vec.ndim else 0})")
    _same_dtype("mv", input, vec)
    return input @ vec


@defop("MmBackward0",
       vjp=(lambda g, mat2: mm(g, t_(mat2)),      # d(AB)/dA = g B^T
            lambda g, input: mm(t_(input), g)),   # d(AB)/dB = A^T g
       jvp=(lambda input_t, mat2: mm(input_t, mat2), lambda mat2_t, input: mm(input, mat2_t)),
       promote="none")
def mm(input, mat2):
    """Matrix product of two 2-D tensors."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"{'self' if input.ndim != 2 else 'mat2'} must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(_errors.MM_SHAPES.format(a="x".join(map(str, input.shape)),
                                                    b="x".join(map(str, mat2.shape))))
    _same_dtype("mm", input, mat2)
    return input @ mat2


def _batched_product(input, other):
    """Batched matrix product with broadcast batch dims (both inputs at least 2-D)."""
    _same_dtype("bmm", input, other)
    if input.shape[-1] != other.shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{other.shape[0]}, {input.shape[-1]}] but got: "
                           f"[{other.shape[0]}, {other.shape[-2]}].")
    return xp.matmul(input, other)


# The same product recorded under the two names PyTorch uses: `matmul` of batches views the result
# of a folded bmm (UnsafeViewBackward0); `bmm` itself is BmmBackward0. One set of rules for both.
_BATCHED_VJP = (lambda g, other: _matmul_nd(g, transpose(other, -1, -2)),     # d(AB)/dA = g B^T
                lambda g, input: _matmul_nd(transpose(input, -1, -2), g))     # d(AB)/dB = A^T g
_BATCHED_JVP = (lambda input_t, other: _matmul_nd(input_t, other),
                lambda other_t, input: _matmul_nd(input, other_t))


@defop("UnsafeViewBackward0", vjp=_BATCHED_VJP, jvp=_BATCHED_JVP, promote="none")
def _matmul_nd(input, other):
    return _batched_product(input, other)


@defop("BmmBackward0", vjp=_BATCHED_VJP, jvp=_BATCHED_JVP, promote="none")
def _bmm(input, other):
    return _batched_product(input, other)


def t_(x):
    """Transpose of a matrix, for the rules (works on arrays and tensors alike)."""
    return transpose(x, 0, 1)


def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    return _bmm(input, mat2)


def matmul(input, other):
    """Matrix product with PyTorch's rules for 1-D and batched operands.

    Example:
        >>> tapegrad.matmul(tapegrad.ones(2, 3), tapegrad.ones(3))
        tensor([3., 3.])
    """
    a, b = input.ndim, other.ndim
    if a == 0 or b == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a}D and {b}D")
    if a == 1 and b == 1:
        return dot(input, other)
    if a == 2 and b == 1:
        return mv(input, other)
    if a == 2 and b == 2:
        return mm(input, other)
    if a == 1:
        if b == 2:
            if input.shape[0] != other.shape[0]:
                raise RuntimeError(_errors.MM_SHAPES.format(a=f"1x{input.shape[0]}",
                                                            b="x".join(map(str, other.shape))))
            return squeeze_for_matmul(mm(unsqueeze(input, 0), other), 0)
        return squeeze_folded(_matmul_nd(unsqueeze(input, 0), other), -2)
    if b == 1:
        return squeeze_folded(_matmul_nd(input, unsqueeze(other, 1)), -1)
    if a == 0 or b == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a}D and {b}D")
    return _matmul_nd(input, other)


@defop("AddmmBackward0",
       vjp=(lambda g, beta: g if beta == 1 else g * beta,                 # d/d(input) = beta
            lambda g, mat2, alpha: mm(g, t_(mat2)) * alpha if alpha != 1 else mm(g, t_(mat2)),
            lambda g, mat1, alpha: mm(t_(mat1), g) * alpha if alpha != 1 else mm(t_(mat1), g)),
       jvp=(lambda input_t, beta: input_t * beta, lambda mat1_t, mat2, alpha: mm(mat1_t, mat2) * alpha,
            lambda mat2_t, mat1, alpha: mm(mat1, mat2_t) * alpha))
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2): the fused op of `nn.Linear` on a batch."""
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"{'mat1' if mat1.ndim != 2 else 'mat2'} must be a matrix, got "
                           f"{mat1.ndim if mat1.ndim != 2 else mat2.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(_errors.MM_SHAPES.format(a="x".join(map(str, mat1.shape)),
                                                    b="x".join(map(str, mat2.shape))))
    product = mat1 @ mat2
    if alpha != 1:
        product = product * alpha
    product += input if beta == 1 else input * beta  # in place on the fresh product: no extra array
    return product
