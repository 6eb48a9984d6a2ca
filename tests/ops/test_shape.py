"""Tests of ops/shape.py and ops/join.py (and `expand` from ops/_registry.py): reshape/view, flatten,
unflatten, transpose, t, permute, movedim, unsqueeze, squeeze, expand, broadcast_to, repeat, tile,
flip, roll, narrow, tril/triu, diag/diagonal/diag_embed, pad; cat, stack, hstack/vstack, split,
chunk, unbind."""
import numpy as np
import pytest

from checks import check_op, requires_torch, assert_raises_like_torch

import tapegrad

CASES = {
    # name: (fn, input shapes)
    "reshape": (lambda lib, x: lib.reshape(x, (4, 3)), [(3, 4)]),
    "reshape_varargs": (lambda lib, x: x.reshape(2, 6), [(3, 4)]),
    "reshape_minus1": (lambda lib, x: x.reshape(-1), [(3, 4)]),
    "reshape_minus1_middle": (lambda lib, x: x.reshape(2, -1, 2), [(3, 4)]),
    "reshape_to_0d": (lambda lib, x: x.reshape(()), [(1, 1)]),
    "reshape_from_0d": (lambda lib, x: x.reshape(1, 1, 1), [()]),
    "reshape_empty": (lambda lib, x: x.reshape(3, 0), [(0, 3)]),
    "reshape_empty_minus1": (lambda lib, x: x.reshape(-1, 3), [(3, 0, 3)]),
    "reshape_non_contiguous": (lambda lib, x: x.t().reshape(-1), [(3, 4)]),
    "reshape_as": (lambda lib, x, y: x.reshape_as(y), [(3, 4), (6, 2)]),
    "view": (lambda lib, x: x.view(4, 3), [(3, 4)]),
    "view_tuple": (lambda lib, x: x.view((2, 2, 3)), [(3, 4)]),
    "view_minus1": (lambda lib, x: x.view(-1, 2), [(3, 4)]),
    "view_flat": (lambda lib, x: x.view(-1), [(2, 3, 4)]),
    "view_as": (lambda lib, x, y: x.view_as(y), [(3, 4), (12,)]),
    "flatten": (lambda lib, x: lib.flatten(x), [(2, 3, 4)]),
    "flatten_method": (lambda lib, x: x.flatten(), [(2, 3, 4)]),
    "flatten_start": (lambda lib, x: x.flatten(1), [(2, 3, 4)]),
    "flatten_range": (lambda lib, x: x.flatten(0, 1), [(2, 3, 4)]),
    "flatten_negative": (lambda lib, x: x.flatten(-2, -1), [(2, 3, 4)]),
    "flatten_0d": (lambda lib, x: x.flatten(), [()]),
    "flatten_empty": (lambda lib, x: x.flatten(), [(0, 3)]),
    "flatten_empty_tail": (lambda lib, x: x.flatten(1), [(2, 0, 3)]),
    "transpose": (lambda lib, x: lib.transpose(x, 0, 1), [(3, 4)]),
    "transpose_3d": (lambda lib, x: x.transpose(0, 2), [(2, 3, 4)]),
    "transpose_negative": (lambda lib, x: x.transpose(-1, -3), [(2, 3, 4)]),
    "transpose_same": (lambda lib, x: x.transpose(1, 1), [(2, 3)]),
    "transpose_empty": (lambda lib, x: x.transpose(0, 1), [(0, 3)]),
    "t": (lambda lib, x: lib.t(x), [(3, 4)]),
    "t_method": (lambda lib, x: x.t(), [(3, 4)]),
    "t_1d": (lambda lib, x: x.t(), [(5,)]),
    "t_0d": (lambda lib, x: x.t(), [()]),
    "T_2d": (lambda lib, x: x.T, [(3, 4)]),
    "mT": (lambda lib, x: x.mT, [(2, 3, 4)]),
    "permute": (lambda lib, x: lib.permute(x, (2, 0, 1)), [(2, 3, 4)]),
    "permute_varargs": (lambda lib, x: x.permute(1, 2, 0), [(2, 3, 4)]),
    "permute_negative": (lambda lib, x: x.permute(-1, 0, -2), [(2, 3, 4)]),
    "permute_identity": (lambda lib, x: x.permute(0, 1), [(3, 4)]),
    "permute_list": (lambda lib, x: x.permute([1, 0]), [(3, 4)]),
    "permute_0d": (lambda lib, x: x.permute(()), [()]),
    "unsqueeze": (lambda lib, x: lib.unsqueeze(x, 0), [(3, 4)]),
    "unsqueeze_middle": (lambda lib, x: x.unsqueeze(1), [(3, 4)]),
    "unsqueeze_end": (lambda lib, x: x.unsqueeze(2), [(3, 4)]),
    "unsqueeze_negative": (lambda lib, x: x.unsqueeze(-1), [(3, 4)]),
    "unsqueeze_negative_first": (lambda lib, x: x.unsqueeze(-3), [(3, 4)]),
    "unsqueeze_0d": (lambda lib, x: x.unsqueeze(0), [()]),
    "squeeze": (lambda lib, x: lib.squeeze(x), [(1, 3, 1, 4)]),
    "squeeze_method": (lambda lib, x: x.squeeze(), [(3, 1)]),
    "squeeze_all_ones": (lambda lib, x: x.squeeze(), [(1, 1)]),
    "squeeze_nothing": (lambda lib, x: x.squeeze(), [(3, 4)]),
    "squeeze_dim": (lambda lib, x: x.squeeze(0), [(1, 3, 1)]),
    "squeeze_dim_negative": (lambda lib, x: x.squeeze(-1), [(1, 3, 1)]),
    "squeeze_dim_not_one": (lambda lib, x: x.squeeze(1), [(1, 3, 1)]),
    "squeeze_dims_tuple": (lambda lib, x: x.squeeze((0, 2)), [(1, 3, 1)]),
    "squeeze_0d": (lambda lib, x: x.squeeze(), [()]),
    "squeeze_0d_dim": (lambda lib, x: x.squeeze(0), [()]),
    "squeeze_empty": (lambda lib, x: x.squeeze(), [(0, 1, 3)]),
    "expand": (lambda lib, x: x.expand(3, 4), [(4,)]),
    "expand_tuple": (lambda lib, x: x.expand((2, 3, 4)), [(3, 1)]),
    "expand_minus1": (lambda lib, x: x.expand(2, -1, 4), [(3, 1)]),
    "expand_same": (lambda lib, x: x.expand(3, 4), [(3, 4)]),
    "expand_0d": (lambda lib, x: x.expand(2, 3), [()]),
    "expand_to_empty": (lambda lib, x: x.expand(0, 3), [(1, 3)]),
    "expand_as": (lambda lib, x, y: x.expand_as(y), [(3, 1), (2, 3, 4)]),
    "chain": (lambda lib, x: x.view(2, 6).t().unsqueeze(0).expand(2, 6, 2).permute((2, 0, 1)).reshape(4, -1),
              [(3, 4)]),
    "unflatten": (lambda lib, x: x.unflatten(1, (2, 2)), [(3, 4)]),
    "unflatten_function": (lambda lib, x: lib.unflatten(x, -1, (2, -1)), [(3, 4)]),
    "unflatten_first": (lambda lib, x: x.unflatten(0, (3, 1)), [(3, 4)]),
    "unflatten_non_contiguous": (lambda lib, x: x.t().unflatten(0, (2, 2)), [(3, 4)]),
    "unflatten_empty": (lambda lib, x: x.unflatten(0, (0, 5)), [(0, 3)]),
    "movedim": (lambda lib, x: lib.movedim(x, 0, -1), [(2, 3, 4)]),
    "movedim_many": (lambda lib, x: x.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    "moveaxis": (lambda lib, x: lib.moveaxis(x, -1, 0), [(2, 3, 4)]),
    "movedim_0d": (lambda lib, x: x.movedim(0, -1), [()]),
    "broadcast_to": (lambda lib, x: lib.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    "broadcast_to_method": (lambda lib, x: x.broadcast_to(3, 4), [(4,)]),
    "broadcast_to_0d": (lambda lib, x: x.broadcast_to((2, 3)), [()]),
    "repeat": (lambda lib, x: x.repeat(2, 3), [(3, 4)]),
    "repeat_new_dims": (lambda lib, x: x.repeat(2, 1, 3), [(3, 4)]),
    "repeat_tuple": (lambda lib, x: x.repeat((1, 2)), [(3, 1)]),
    "repeat_0d": (lambda lib, x: x.repeat(2), [()]),
    "repeat_zero": (lambda lib, x: x.repeat(0, 2), [(3, 4)]),
    "repeat_empty": (lambda lib, x: x.repeat(2, 2), [(0, 3)]),
    "tile": (lambda lib, x: lib.tile(x, (2,)), [(3, 4)]),
    "tile_method": (lambda lib, x: x.tile(2, 1, 1), [(3, 4)]),
    "tile_0d": (lambda lib, x: x.tile(()), [()]),
    "flip": (lambda lib, x: lib.flip(x, (0,)), [(3, 4)]),
    "flip_many": (lambda lib, x: x.flip(0, 1), [(3, 4)]),
    "flip_negative": (lambda lib, x: lib.flip(x, dims=[-1, 0]), [(2, 3, 4)]),
    "flip_none": (lambda lib, x: x.flip(()), [(3, 4)]),
    "flip_0d": (lambda lib, x: x.flip(0), [()]),
    "flip_empty": (lambda lib, x: x.flip(0), [(0, 3)]),
    "roll": (lambda lib, x: x.roll(1), [(3, 4)]),
    "roll_dim": (lambda lib, x: lib.roll(x, 2, 1), [(3, 4)]),
    "roll_many": (lambda lib, x: x.roll((1, -2), (0, 1)), [(3, 4)]),
    "roll_large": (lambda lib, x: lib.roll(x, shifts=-5, dims=-1), [(2, 3, 4)]),
    "roll_0d": (lambda lib, x: x.roll(1), [()]),
    "roll_empty": (lambda lib, x: x.roll(1, 0), [(0, 3)]),
    "narrow": (lambda lib, x: x.narrow(0, 1, 2), [(3, 4)]),
    "narrow_function": (lambda lib, x: lib.narrow(x, 1, -3, 2), [(3, 4)]),
    "narrow_empty": (lambda lib, x: x.narrow(0, 3, 0), [(3, 4)]),
    "narrow_whole": (lambda lib, x: x.narrow(-1, 0, 4), [(2, 3, 4)]),
    "tril": (lambda lib, x: lib.tril(x), [(3, 4)]),
    "tril_batched": (lambda lib, x: x.tril(1), [(2, 3, 4)]),
    "tril_negative": (lambda lib, x: x.tril(-1), [(4, 3)]),
    "triu": (lambda lib, x: lib.triu(x), [(3, 4)]),
    "triu_batched": (lambda lib, x: x.triu(diagonal=-1), [(2, 3, 4)]),
    "triu_beyond": (lambda lib, x: x.triu(5), [(3, 4)]),
    "triu_empty": (lambda lib, x: x.triu(), [(0, 3)]),
    "diag_vector": (lambda lib, x: lib.diag(x), [(4,)]),
    "diag_vector_above": (lambda lib, x: lib.diag(x, 1), [(4,)]),
    "diag_vector_below": (lambda lib, x: x.diag(-2), [(3,)]),
    "diag_matrix": (lambda lib, x: lib.diag(x), [(3, 4)]),
    "diag_matrix_above": (lambda lib, x: lib.diag(x, 1), [(3, 4)]),
    "diag_matrix_below": (lambda lib, x: x.diag(diagonal=-1), [(3, 4)]),
    "diag_matrix_beyond": (lambda lib, x: lib.diag(x, 5), [(3, 4)]),
    "diagonal": (lambda lib, x: x.diagonal(), [(3, 4)]),
    "diagonal_offset": (lambda lib, x: lib.diagonal(x, 1), [(3, 4)]),
    "diagonal_swapped": (lambda lib, x: lib.diagonal(x, -1, 1, 0), [(3, 4)]),
    "diagonal_batched": (lambda lib, x: x.diagonal(0, -1, 0), [(2, 3, 4)]),
    "diagonal_keywords": (lambda lib, x: x.diagonal(offset=1, dim1=2, dim2=1), [(2, 3, 4)]),
    "diagonal_beyond": (lambda lib, x: x.diagonal(10), [(3, 4)]),
    "diagonal_copy": (lambda lib, x: lib.diagonal_copy(x, 1), [(3, 4)]),
    "diag_embed": (lambda lib, x: lib.diag_embed(x), [(3, 4)]),
    "diag_embed_vector": (lambda lib, x: x.diag_embed(), [(4,)]),
    "diag_embed_dims": (lambda lib, x: lib.diag_embed(x, 1, 0, 2), [(3, 4)]),
    "diag_embed_swapped": (lambda lib, x: lib.diag_embed(x, -1, 2, 0), [(3, 4)]),
    "pad": (lambda lib, x: lib.nn.functional.pad(x, (1, 2)), [(3, 4)]),
    "pad_two_dims": (lambda lib, x: lib.nn.functional.pad(x, (1, 2, 0, 1)), [(3, 4)]),
    "pad_crop": (lambda lib, x: lib.nn.functional.pad(x, (-1, 2)), [(3, 4)]),
    "pad_crop_all": (lambda lib, x: lib.nn.functional.pad(x, (-1, -1, 1, 0)), [(3, 4)]),
    "pad_value": (lambda lib, x: lib.nn.functional.pad(x, [1, 1], "constant", 2.5), [(3, 4)]),
    "pad_leading_dim": (lambda lib, x: lib.nn.functional.pad(x, (0, 0, 0, 0, 1, 1)), [(2, 3, 4)]),
    "pad_empty": (lambda lib, x: lib.nn.functional.pad(x, (1, 1)), [(0, 3)]),
    "pad_nothing": (lambda lib, x: lib.nn.functional.pad(x, ()), [(3, 4)]),
    "constant_pad_nd": (lambda lib, x: lib.constant_pad_nd(x, (1, 1), 0.5), [(3, 4)]),
    "pad_reflect": (lambda lib, x: lib.nn.functional.pad(x, (1, 2), mode="reflect"), [(3, 4)]),
    "pad_reflect_2d": (lambda lib, x: lib.nn.functional.pad(x, (1, 2, 2, 1), mode="reflect"), [(2, 3, 4)]),
    "pad_reflect_3d": (lambda lib, x: lib.nn.functional.pad(x, (1, 1, 1, 1, 1, 1), mode="reflect"), [(1, 2, 3, 4)]),
    "pad_reflect_crop": (lambda lib, x: lib.nn.functional.pad(x, (-1, 1), mode="reflect"), [(3, 4)]),
    "pad_replicate": (lambda lib, x: lib.nn.functional.pad(x, (2, 5), mode="replicate"), [(3, 4)]),
    "pad_replicate_2d": (lambda lib, x: lib.nn.functional.pad(x, (1, 0, 2, 1), mode="replicate"), [(1, 2, 3, 4)]),
    "pad_replicate_3d": (lambda lib, x: lib.nn.functional.pad(x, (1, 2, 0, 1, 2, 0), mode="replicate"),
                         [(2, 3, 4, 2)]),
    "pad_circular": (lambda lib, x: lib.nn.functional.pad(x, (1, 2), mode="circular"), [(3, 4)]),
    "pad_circular_2d": (lambda lib, x: lib.nn.functional.pad(x, (1, 1, 3, 0), mode="circular"), [(1, 2, 3, 4)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_shape_op(name):
    fn, shapes = CASES[name]
    check_op(fn, shapes)


def test_gradient_flows_through_view_after_broadcasting_use():
    check_op(lambda lib, x: x.view(-1) * x.reshape(12, 1), [(3, 4)])
    check_op(lambda lib, x: (x.t() @ x.transpose(0, 1).t()).expand(2, 4, 4), [(3, 4)])


@requires_torch
@pytest.mark.parametrize("case", ["view_non_contiguous", "reshape_bad_size", "view_two_minus1",
                                  "t_3d", "expand_smaller", "permute_repeated"])
def test_shape_errors_like_torch(case):
    import tapegrad
    import torch
    errors = []
    for lib in (tapegrad, torch):
        x = lib.ones(2, 3, 4)
        f = {"view_non_contiguous": lambda: x.transpose(0, 2).view(-1),
             "reshape_bad_size": lambda: x.reshape(5, -1),
             "view_two_minus1": lambda: x.view(-1, -1),
             "t_3d": lambda: x.t(),
             "expand_smaller": lambda: x.expand(2, 3),
             "permute_repeated": lambda: x.permute(0, 0, 1)}[case]
        with pytest.raises(RuntimeError) as info:
            f()
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("case", ["reshape", "view", "t", "transpose", "permute", "unsqueeze", "squeeze",
                                  "expand", "flatten"])
def test_views_share_memory(case):
    import tapegrad
    x = tapegrad.zeros(2, 1, 3)
    y = {"reshape": lambda: x.reshape(6), "view": lambda: x.view(3, 2), "t": lambda: x[:, 0].t(),
         "transpose": lambda: x.transpose(0, 2), "permute": lambda: x.permute(2, 1, 0),
         "unsqueeze": lambda: x.unsqueeze(0), "squeeze": lambda: x.squeeze(1),
         "expand": lambda: x.expand(4, 2, 1, 3), "flatten": lambda: x.flatten()}[case]()
    x[0, 0, 0] = 7.0
    assert 7.0 in y.reshape(-1).tolist()


def test_reshape_of_transposed():
    # a transposed matrix cannot be viewed flat: reshape copies (UnsafeViewBackward0, as PyTorch)
    check_op(lambda lib, x: x.t().reshape(-1) * 1.0, [(3, 4)])


# ---------------------------------------------------------------- joining and splitting

def _weighted(lib, pieces):
    """One tensor from a tuple of pieces, each scaled differently, so each piece's gradient is checked."""
    return lib.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(pieces)])


JOIN_CASES = {
    "cat": (lambda lib, x, y: lib.cat([x, y]), [(2, 3), (4, 3)]),
    "cat_dim1": (lambda lib, x, y: lib.cat([x, y], 1), [(3, 2), (3, 4)]),
    "cat_three_negative_dim": (lambda lib, x, y, z: lib.cat((x, y, z), dim=-1), [(2, 3, 1), (2, 3, 4), (2, 3, 2)]),
    "cat_one": (lambda lib, x: lib.cat([x]), [(3, 4)]),
    "cat_same_tensor": (lambda lib, x: lib.cat([x, x * 2, x], 1), [(3, 4)]),
    "cat_many": (lambda lib, x: lib.cat([x[i:i + 1] * i for i in range(10)]), [(10, 2)]),
    "cat_1d": (lambda lib, x, y: lib.cat([x, y]), [(3,), (4,)]),
    "cat_empty_1d_skipped": (lambda lib, x, e: lib.cat([x, e]), [(2, 3), (0,)]),
    "cat_empty_1d_skipped_dim1": (lambda lib, e, x: lib.cat([e, x, e], 1), [(0,), (2, 3)]),
    "cat_only_empty_1d": (lambda lib, e, f: lib.cat([e, f], 1), [(0,), (0,)]),
    "cat_empty_rows": (lambda lib, x, y: lib.cat([x, y]), [(2, 3), (0, 3)]),
    "concat": (lambda lib, x, y: lib.concat([x, y], dim=1), [(3, 2), (3, 1)]),
    "concatenate": (lambda lib, x, y: lib.concatenate([x, y], axis=1), [(3, 2), (3, 1)]),
    "stack": (lambda lib, x, y: lib.stack([x, y]), [(3, 4), (3, 4)]),
    "stack_dim1": (lambda lib, x, y: lib.stack([x, y], 1), [(3, 4), (3, 4)]),
    "stack_last": (lambda lib, x, y, z: lib.stack((x, y, z), dim=-1), [(3, 4), (3, 4), (3, 4)]),
    "stack_0d": (lambda lib, x, y: lib.stack([x, y]), [(), ()]),
    "stack_one": (lambda lib, x: lib.stack([x], 2), [(3, 4)]),
    "stack_empty": (lambda lib, x, y: lib.stack([x, y], 1), [(0, 3), (0, 3)]),
    "stack_same_tensor": (lambda lib, x: lib.stack([x, x * 3]), [(3, 4)]),
    "hstack_1d": (lambda lib, x, y: lib.hstack([x, y]), [(3,), (4,)]),
    "hstack_2d": (lambda lib, x, y: lib.hstack([x, y]), [(2, 3), (2, 1)]),
    "hstack_0d": (lambda lib, x, y: lib.hstack((x, y)), [(), ()]),
    "vstack_1d": (lambda lib, x, y: lib.vstack([x, y]), [(3,), (3,)]),
    "vstack_mixed": (lambda lib, x, y: lib.vstack([x, y]), [(2, 3), (3,)]),
    "vstack_0d": (lambda lib, x, y: lib.vstack([x, y]), [(), ()]),
    "split": (lambda lib, x: _weighted(lib, x.split(2)), [(5, 3)]),
    "split_function": (lambda lib, x: _weighted(lib, lib.split(x, 3, -1)), [(2, 3, 4)]),
    "split_one_piece": (lambda lib, x: _weighted(lib, x.split(5)), [(3, 4)]),
    "split_piece": (lambda lib, x: x.split(2)[1], [(5, 3)]),
    "split_empty": (lambda lib, x: _weighted(lib, x.split(0)), [(0, 3)]),
    "split_sizes": (lambda lib, x: _weighted(lib, lib.split(x, [1, 2])), [(3, 4)]),
    "split_sizes_zero": (lambda lib, x: _weighted(lib, x.split([1, 0, 3], 1)), [(3, 4)]),
    "split_sizes_piece": (lambda lib, x: x.split((1, 3), dim=1)[1], [(3, 4)]),
    "chunk": (lambda lib, x: _weighted(lib, x.chunk(2)), [(3, 4)]),
    "chunk_function": (lambda lib, x: _weighted(lib, lib.chunk(x, 3, 1)), [(3, 4)]),
    "chunk_fewer": (lambda lib, x: _weighted(lib, x.chunk(4)), [(6,)]),
    "chunk_empty": (lambda lib, x: _weighted(lib, x.chunk(2)), [(0, 3)]),
    "unbind": (lambda lib, x: _weighted(lib, x.unbind()), [(3, 4)]),
    "unbind_function": (lambda lib, x: _weighted(lib, lib.unbind(x, dim=-1)), [(2, 3, 4)]),
    "unbind_1d": (lambda lib, x: _weighted(lib, x.unbind()), [(4,)]),
    "unbind_piece": (lambda lib, x: x.unbind(1)[2], [(3, 4)]),
    "split_then_stack": (lambda lib, x: lib.stack(x.unbind(1)[::-1], 0) * lib.cat(x.chunk(2)[::-1]).t(), [(4, 4)]),
}


@pytest.mark.parametrize("name", list(JOIN_CASES))
def test_join_op(name):
    fn, shapes = JOIN_CASES[name]
    check_op(fn, shapes)


@requires_torch
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32"), ("int64", "float32"),
                                    ("float32", "int32"), ("float16", "float32")], ids=str)
@pytest.mark.parametrize("op", ["cat", "stack", "cat_empty"])
def test_join_promotes_dtypes_like_torch(op, dtypes):
    import torch
    results = []
    for lib in (tapegrad, torch):
        a = lib.ones(2, 3, dtype=getattr(lib, dtypes[0]))
        b = lib.ones(0 if op == "cat_empty" else 2, *(() if op == "cat_empty" else (3,)),
                     dtype=getattr(lib, dtypes[1]))
        leaves = [t.requires_grad_() for t in (a, b) if t.dtype.is_floating_point]
        out = lib.stack([a, b]) if op == "stack" else lib.cat([a, b])
        (out * 2).sum().backward()
        # .grad, not autograd.grad: the registry does not cast a promoted input's gradient back
        # (autograd.grad returns it in the result's dtype; AccumulateGrad casts it)
        results.append((str(out.dtype), out.shape, [(str(t.grad.dtype), t.grad.tolist()) for t in leaves]))
    assert results[0] == results[1]


@requires_torch
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_tensors_like_torch(dtype):
    import torch
    results = []
    for lib in (tapegrad, torch):
        x = (lib.arange(12).reshape(3, 4) % 3).to(getattr(lib, dtype))
        outs = [lib.cat([x, x], 1), lib.stack([x, x]), x.flip(0), x.roll(1, 1), x.tril(), x.triu(1), x.repeat(2, 1),
                x.diagonal(), lib.diag(x[0]), x.narrow(1, 1, 2), *x.split(2), *x.unbind(1), x.movedim(0, 1)]
        if dtype != "bool":
            outs.append(lib.nn.functional.pad(x, (1, 1), value=2))
        results.append([(str(o.dtype), o.tolist()) for o in outs])
    assert results[0] == results[1]


def test_pad_is_in_nn_functional():
    assert tapegrad.nn.functional.pad is tapegrad.ops.shape.pad


# ---------------------------------------------------------------- node names, views, errors

_NODE_CASES = {
    "unflatten": lambda lib, x: x.unflatten(1, (2, 2)),
    "movedim": lambda lib, x: x.movedim(0, 1),
    "movedim_0d": lambda lib, x: x[0, 0].movedim(0, 0),
    "broadcast_to": lambda lib, x: lib.broadcast_to(x, (2, 3, 4)),
    "repeat": lambda lib, x: x.repeat(2, 1),
    "tile": lambda lib, x: x.tile(2),
    "flip": lambda lib, x: x.flip(0),
    "roll": lambda lib, x: x.roll(1, 0),
    "narrow": lambda lib, x: x.narrow(0, 1, 2),
    "tril": lambda lib, x: x.tril(),
    "triu": lambda lib, x: x.triu(1),
    "diag_vector": lambda lib, x: lib.diag(x[0]),
    "diagonal": lambda lib, x: x.diagonal(),
    "diag_embed": lambda lib, x: lib.diag_embed(x),
    "pad": lambda lib, x: lib.nn.functional.pad(x, (1, 1)),
    "pad_crop": lambda lib, x: lib.nn.functional.pad(x, (-1, -1)),
    "constant_pad_nd": lambda lib, x: lib.constant_pad_nd(x, (1, 1)),
    "cat": lambda lib, x: lib.cat([x, x]),
    "cat_one": lambda lib, x: lib.cat([x]),
    "stack": lambda lib, x: lib.stack([x, x, x]),
    "hstack": lambda lib, x: lib.hstack([x, x]),
    "vstack": lambda lib, x: lib.vstack([x[0], x[1]]),
    "split": lambda lib, x: x.split(2),
    "split_sizes": lambda lib, x: x.split([1, 2]),
    "chunk": lambda lib, x: x.chunk(3, 1),
    "chunk_empty_dim": lambda lib, x: x[:0].chunk(2),
    "unbind": lambda lib, x: x.unbind(1),
    # create_graph records each op's VJP (PyTorch's name where the rule uses the same op)
    "flip_backward": lambda lib, x: lib.autograd.grad(x.flip(1), x, x * 1.0, create_graph=True)[0],
    "tril_backward": lambda lib, x: lib.autograd.grad(x.tril(), x, x * 1.0, create_graph=True)[0],
}


def _node_names(result):
    if isinstance(result, tuple):
        return [_node_names(r) for r in result]
    if hasattr(result, "grad_fn"):
        result = result.grad_fn
    return type(result).__name__


@requires_torch
@pytest.mark.parametrize("case", list(_NODE_CASES))
def test_node_names_like_torch(case):
    import torch
    names = []
    for lib in (tapegrad, torch):
        x = lib.arange(12.0).reshape(3, 4).requires_grad_()
        names.append(_node_names(_NODE_CASES[case](lib, x)))
    assert names[0] == names[1]


def _recorded(node):
    """The names of the nodes a create_graph gradient recorded, past the registry's SumToSizeBackward0."""
    names = []
    while node is not None and type(node).__name__ != "AccumulateGrad":
        names.append(type(node).__name__)
        node = next((n for n, _ in node.next_functions if n is not None), None)
    return names


_CREATE_GRAPH = {
    "diagonal": lambda t: t.diagonal(1), "diag": lambda t: tapegrad.diag(t), "narrow": lambda t: t.narrow(1, 1, 2),
    "split": lambda t: t.split(2)[1], "unbind": lambda t: t.unbind(1)[0], "cat": lambda t: tapegrad.cat([t, t]),
    "stack": lambda t: tapegrad.stack([t, t]), "repeat": lambda t: t.repeat(2, 1),
}


@pytest.mark.parametrize("case, expected", [
    ("diagonal", "DiagonalBackwardBackward0"),   # PyTorch's name of the same op
    ("diag", "DiagonalBackwardBackward0"),
    ("narrow", "ConstantPadNdBackward0"),        # PyTorch: SliceBackwardBackward0
    ("split", "ConstantPadNdBackward0"),         # PyTorch: SplitBackwardBackward0
    ("unbind", "ConstantPadNdBackward0"),        # PyTorch: UnbindBackwardBackward0 (a stack)
    ("cat", "SliceBackward0"),                   # PyTorch: SliceBackward0 (narrow)
    ("stack", "UnbindBackward0"),                # PyTorch: UnbindBackward0
    ("repeat", "SumToSizeBackward0"),            # PyTorch: SumBackward1
])
def test_gradients_recorded_with_create_graph(case, expected):
    op = _CREATE_GRAPH[case]
    x = tapegrad.randn(3, 3, requires_grad=True)
    y = op(x)
    v = tapegrad.randn(*y.shape, requires_grad=True)
    g, = tapegrad.autograd.grad(y, x, v, create_graph=True)
    assert expected in _recorded(g.grad_fn)
    w = tapegrad.randn(3, 3)
    second, = tapegrad.autograd.grad((g * w).sum(), v)  # d<J^T v, w>/dv = J w: the op applied to w
    assert np.allclose(second.numpy(), op(w).numpy())


def test_node_names_that_differ_from_torch():
    # PyTorch's names here carry a digit or a suffix that tapegrad's node names may not have (see
    # test_registry.py::test_node_class_name_is_pytorch_style): DiagonalBackward0_copy,
    # ReflectionPad1DBackward0, ReplicationPad2DBackward0; circular padding is CopySlices in PyTorch.
    x = tapegrad.ones(3, 4, requires_grad=True)
    F = tapegrad.nn.functional
    assert type(tapegrad.diag(x).grad_fn).__name__ == "DiagonalBackward0"
    for mode in ("reflect", "replicate", "circular"):
        assert type(F.pad(x, (1, 1), mode=mode).grad_fn).__name__ == "IndexBackward0"


_VIEWS = {
    "unflatten": (True, lambda x: x.unflatten(2, (1, 3))),
    "movedim": (True, lambda x: x.movedim(0, 2)),
    "broadcast_to": (True, lambda x: x.broadcast_to(2, 2, 1, 3)),
    "narrow": (True, lambda x: x.narrow(2, 0, 2)),
    "diagonal": (True, lambda x: x.diagonal(0, 0, 2)),
    "split": (True, lambda x: x.split(1, 2)[0]),
    "split_sizes": (True, lambda x: x.split([1, 2], 2)[0]),
    "chunk": (True, lambda x: x.chunk(3, 2)[0]),
    "unbind": (True, lambda x: x.unbind(2)[0]),
    "unbind_to_0d": (True, lambda x: x.reshape(6).unbind()[0]),
    "flip": (False, lambda x: x.flip(2)),
    "roll": (False, lambda x: x.roll(1)),
    "repeat": (False, lambda x: x.repeat(1, 1, 1)),
    "tile": (False, lambda x: x.tile(1)),
    "tril": (False, lambda x: x.tril(5)),
    "diag": (False, lambda x: x[:, 0].diag()),
    "diag_embed": (False, lambda x: x.diag_embed()),
    "pad": (False, lambda x: tapegrad.nn.functional.pad(x, (0, 0))),
    "cat": (False, lambda x: tapegrad.cat([x])),
    "stack": (False, lambda x: tapegrad.stack([x])),
}


@pytest.mark.parametrize("case", list(_VIEWS))
def test_views_and_copies(case):
    is_view, fn = _VIEWS[case]
    x = tapegrad.zeros(2, 1, 3)
    y = fn(x)
    version = y._version
    x[0, 0, 0] = 7.0
    assert (7.0 in y.reshape(-1).tolist()) == is_view
    assert (y._version != version) == is_view  # a view shares the version counter


# PyTorch refuses in-place changes to the pieces of split/chunk/unbind when they require grad (one
# node, several outputs); tapegrad's pieces are single-output views, so the change goes through with
# the right gradient. The reference is PyTorch on the equivalent single view (narrow, select).
_PIECES = {
    "split": (lambda y: y.split(2)[1], lambda y: y.narrow(0, 2, 1)),
    "split_sizes": (lambda y: y.split([1, 3], 1)[1], lambda y: y.narrow(1, 1, 3)),
    "chunk": (lambda y: y.chunk(2, 1)[0], lambda y: y.narrow(1, 0, 2)),
    "unbind": (lambda y: y.unbind(1)[2], lambda y: y[:, 2]),
    "narrow": (lambda y: y.narrow(1, 1, 2), lambda y: y.narrow(1, 1, 2)),
    "diagonal": (lambda y: y.diagonal(), lambda y: y.diagonal()),
}


@requires_torch
@pytest.mark.parametrize("case", list(_PIECES))
def test_inplace_on_a_piece(case):
    import torch
    results = []
    for lib, piece in zip((tapegrad, torch), _PIECES[case]):
        x = lib.arange(12.0, dtype=lib.float64).reshape(3, 4).requires_grad_()
        y = x * 1.0
        piece(y).mul_(x[0, 1] + 2.0)
        (y * lib.arange(12.0, dtype=lib.float64).reshape(3, 4)).sum().backward()
        results.append((y.tolist(), x.grad.tolist()))
    assert results[0] == results[1]


def _error_cases(lib):
    x, v, s, e = lib.ones(3, 4), lib.ones(4), lib.tensor(1.0), lib.ones(0)
    F = lib.nn.functional
    return {
        "cat_no_tensors": lambda: lib.cat([]),
        "cat_sizes": lambda: lib.cat([x, lib.ones(3, 5)]),
        "cat_sizes_dim1": lambda: lib.cat([x, e, lib.ones(2, 4)], -1),
        "cat_ndim": lambda: lib.cat([x, lib.ones(3, 4, 1)]),
        "cat_0d": lambda: lib.cat([x, s]),
        "cat_dim": lambda: lib.cat([x, x], 2),
        "cat_dim_after_skipped": lambda: lib.cat([e, x], -3),
        "cat_a_tensor": lambda: lib.cat(x),
        "cat_a_list": lambda: lib.cat([x, [1.0]]),
        "stack_no_tensors": lambda: lib.stack([]),
        "stack_sizes": lambda: lib.stack([x, x, lib.ones(4, 3)]),
        "stack_dim": lambda: lib.stack([x, x], 3),
        "hstack_no_tensors": lambda: lib.hstack([]),
        "vstack_sizes": lambda: lib.vstack([s, v]),
        "split_0d": lambda: s.split(1),
        "split_negative": lambda: x.split(-1),
        "split_zero": lambda: x.split(0),
        "split_dim": lambda: x.split(2, 2),
        "split_sizes_sum": lambda: x.split([1, 1]),
        "split_sizes_negative": lambda: x.split([1, -1, 3]),
        "chunk_zero": lambda: x.chunk(0),
        "chunk_0d": lambda: s.chunk(1),
        "unbind_dim": lambda: x.unbind(2),
        "unbind_0d": lambda: s.unbind(),
        "narrow_0d": lambda: s.narrow(0, 0, 1),
        "narrow_start": lambda: x.narrow(0, 4, 0),
        "narrow_start_negative": lambda: x.narrow(0, -4, 1),
        "narrow_length": lambda: x.narrow(0, -2, 3),
        "narrow_length_negative": lambda: x.narrow(0, 1, -1),
        "narrow_dim": lambda: x.narrow(2, 0, 1),
        "flip_repeated": lambda: x.flip(0, 0),
        "flip_dim": lambda: x.flip(2),
        "roll_align": lambda: x.roll((1, 2), 0),
        "roll_align_none": lambda: x.roll((1, 2)),
        "roll_dim": lambda: x.roll(1, 2),
        "roll_0d": lambda: s.roll(1, 0),
        "tril_1d": lambda: v.tril(),
        "triu_0d": lambda: s.triu(),
        "diag_0d": lambda: lib.diag(s),
        "diag_3d": lambda: lib.diag(lib.ones(2, 3, 4)),
        "diagonal_identical": lambda: x.diagonal(0, 1, -1),
        "diagonal_dim": lambda: v.diagonal(),
        "diag_embed_identical": lambda: lib.diag_embed(x, 0, 1, 1),
        "diag_embed_dim": lambda: lib.diag_embed(x, 0, 3, 1),
        "repeat_fewer": lambda: x.repeat(2),
        "repeat_nothing": lambda: x.repeat(),
        "repeat_negative": lambda: x.repeat(-1, 1),
        "tile_negative": lambda: x.tile(-1),
        "movedim_lengths": lambda: lib.ones(2, 3, 4).movedim((0, 1), (2,)),
        "movedim_repeated_source": lambda: lib.ones(2, 3, 4).movedim((0, 0), (1, 2)),
        "movedim_repeated_destination": lambda: lib.ones(2, 3, 4).movedim((0, 1), (1, 1)),
        "movedim_dim": lambda: lib.ones(2, 3, 4).movedim(0, 3),
        "unflatten_sizes": lambda: x.unflatten(-1, (2, 3)),
        "unflatten_no_sizes": lambda: x.unflatten(1, ()),
        "unflatten_dim": lambda: x.unflatten(2, (2, 2)),
        "broadcast_to": lambda: v.broadcast_to((3, 5)),
        "pad_odd": lambda: F.pad(x, (1,)),
        "pad_too_long": lambda: F.pad(x, (1, 1, 1, 1, 1, 1)),
        "pad_crop_too_much": lambda: F.pad(x, (-5, 1)),
        "pad_float": lambda: F.pad(x, (1.5, 1)),
        "pad_mode": lambda: F.pad(x, (1, 1), mode="nonsense"),
        "pad_reflect_value": lambda: F.pad(x, (1, 1), mode="reflect", value=2),
        "pad_reflect_dims": lambda: F.pad(x, (1, 1, 1, 1), mode="reflect"),
        "pad_reflect_1d": lambda: F.pad(v, (1, 1), mode="replicate"),
        "pad_reflect_too_wide": lambda: F.pad(x, (4, 1), mode="reflect"),
        "pad_reflect_too_wide_3d": lambda: F.pad(lib.ones(2, 2, 3, 4), (1, 1, 1, 1, 2, 1), mode="reflect"),
        "pad_replicate_empty": lambda: F.pad(lib.ones(3, 0), (1, 1), mode="replicate"),
        "pad_replicate_empty_batched": lambda: F.pad(lib.ones(1, 0, 3, 4), (1, 1, 1, 1), mode="replicate"),
        "pad_circular_too_wide": lambda: F.pad(x, (5, 1), mode="circular"),
        "constant_pad_nd_odd": lambda: lib.constant_pad_nd(x, (1,)),
        "constant_pad_nd_too_long": lambda: lib.constant_pad_nd(x, (1, 1, 1, 1, 1, 1)),
    }


@requires_torch
@pytest.mark.parametrize("case", list(_error_cases(tapegrad)))
def test_errors_like_torch(case):
    assert_raises_like_torch(lambda lib: _error_cases(lib)[case]())


def test_cat_of_raw_arrays_in_rules():
    # with create_graph=False the rules run on arrays: the joining ops take them too
    a, b = np.ones((2, 3)), np.zeros((1, 3))
    assert tapegrad.cat([a, b]).shape == (3, 3)
    assert tapegrad.stack([a, a], 1).shape == (2, 2, 3)


def test_one_registry_entry_per_joining_op():
    from tapegrad.ops import REGISTRY
    before = (REGISTRY["cat"], REGISTRY["stack"])
    x = tapegrad.ones(2, requires_grad=True)
    tapegrad.cat([x] * 7)
    tapegrad.stack([x] * 9)
    assert (REGISTRY["cat"], REGISTRY["stack"]) == before
    assert REGISTRY["cat"].n_inputs == REGISTRY["stack"].n_inputs == 2


COVERAGE = {
    "repeat": ["test_shape.py::test_shape_op[repeat]", "test_shape.py::test_shape_op[tile]"],
    "_flip": ["test_shape.py::test_shape_op[flip]", "test_shape.py::test_shape_op[flip_negative]"],
    "roll": ["test_shape.py::test_shape_op[roll]", "test_shape.py::test_shape_op[roll_many]"],
    "narrow": ["test_shape.py::test_shape_op[narrow]", "test_shape.py::test_join_op[cat]"],
    "tril": ["test_shape.py::test_shape_op[tril]", "test_shape.py::test_shape_op[tril_batched]"],
    "triu": ["test_shape.py::test_shape_op[triu]", "test_shape.py::test_shape_op[triu_batched]"],
    "diagonal": ["test_shape.py::test_shape_op[diagonal]", "test_shape.py::test_shape_op[diag_embed]"],
    "diagonal_copy": ["test_shape.py::test_shape_op[diag_matrix]", "test_shape.py::test_shape_op[diagonal_copy]"],
    "diagonal_backward": ["test_shape.py::test_shape_op[diagonal]",  # its VJP, at order 2
                          "test_shape.py::test_gradients_recorded_with_create_graph[diagonal]"],
    "diag_embed": ["test_shape.py::test_shape_op[diag_embed]", "test_shape.py::test_shape_op[diag_vector]"],
    "constant_pad_nd": ["test_shape.py::test_shape_op[pad]", "test_shape.py::test_shape_op[pad_crop]",
                        "test_shape.py::test_shape_op[narrow]"],  # narrow's VJP, at order 2
    "cat": ["test_shape.py::test_join_op[cat]", "test_shape.py::test_join_op[cat_many]",
            "test_shape.py::test_join_promotes_dtypes_like_torch"],
    "stack": ["test_shape.py::test_join_op[stack]", "test_shape.py::test_join_op[stack_last]"],
    "_split_piece": ["test_shape.py::test_join_op[split]", "test_shape.py::test_join_op[chunk]"],
    "_split_with_sizes_piece": ["test_shape.py::test_join_op[split_sizes]",
                                "test_shape.py::test_join_op[chunk_empty]"],
    "_unbind_piece": ["test_shape.py::test_join_op[unbind]", "test_shape.py::test_join_op[stack]"],
}


def _second_order(x, y):
    grad = tapegrad.autograd.grad
    # the incoming gradient must require grad for the VJP's own ops to be recorded
    return (grad(x.diagonal(1), x, grad_outputs=y[0, :3] * 1.0, create_graph=True)[0],   # diagonal_backward
            grad(x.split([1, 2])[1], x, grad_outputs=y[:2] * 1.0, create_graph=True)[0])  # constant_pad_nd


F = tapegrad.nn.functional
JVP_EXPRESSIONS = {
    "shape_copies": lambda x, y: (x.repeat(2, 1), x.tile(2), x.flip(0), x.flip(0, 1), x.roll(1), x.roll((1, 2), (0, 1)),
                                  x.tril(), x.triu(1), tapegrad.diag(x), tapegrad.diag(y[0], 1),
                                  tapegrad.diag_embed(x, -1)),
    "shape_views": lambda x, y: (x.narrow(1, 1, 2), x.narrow(0, -1, 1), x.diagonal(), x.diagonal(-1, 1, 0),
                                 x.unflatten(1, (2, 2)), x.movedim(0, 1), x.broadcast_to(2, 3, 4)),
    "pad": lambda x, y: (F.pad(x, (1, 2)), F.pad(x, (-1, 1, 1, 0), value=3.0), F.pad(x, (1, 1), mode="reflect"),
                         F.pad(x, (2, 1), mode="replicate"), F.pad(x, (1, 1), mode="circular")),
    "join": lambda x, y: (tapegrad.cat([x, y]), tapegrad.cat([x, y, x], 1), tapegrad.cat([x, x[0, :0], y]),
                          tapegrad.cat([x]), tapegrad.stack([x, y]), tapegrad.stack([x, y, x], -1),
                          tapegrad.hstack([x, y]), tapegrad.vstack([x[0], y])),
    "split": lambda x, y: (*x.split(2), *x.split([1, 3], 1), *x.chunk(2, 1), *x.unbind(1), *y.unbind()),
    "shape_second_order": _second_order,
}
