"""Matrix products: dot, mv, mm, bmm, matmul in its broadcasting forms, the fused add*-products,
outer, trace, inner, tensordot, kron and einsum.

Shape errors carry PyTorch's messages; `matmul` dispatches to the op PyTorch would record, so
`grad_fn` names match (DotBackward0, MvBackward0, MmBackward0). Composite ops (outer, tensordot,
inner, kron) are built from other ops in the order PyTorch builds them, so their nodes match too.
Decompositions and matrix functions (torch.linalg) are in ops/decomposition.py.
"""
import math

from .. import _backend as B
from .. import _errors
from ._registry import defop, expand, sum_to_size
from .elementwise import mul
from .reduction import _dims
from .shape import _reshape_copy, permute, reshape, squeeze_folded, squeeze_for_matmul, transpose, unsqueeze

xp = B.xp

PUBLIC = ("dot", "mm", "mv", "bmm", "addmm", "matmul", "addmv", "addr", "baddbmm", "outer", "ger", "trace",
          "tensordot", "inner", "kron", "einsum")  # see the note on these tables in elementwise.py
METHODS = ("dot", "mm", "mv", "bmm", "addmm", "matmul", "addmv", "addr", "baddbmm", "outer", "ger", "trace",
           "inner", "kron")
INPLACE = ("addmm", "addmv", "addr", "baddbmm")


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


@defop("AddmvBackward0",
       vjp=(lambda g, beta: g if beta == 1 else g * beta,                 # d/d(input) = beta
            lambda g, vec, alpha: _outer(g, vec) * alpha,                 # d/d(mat) = alpha g vec^T
            lambda g, mat, alpha: mv(t_(mat), g) * alpha),                # d/d(vec) = alpha mat^T g
       jvp=(lambda input_t, beta: input_t * beta, lambda mat_t, vec, alpha: mv(mat_t, vec) * alpha,
            lambda vec_t, mat, alpha: mv(mat, vec_t) * alpha),
       promote="none")
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec); `input` broadcasts to the product's shape."""
    if mat.ndim != 2 or vec.ndim != 1 or mat.shape[1] != vec.shape[0] or input.ndim > 1 or (
            input.ndim == 1 and input.shape[0] not in (1, mat.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), mat "
                           f"({'x'.join(map(str, mat.shape))}), vec ({vec.shape[0] if vec.ndim else 1})")
    _same_dtype("mv", mat, vec)
    return _scaled_sum(input, mat @ vec, beta, alpha)


@defop("AddrBackward0",
       vjp=(lambda g, beta: g if beta == 1 else g * beta,
            lambda g, vec2, alpha: mv(g, vec2) * alpha,                   # d/d(vec1) = alpha g vec2
            lambda g, vec1, alpha: mv(t_(g), vec1) * alpha),              # d/d(vec2) = alpha g^T vec1
       jvp=(lambda input_t, beta: input_t * beta, lambda vec1_t, vec2, alpha: _outer(vec1_t, vec2) * alpha,
            lambda vec2_t, vec1, alpha: _outer(vec1, vec2_t) * alpha),
       promote="none")
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2); `input` broadcasts to the product's shape."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec{1 if vec1.ndim != 1 else 2}, but got "
                           f"{vec1.ndim if vec1.ndim != 1 else vec2.ndim}-D")
    product = vec1[:, None] * vec2[None, :]
    expand(input, product.shape)  # PyTorch's broadcast error
    return _scaled_sum(input, product, beta, alpha)


@defop("BaddbmmBackward0",
       vjp=(lambda g, beta: g if beta == 1 else g * beta,
            lambda g, batch2, alpha: _bmm(g, transpose(batch2, 1, 2)) * alpha,
            lambda g, batch1, alpha: _bmm(transpose(batch1, 1, 2), g) * alpha),
       jvp=(lambda input_t, beta: input_t * beta, lambda batch1_t, batch2, alpha: _bmm(batch1_t, batch2) * alpha,
            lambda batch2_t, batch1, alpha: _bmm(batch1, batch2_t) * alpha),
       promote="none")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * bmm(batch1, batch2); `input` broadcasts to the product's shape."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"batch{1 if batch1.ndim != 3 else 2} must be a 3D tensor")
    if batch2.shape[:2] != (batch1.shape[0], batch1.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch1.shape[0]}, {batch1.shape[2]}] but got: [{batch2.shape[0]}, {batch2.shape[1]}].")
    product = _batched_product(batch1, batch2)
    expand(input, product.shape)
    return _scaled_sum(input, product, beta, alpha)


def _scaled_sum(input, product, beta, alpha):
    """beta * input + alpha * product, on the fresh product; beta=0 ignores input (its nan too), as PyTorch."""
    if input.dtype != product.dtype:
        _same_dtype("mm", input, product)
    if alpha != 1:
        product = product * alpha
    if beta != 0:
        product = product + (input if beta == 1 else input * beta)
    return product


# ---------------------------------------------------------------- outer, trace, inner, tensordot, kron

def outer(input, vec2):
    """Outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j] (PyTorch records a mul)."""
    for name, v in (("self", input), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return mul(reshape(input, (input.shape[0], 1)), vec2)


ger = outer


def _eye_mask(shape):
    """A boolean identity of the last two dims of `shape`: a constant that keeps the dtype of what it masks."""
    return xp.eye(shape[-2], shape[-1], dtype=bool)


def _trace_check(input):
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype == bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")


@defop("TraceBackward0", vjp=lambda g, input_shape: g * _eye_mask(input_shape), jvp="linear")
def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum to int64, as PyTorch).

    Example:
        >>> tapegrad.trace(tapegrad.eye(3))
        tensor(3.)
    """
    _trace_check(input)
    return xp.asarray(xp.trace(input, dtype=xp.int64 if input.dtype.kind in "biu" else None))


def _dims_pair(dims, a, b):
    """tensordot's `dims` (an int, a pair of lists or ints, or a tensor) as two lists of dims."""
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    for position, (name, value) in enumerate(zip(("dims_self", "dims_other"), dims)):
        if isinstance(value, int):
            raise TypeError(f"tensordot(): argument '{name}' (position {position + 3}) must be tuple of ints, not int")
    return list(dims[0]), list(dims[1])


def tensordot(a, b, dims=2, out=None):
    """Sum of products over the dims `dims[0]` of a and `dims[1]` of b; the free dims of a come first.

    dims=n contracts the last n dims of a with the first n of b; dims=0 is the outer product.
    Recorded as PyTorch does it: permute, reshape, mm, reshape (ViewBackward0).

    Example:
        >>> tapegrad.tensordot(tapegrad.ones(2, 3), tapegrad.ones(3, 4), dims=([1], [0])).shape
        torch.Size([2, 4])
    """
    given_a, given_b = _dims_pair(dims, a, b)
    if len(given_a) != len(given_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    _dims(given_a, a.ndim), _dims(given_b, b.ndim)  # PyTorch's range and repetition errors
    dims_a = [d % a.ndim for d in given_a]
    dims_b = [d % b.ndim for d in given_b]
    for da, db, name_a, name_b in zip(dims_a, dims_b, given_a, given_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                               f"{name_a} and second has size {b.shape[db]} in dim {name_b}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = _numel(a.shape, dims_a)
    left = reshape(permute(a, free_a + dims_a), (_numel(a.shape, free_a), size))
    right = reshape(permute(b, dims_b + free_b), (size, _numel(b.shape, free_b)))
    return reshape(mm(left, right), tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


def _numel(shape, dims):
    return math.prod(shape[d] for d in dims)


def inner(input, other, *, out=None):
    """Sum of products over the last dim of both (a scalar operand multiplies); PyTorch's node is a view.

    Example:
        >>> tapegrad.inner(tapegrad.tensor([1., 2.]), tapegrad.tensor([3., 4.]))
        tensor(11.)
    """
    if input.ndim == 0 or other.ndim == 0:
        return mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, dims=([-1], [-1]))


def kron(input, other, *, out=None):
    """Kronecker product: blocks input[i, j] * other, over any number of dims (the shorter is padded with 1s).

    Example:
        >>> tapegrad.kron(tapegrad.eye(2), tapegrad.ones(1, 2))
        tensor([[1., 1., 0., 0.],
                [0., 0., 1., 1.]])
    """
    ndim = max(input.ndim, other.ndim)
    shape_a = (1,) * (ndim - input.ndim) + tuple(input.shape)
    shape_b = (1,) * (ndim - other.ndim) + tuple(other.shape)
    a = reshape(input, tuple(n for s in shape_a for n in (s, 1)))
    b = reshape(other, tuple(n for s in shape_b for n in (1, s)))
    return _reshape_copy(mul(a, b), tuple(p * q for p, q in zip(shape_a, shape_b)))


# ---------------------------------------------------------------- einsum
#
# The equation is parsed once, with PyTorch's errors, into explicit labels ("..." becomes letters the
# equation does not use). Several operands are contracted pairwise, left to right, each pair (and a
# single operand) recorded as one op. Its gradient for an operand is another einsum: of the incoming
# gradient with the other operand, then expanded along the labels only that operand had, and put on
# the diagonal where it repeats a label ("ii"). PyTorch's node names depend on the contraction, so the
# same rules are registered under four of them.

_LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # PyTorch's order for the implicit output


def _fresh_labels(equation):
    return iter(c for c in _LABELS if c not in equation)


def _einsum_forward(equation, *operands):
    big = len(operands) > 1 and max(a.size for a in operands) > 256  # BLAS through tensordot pays then
    out = xp.asarray(xp.einsum(equation, *operands, optimize=big))
    return out.copy() if out.base is not None else out  # NumPy returns views of a single operand


def _operand_grad(equation, k, g, operands, shape):
    """The gradient of operand k of `equation` (the others given), as einsums of `g` (rules' helper)."""
    terms, output = equation.split("->")
    terms = terms.split(",")
    target = terms[k]
    unique = "".join(dict.fromkeys(target))
    others = [j for j in range(len(terms)) if j != k]
    available = set(output).union(*(terms[j] for j in others))
    present = "".join(c for c in unique if c in available)
    r = _contract([output] + [terms[j] for j in others], [g] + [operands[j] for j in others], present, inner=True)
    if len(present) < len(unique):  # labels summed within operand k alone: the gradient is constant along them
        sizes = dict(zip(target, shape))
        sizes.update(zip(present, r.shape))
        r = expand(reshape(r, tuple(sizes[c] if c in present else 1 for c in unique)), tuple(sizes[c] for c in unique))
    if len(unique) < len(target):  # a repeated label: the gradient lives on the diagonal
        fresh, seen, relabelled, eyes = _fresh_labels(equation), set(), "", []
        for c in target:
            if c in seen:
                d = next(fresh)
                relabelled += d
                eyes.append((c + d, xp.eye(r.shape[unique.index(c)], dtype=bool)))
            else:
                seen.add(c)
                relabelled += c
        r = _contract([unique] + [e for e, _ in eyes], [r] + [m for _, m in eyes], relabelled, inner=True)
    return r if tuple(r.shape) == tuple(shape) else sum_to_size(r, shape)


_EINSUM2_VJP = (lambda g, other, input_shape, equation: _operand_grad(equation, 0, g, (None, other), input_shape),
                lambda g, input, other_shape, equation: _operand_grad(equation, 1, g, (input, None), other_shape))
_EINSUM2_JVP = (lambda input_t, other, equation: _einsum_forward(equation, input_t, other),
                lambda other_t, input, equation: _einsum_forward(equation, input, other_t))
_EINSUM1_VJP = lambda g, input_shape, equation: _operand_grad(equation, 0, g, (None,), input_shape)


@defop("ViewBackward0", vjp=_EINSUM2_VJP, jvp=_EINSUM2_JVP, promote="none")
def _einsum_view(input, other, equation):
    return _einsum_forward(equation, input, other)  # a pair with a contraction (PyTorch: bmm, then a view)


@defop("MulBackward0", vjp=_EINSUM2_VJP, jvp=_EINSUM2_JVP, promote="none")
def _einsum_mul(input, other, equation):
    return _einsum_forward(equation, input, other)  # a pair without one (a broadcast product)


@defop("SumBackward1", vjp=_EINSUM1_VJP, jvp="linear", promote="none")
def _einsum_sum(input, equation):
    return _einsum_forward(equation, input)  # one operand, some labels summed


@defop("PermuteBackward0", vjp=_EINSUM1_VJP, jvp="linear", promote="none")
def _einsum_permute(input, equation):
    return _einsum_forward(equation, input)  # one operand: a permutation, or a diagonal


def _contract(terms, values, output, inner=False):
    """Contract operands labelled `terms` into `output`: pairwise, left to right, one recorded op each.

    inner: inside a rule, where an operand already in the output's order needs no op.
    """
    if len(terms) == 1:
        if inner and terms[0] == output:
            return values[0]
        op = _einsum_permute if set(terms[0]) <= set(output) else _einsum_sum
        return op(values[0], f"{terms[0]}->{output}")
    left, labels = values[0], terms[0]
    for j in range(1, len(terms)):
        if j == len(terms) - 1:
            result = output
        else:
            later = set(output).union(*terms[j + 1:])
            result = "".join(c for c in dict.fromkeys(labels + terms[j]) if c in later)
        op = _einsum_mul if set(labels + terms[j]) <= set(result) else _einsum_view
        left = op(left, values[j], f"{labels},{terms[j]}->{result}")
        labels = result
    return left


def _einsum_error(message):
    return RuntimeError("einsum(): " + message)


def _scan(equation, start, stop, where):
    """The labels of equation[start:stop] ("..." as None) for `where` ("operand 0", "output"), or an error."""
    labels, i = [], start
    while i < stop:
        c = equation[i]
        if c == ".":
            if None in labels:
                raise _einsum_error(f"found '.' for {where} " + ("for which an ellipsis was already found"
                                    if where != "output" else "but an ellipsis (...) was already found"))
            if equation[i:min(i + 3, stop)] != "...":
                raise _einsum_error(f"found '.' for {where} that is not part of any ellipsis"
                                    + (" (...)" if where == "output" else ""))
            labels.append(None)
            i += 2
        elif c in _LABELS:
            labels.append(c)
        elif c != " ":
            raise _einsum_error(f"invalid subscript given at index {i} in the equation string, subscripts must be "
                                "in [a-zA-Z]")
        i += 1
    return labels


def _parse_terms(equation, operands):
    """The labels of each operand and of the output (None when implicit)."""
    arrow = equation.find("->")
    lhs_end = len(equation) if arrow < 0 else arrow
    commas = [i for i in range(lhs_end) if equation[i] == ","]
    bounds = list(zip([0] + [i + 1 for i in commas], commas + [lhs_end]))
    terms = [_scan(equation, a, b, f"operand {k}") for k, (a, b) in enumerate(bounds)]
    if len(terms) != len(operands):
        raise _einsum_error(f"{'more' if len(terms) < len(operands) else 'fewer'} operands were provided than "
                            "specified in the equation")
    if arrow < 0:
        return terms, None
    output = _scan(equation, arrow + 2, len(equation), "output")
    for position, c in enumerate(output):
        if c is not None and c in output[:position]:
            raise _einsum_error(f"output subscript {c} appears more than once in the output")
        if c is not None and not any(c in term for term in terms):
            raise _einsum_error(f"output subscript {c} does not appear in the equation for any input operand")
    return terms, output


def _parse_einsum(equation, operands):
    """Explicit labels for every operand and the output, with PyTorch's checks of sizes."""
    terms, output = _parse_terms(equation, operands)
    ellipsis_dims = 0
    for k, (term, x) in enumerate(zip(terms, operands)):
        named = len(term) - (None in term)
        if None in term:
            if named > x.ndim:
                raise _einsum_error(f"the number of subscripts in the equation ({named}) is more than the number "
                                    f"of dimensions ({x.ndim}) for operand {k}")
            ellipsis_dims = max(ellipsis_dims, x.ndim - named)
        elif named != x.ndim:
            raise _einsum_error(f"the number of subscripts in the equation ({named}) does not match the number of "
                                f"dimensions ({x.ndim}) for operand {k} and no ellipsis was given")
    fresh = _fresh_labels(equation)
    ellipsis = "".join(next(fresh) for _ in range(ellipsis_dims))
    sizes, explicit = {}, []
    for k, (term, x) in enumerate(zip(terms, operands)):
        width = x.ndim - len(term) + 1
        labels = "".join(ellipsis[ellipsis_dims - width:] if c is None else c for c in term)
        own = {}
        for position, (c, n) in enumerate(zip(labels, x.shape)):
            if c in own and own[c] != n:
                raise _einsum_error(f"subscript {c} is repeated for operand {k} but the sizes don't match, "
                                    f"{n} != {own[c]}")
            own[c] = n
            seen = sizes.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                if c in ellipsis:
                    raise _einsum_error(f"dimension {ellipsis.index(c)} covered by ellipsis in operand {k}has size "
                                        f"{n} which does not broadcast with previously seen ellipsis with size "
                                        f"{seen} for the respective dimension")
                raise _einsum_error(f"subscript {c} has size {n} for operand {k} which does not broadcast with "
                                    f"previously seen size {seen}")
            sizes[c] = max(seen, n)
        explicit.append(labels)
    if output is None:
        counts = {}
        for labels in explicit:
            for c in labels:
                counts[c] = counts.get(c, 0) + 1
        result = ellipsis + "".join(c for c in _LABELS if counts.get(c) == 1 and c not in ellipsis)
    else:
        result = "".join(ellipsis if c is None else c for c in output)
    return explicit, result


def _sublist_equation(args):
    """einsum(a, [0, 1], b, [1, 2], [0, 2]) as an equation ("AB,BC->AC") and its operands."""
    output = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if len(args) % 2 else args

    def letters(sublist):
        return "".join("..." if s is Ellipsis else _LABELS[s] for s in sublist)
    equation = ",".join(letters(s) for s in pairs[1::2])
    return equation + ("" if output is None else "->" + letters(output)), pairs[0::2]


def einsum(*args):
    """Sums of products over labelled dims: `einsum("ij,jk->ik", a, b)` is `a @ b`.

    Without "->", the output keeps the labels used once, in alphabetical order (upper case first);
    "..." stands for the dims not labelled, and broadcasts. The operands may also be given as one
    list, or in the sublist form `einsum(a, [0, 1], b, [1, 2], [0, 2])`. Several operands are
    contracted pairwise from the left. The node is PyTorch's: ViewBackward0 after a contraction,
    MulBackward0 for a plain product, SumBackward1 or PermuteBackward0 for one operand.

    Example:
        >>> tapegrad.einsum("ii", tapegrad.eye(3))
        tensor(3.)
    """
    if isinstance(args[0], str):
        equation, operands = args[0], args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    terms, output = _parse_einsum(equation, operands)
    dtypes = {x.dtype for x in operands}
    if len(dtypes) > 1:
        if not all(set(term) <= set(output) for term in terms):
            first = operands[0]._data
            other = next(x._data for x in operands if x.dtype != operands[0].dtype)
            raise RuntimeError(f"expected scalar type {_type_name(first)} but found {_type_name(other)}")
        from .. import _dtype as D
        from ._registry import to_dtype
        common = D.result_type(*operands)
        operands = [x if x.dtype == common else to_dtype(x, common) for x in operands]
    return _contract(terms, list(operands), output)
