"""Fused nn ops (ops/nn.py, ops/loss.py) against finite differences and PyTorch."""
import warnings

import numpy as np
import pytest

import tapegrad
from checks import assert_close, check_op, requires_torch, torch_or_none, assert_raises_like_torch

F = tapegrad.nn.functional

COVERAGE = {
    "_softmax": ["test_nn.py::test_softmax", "test_nn.py::test_softmax_forms"],
    "_log_softmax": ["test_nn.py::test_softmax", "test_nn.py::test_cross_entropy"],
    "_nll_loss": ["test_nn.py::test_nll_loss", "test_nn.py::test_cross_entropy"],
    "_nll_loss2d": ["test_nn.py::test_nll_loss[4d]", "test_nn.py::test_nll_loss[3d]",
                    "test_nn.py::test_cross_entropy_spatial"],
    "_div_by_count": ["test_nn.py::test_cross_entropy_probabilities"],
    "_mse_loss": ["test_nn.py::test_regression_loss"],
    "_smooth_l1_loss": ["test_nn.py::test_regression_loss"],
    "_huber_loss": ["test_nn.py::test_regression_loss"],
    "_binary_cross_entropy": ["test_nn.py::test_binary_cross_entropy"],
    "_layer_norm": ["test_nn.py::test_layer_norm"],
    "_batch_norm": ["test_nn.py::test_batch_norm", "test_nn.py::test_batch_norm_running_stats_match_torch"],
    "_embedding": ["test_nn.py::test_embedding", "test_nn.py::test_embedding_options_match_torch"],
}

_T = tapegrad.tensor([0, 3, 1])
JVP_EXPRESSIONS = {
    "softmax": lambda x, y: (x.softmax(1), x.log_softmax(0), tapegrad.softmax(x, -1, dtype=tapegrad.float32)),
    "classification": lambda x, y: (
        F.cross_entropy(x, _T), F.nll_loss(x, _T, reduction="none"),
        F.nll_loss(x.reshape(1, 3, 2, 2), tapegrad.tensor([[[0, 1], [2, 0]]]), reduction="sum"),
        F.cross_entropy(x, y.softmax(1)), F.cross_entropy(x, _T, label_smoothing=0.1),
        F.binary_cross_entropy(y / 2, x.sigmoid()), F.binary_cross_entropy(y / 2, x.sigmoid(), reduction="none")),
    "regression": lambda x, y: (F.mse_loss(x, y), F.mse_loss(x, y, reduction="none"), F.smooth_l1_loss(x, y, beta=0.5),
                                F.huber_loss(x, y, reduction="sum", delta=0.7), F.l1_loss(x, y)),
    "normalization": lambda x, y: (
        F.layer_norm(x, (4,), y[0], y[1]), F.layer_norm(x, (3, 4)),
        F.batch_norm(x, None, None, y[0], y[1], training=True),
        F.batch_norm(x, tapegrad.zeros(4, dtype=x.dtype), tapegrad.ones(4, dtype=x.dtype), y[0], y[1]),
        F.embedding(tapegrad.tensor([[0, 2], [1, 1]]), x), F.normalize(x), F.cosine_similarity(x, y)),
}


def _targets(rng, shape):
    return rng.uniform(0.05, 0.95, shape)   # soft targets exercise the target gradient too


def _quiet(fn):
    """fn with the broadcasting and deprecation warnings of the losses silenced (checked elsewhere)."""
    def run(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args)
    return run


# ---------------------------------------------------------------- binary_cross_entropy_with_logits

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), ()], ids=str)
def test_bce_with_logits(reduction, shape):
    def make_inputs(rng):
        return [rng.standard_normal(shape) * 3, _targets(rng, shape)]

    check_op(lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(x, y, reduction=reduction),
             None, make_inputs=make_inputs)


@pytest.mark.parametrize("which", ["weight", "pos_weight", "both"])
def test_bce_with_logits_weights(which):
    rng = np.random.default_rng(1)
    weight = rng.uniform(0.5, 2.0, (3, 4))
    pos_weight = rng.uniform(0.5, 3.0, (4,))

    def fn(lib, x, y):
        kwargs = {}
        if which in ("weight", "both"):
            kwargs["weight"] = lib.tensor(weight)
        if which in ("pos_weight", "both"):
            kwargs["pos_weight"] = lib.tensor(pos_weight)
        return lib.nn.functional.binary_cross_entropy_with_logits(x, y, **kwargs)

    check_op(fn, None, make_inputs=lambda rng: [rng.standard_normal((3, 4)) * 3, _targets(rng, (3, 4))])


def test_bce_with_logits_is_stable_for_huge_logits():
    x = tapegrad.tensor([1000.0, -1000.0, 80.0, -80.0], requires_grad=True)
    y = tapegrad.tensor([0.0, 1.0, 1.0, 0.0])
    loss = tapegrad.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert_close(loss, [1000.0, 1000.0, 0.0, 0.0])
    loss.sum().backward()
    assert_close(x.grad, [1.0, -1.0, 0.0, 0.0])


@requires_torch
def test_bce_with_logits_node_name_and_value_match_torch():
    torch = torch_or_none()
    for lib in (tapegrad, torch):
        z = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        loss = lib.nn.functional.binary_cross_entropy_with_logits(z, lib.tensor([1.0, 0.0, 1.0]))
        assert type(loss.grad_fn).__name__ == "BinaryCrossEntropyWithLogitsBackward0"
    assert_close(tapegrad.nn.functional.binary_cross_entropy_with_logits(tapegrad.zeros(2), tapegrad.ones(2)),
                 np.log(2.0))


def test_bce_with_logits_shape_error():
    expected = r"Target size \(torch.Size\(\[3\]\)\) must be the same as input size \(torch.Size\(\[2\]\)\)"
    with pytest.raises(ValueError, match=expected):
        tapegrad.nn.functional.binary_cross_entropy_with_logits(tapegrad.zeros(2), tapegrad.zeros(3))


# ---------------------------------------------------------------- softmax, log_softmax

SOFTMAX_CASES = {"2d_dim1": ((3, 4), 1), "2d_dim0": ((3, 4), 0), "3d_last": ((2, 3, 4), -1),
                 "3d_middle": ((2, 3, 4), 1), "1d": ((5,), 0), "0d": ((), 0), "size1": ((3, 1), 1),
                 "empty": ((0, 3), 1)}


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("case", list(SOFTMAX_CASES))
def test_softmax(name, case):
    shape, dim = SOFTMAX_CASES[case]
    check_op(lambda lib, x: getattr(lib, name)(x, dim), [shape])


FORMS = {
    "method": lambda lib, x: x.softmax(-1) * x.log_softmax(0),
    "functional": lambda lib, x: lib.nn.functional.softmax(x, dim=1) + lib.nn.functional.log_softmax(x, 0),
    "dtype": lambda lib, x: lib.softmax(x, 1, dtype=lib.float64) + x.log_softmax(1, lib.float64),
    "torch_dtype_keyword": lambda lib, x: lib.log_softmax(x, dim=0, dtype=lib.float64),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_softmax_forms(form):
    check_op(FORMS[form], [(3, 4)], check_float32=form not in ("dtype", "torch_dtype_keyword"))


@requires_torch
def test_softmax_is_stable_for_large_logits():
    torch = torch_or_none()
    data = [[1e4, -1e4, 0.0], [1e4, 1e4, 1e4], [-1e4, -1e4, 5.0]]
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor(data, requires_grad=True)
        s, ls = lib.softmax(x, 1), lib.log_softmax(x, 1)
        loss = lib.nn.functional.cross_entropy(x, lib.tensor([1, 2, 0]))
        (s[:, 0].sum() + ls[:, 1].sum() + loss).backward()
        results.append([s, ls, loss, x.grad])
    for a, b in zip(*results):
        assert np.isfinite(a.detach().numpy()).all()
        assert_close(a, b)


def test_softmax_without_dim_warns_and_picks_torch_dim():
    x = tapegrad.ones(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        assert_close(F.softmax(x), np.full((2, 3), 1 / 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        assert_close(F.log_softmax(tapegrad.ones(2, 3, 4)).exp(), np.full((2, 3, 4), 0.5))


# ---------------------------------------------------------------- nll_loss, cross_entropy

def _logits_and_targets(shape, classes_dim=1, ignore=None, seed=0):
    def make_inputs(rng):
        logits = rng.standard_normal(shape) * 2
        target_shape = shape[:classes_dim] + shape[classes_dim + 1:]
        target = rng.integers(0, shape[classes_dim], target_shape)
        if ignore is not None and target.size:
            target.reshape(-1)[1::3] = ignore   # never all of them: the mean of nothing is nan
        return [logits, target]
    return make_inputs


_WEIGHT = np.array([0.5, 2.0, 1.0, 3.0, 0.25])
CE_CASES = {
    "plain": {},
    "weight": {"weight": True},
    "ignore": {"ignore_index": -100},
    "weight_ignore": {"weight": True, "ignore_index": 2},
    "smoothing": {"label_smoothing": 0.2},
    "smoothing_weight_ignore": {"label_smoothing": 0.3, "weight": True, "ignore_index": -100},
}


def _ce(case, reduction, loss="cross_entropy"):
    options = dict(CE_CASES[case])
    weight = options.pop("weight", False)

    def fn(lib, x, t):
        kwargs = dict(options, reduction=reduction)
        if weight:
            kwargs["weight"] = lib.tensor(_WEIGHT[:x.shape[1 if x.ndim > 1 else 0]], dtype=x.dtype)
        return getattr(lib.nn.functional, loss)(x, t, **kwargs)
    return fn


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", list(CE_CASES))
def test_cross_entropy(case, reduction):
    ignore = CE_CASES[case].get("ignore_index")
    check_op(_ce(case, reduction), None, make_inputs=_logits_and_targets((6, 5), ignore=ignore))


SPATIAL = {"3d": (2, 4, 3), "4d": (2, 4, 3, 2), "5d": (2, 3, 2, 1, 2), "1d": (5,), "empty_batch": (0, 4),
           "empty_spatial": (2, 4, 0)}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", list(SPATIAL))
def test_cross_entropy_spatial(shape, reduction):
    dims = SPATIAL[shape]
    if reduction == "mean" and 0 in dims:
        pytest.skip("the mean of nothing is nan, which finite differences cannot check")
    fn = _ce("weight_ignore" if len(dims) > 1 else "weight", reduction)
    check_op(fn, None, make_inputs=_logits_and_targets(dims, classes_dim=1 if len(dims) > 1 else 0, ignore=2))
    check_op(_ce("smoothing", reduction), None,
             make_inputs=_logits_and_targets(dims, classes_dim=1 if len(dims) > 1 else 0, ignore=-100))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 2), (5,)], ids=str)
def test_cross_entropy_probabilities(shape, reduction):
    def make_inputs(rng):
        p = rng.uniform(0.1, 1.0, shape)
        return [rng.standard_normal(shape), p / p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)]

    check_op(lambda lib, x, p: lib.nn.functional.cross_entropy(x, p, reduction=reduction), None,
             make_inputs=make_inputs)

    def weighted(lib, x, p):
        weight = lib.tensor(_WEIGHT[:shape[1 if len(shape) > 1 else 0]], dtype=x.dtype)
        return lib.nn.functional.cross_entropy(x, p, weight=weight, reduction=reduction, label_smoothing=0.1)

    check_op(weighted, None, make_inputs=make_inputs)


@pytest.mark.parametrize("shape", ["2d", "4d", "3d", "1d"])
def test_nll_loss(shape):
    dims = {"2d": (4, 3), "4d": (2, 3, 2, 2), "3d": (2, 3, 4), "1d": (3,)}[shape]
    for reduction in ("mean", "sum", "none"):
        check_op(_ce("weight_ignore", reduction, "nll_loss"), None,
                 make_inputs=_logits_and_targets(dims, classes_dim=1 if len(dims) > 1 else 0, ignore=2))


def test_nll_loss_mean_divides_by_the_weights_of_kept_targets():
    x = tapegrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], requires_grad=True)
    weight = tapegrad.tensor([1.0, 2.0, 4.0])
    loss = F.nll_loss(x, tapegrad.tensor([0, 2, 1]), weight=weight, ignore_index=1)
    assert_close(loss, -(1.0 * 1 + 6.0 * 4) / (1 + 4))
    loss.backward()
    assert_close(x.grad, [[-0.2, 0, 0], [0, 0, -0.8], [0, 0, 0]])
    everything_ignored = F.cross_entropy(x, tapegrad.tensor([-100, -100, -100]))
    assert np.isnan(everything_ignored.item())


# ---------------------------------------------------------------- regression losses, binary cross-entropy

def _weights(lib, x):
    return lib.linspace(0.5, 2.0, x.numel(), dtype=x.dtype).reshape(x.shape)


REGRESSION = {
    "mse": lambda lib, x, y, r: lib.nn.functional.mse_loss(x, y, reduction=r),
    "mse_weight": lambda lib, x, y, r: lib.nn.functional.mse_loss(x, y, reduction=r, weight=_weights(lib, x)),
    "l1": lambda lib, x, y, r: lib.nn.functional.l1_loss(x, y, reduction=r),
    "smooth_l1": lambda lib, x, y, r: lib.nn.functional.smooth_l1_loss(x, y, reduction=r, beta=0.7),
    "smooth_l1_beta0": lambda lib, x, y, r: lib.nn.functional.smooth_l1_loss(x, y, reduction=r, beta=0.0),
    "huber": lambda lib, x, y, r: lib.nn.functional.huber_loss(x, y, reduction=r, delta=0.6),
    "huber_weight": lambda lib, x, y, r: lib.nn.functional.huber_loss(x, y, reduction=r, delta=1.5,
                                                                      weight=_weights(lib, x)),
}


@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4)], [(3, 4), (4,)], [(1, 4), (3, 1)], [(), ()], [(0, 3), (0, 3)]],
                         ids=str)
@pytest.mark.parametrize("loss", list(REGRESSION))
def test_regression_loss(loss, shapes):
    if "weight" in loss and shapes[0] != shapes[1]:
        pytest.skip("weight= needs the input's size")
    for reduction in ("mean", "sum", "none"):
        if reduction == "mean" and 0 in shapes[0]:
            continue   # nan
        check_op(_quiet(lambda lib, x, y: REGRESSION[loss](lib, x, y, reduction)), shapes)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(3, 4), (5,), ()], ids=str)
def test_binary_cross_entropy(shape, reduction):
    def make_inputs(rng):
        return [rng.uniform(0.05, 0.95, shape), _targets(rng, shape)]

    check_op(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y, reduction=reduction), None,
             make_inputs=make_inputs)
    weight = np.linspace(0.5, 2.0, shape[-1] if shape else 1).reshape(shape[-1:])
    check_op(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y, lib.tensor(weight), reduction=reduction),
             None, make_inputs=make_inputs)


@requires_torch
def test_binary_cross_entropy_clamps_logs_like_torch():
    torch = torch_or_none()
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor([0.0, 1.0, 1e-30, 1 - 1e-7, 0.5], requires_grad=True)
        loss = lib.nn.functional.binary_cross_entropy(x, lib.tensor([1.0, 0.0, 1.0, 0.0, 0.3]), reduction="none")
        loss.sum().backward()
        results.append((loss.detach().numpy(), x.grad.numpy()))
    assert_close(results[0][0], [100.0, 100.0, 69.0776, 15.9424, 0.693147], atol=1e-3)
    for a, b in zip(*results):
        assert_close(a, b, rtol=1e-3)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
def test_kl_div(reduction):
    def make_inputs(rng):
        return [np.log(rng.uniform(0.1, 1.0, (3, 4))), rng.uniform(0.1, 1.0, (3, 4))]

    check_op(_quiet(lambda lib, x, t: lib.nn.functional.kl_div(x, t, reduction=reduction)), None,
             make_inputs=make_inputs)
    check_op(_quiet(lambda lib, x, t: lib.nn.functional.kl_div(x, t.log(), reduction=reduction, log_target=True)),
             None, make_inputs=make_inputs)


# ---------------------------------------------------------------- layer_norm, batch_norm

LAYER_NORM = {"last": ((3, 4), (4,)), "two_dims": ((2, 3, 4), (3, 4)), "3d_last": ((2, 3, 4), (4,)),
              "single": ((3, 1), (1,)), "empty_batch": ((0, 4), (4,))}


@pytest.mark.parametrize("affine", ["none", "weight", "weight_bias"])
@pytest.mark.parametrize("case", list(LAYER_NORM))
def test_layer_norm(case, affine):
    shape, normalized = LAYER_NORM[case]
    shapes = [shape] + [normalized] * {"none": 0, "weight": 1, "weight_bias": 2}[affine]
    check_op(lambda lib, x, *params: lib.nn.functional.layer_norm(x, normalized, *params, eps=1e-3), shapes)


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (2, 3, 2, 2)], ids=str)
@pytest.mark.parametrize("mode", ["training", "eval", "training_affine", "eval_affine"])
def test_batch_norm(mode, shape):
    channels = shape[1]
    training = mode.startswith("training")

    def fn(lib, x, *params):
        mean = lib.linspace(-0.5, 0.5, channels, dtype=x.dtype)
        var = lib.linspace(0.5, 2.0, channels, dtype=x.dtype)
        return lib.nn.functional.batch_norm(x, mean, var, *params, training=training, momentum=0.2, eps=1e-3)

    check_op(fn, [shape] + ([(channels,), (channels,)] if mode.endswith("affine") else []))


@requires_torch
def test_batch_norm_running_stats_match_torch():
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    data = rng.standard_normal((4, 3, 5))
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor(data, dtype=lib.float32, requires_grad=True)
        mean, var = lib.zeros(3), lib.ones(3)
        for _ in range(2):
            out = lib.nn.functional.batch_norm(x, mean, var, training=True, momentum=0.3)
        out.pow(2).sum().backward()
        results.append((mean, var, out, x.grad))
        assert mean._version == var._version == 0   # PyTorch updates them without a version bump
    for a, b in zip(*results):
        assert_close(a, b)


# ---------------------------------------------------------------- embedding, dropout, one_hot

@pytest.mark.parametrize("indices", [[1, 3, 1, 0], [[0, 2, 2], [3, 3, 3]], 2], ids=["1d", "2d_repeated", "0d"])
def test_embedding(indices):
    check_op(lambda lib, w: lib.nn.functional.embedding(lib.tensor(indices), w), [(4, 3)])


EMBEDDING_OPTIONS = {"padding_idx": {"padding_idx": 2}, "negative_padding_idx": {"padding_idx": -1},
                     "scale_grad_by_freq": {"scale_grad_by_freq": True}, "max_norm": {"max_norm": 1.5},
                     "all": {"padding_idx": 0, "scale_grad_by_freq": True, "max_norm": 2.0, "norm_type": 1.0}}


@requires_torch
@pytest.mark.parametrize("options", list(EMBEDDING_OPTIONS))
def test_embedding_options_match_torch(options):
    # padding_idx and scale_grad_by_freq are PyTorch's choices, not derivatives: compared, not differenced
    torch = torch_or_none()
    weight = np.random.default_rng(0).standard_normal((4, 3))
    results = []
    for lib in (tapegrad, torch):
        w = lib.tensor(weight, requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor([[0, 2, 2], [3, 0, 2]]), w, **EMBEDDING_OPTIONS[options])
        (out * lib.arange(18.0, dtype=lib.float64).reshape(2, 3, 3)).sum().backward()
        results.append((out, w.grad, w))
    for a, b in zip(*results):
        assert_close(a, b)


def test_dropout():
    tapegrad.manual_seed(0)
    x = tapegrad.ones(1000, 10, requires_grad=True)
    y = F.dropout(x, p=0.3)
    kept = y.detach().numpy() != 0
    assert 0.27 < 1 - kept.mean() < 0.33
    assert_close(y.detach().numpy()[kept], np.full(kept.sum(), 1 / 0.7))
    assert type(y.grad_fn).__name__ == "MulBackward0" and y.dtype == tapegrad.float32
    y.sum().backward()
    assert_close(x.grad, np.where(kept, 1 / 0.7, 0.0))
    tapegrad.manual_seed(0)
    assert (F.dropout(x, p=0.3).detach().numpy() == y.detach().numpy()).all()   # the default generator
    assert F.dropout(x, training=False) is x and F.dropout(x, p=0.0) is x
    assert (F.dropout(x, p=1.0).detach().numpy() == 0).all()
    z = tapegrad.ones(4, 5) * 2
    assert F.dropout(z, p=0.5, inplace=True) is z and set(np.unique(z.detach().numpy())) <= {0.0, 4.0}
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, p=1.5)


def test_one_hot():
    out = F.one_hot(tapegrad.tensor([[0, 2], [1, 1]]))
    assert out.dtype == tapegrad.int64 and not out.requires_grad
    assert out.tolist() == [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]]
    assert F.one_hot(tapegrad.tensor([1, 0]), 4).tolist() == [[0, 1, 0, 0], [1, 0, 0, 0]]
    assert tuple(F.one_hot(tapegrad.zeros(0, 2, dtype=tapegrad.int64), 3).shape) == (0, 2, 3)


# ---------------------------------------------------------------- normalize, cosine_similarity

@pytest.mark.parametrize("case", ["p2_dim1", "p1_dim0", "p3_last", "3d"])
def test_normalize(case):
    p, dim, shape = {"p2_dim1": (2.0, 1, (3, 4)), "p1_dim0": (1, 0, (3, 4)), "p3_last": (3.0, -1, (3, 4)),
                     "3d": (2.0, 1, (2, 3, 4))}[case]
    check_op(lambda lib, x: lib.nn.functional.normalize(x, p=p, dim=dim), [shape])


@requires_torch
def test_zero_and_tiny_vectors_match_torch():
    # no derivative exists at 0 (finite differences jump): PyTorch's conventions are compared instead
    torch = torch_or_none()
    data = [[0.0, 0.0, 0.0], [1e-13, 0.0, 0.0], [1.0, 2.0, 2.0]]
    results = []
    for lib in (tapegrad, torch):
        x, y = lib.tensor(data, requires_grad=True), lib.tensor(data[::-1], requires_grad=True)
        outs = [lib.nn.functional.normalize(x), lib.nn.functional.normalize(x, p=1, dim=0),
                lib.nn.functional.cosine_similarity(x, y)]
        sum((o * lib.arange(1.0, o.numel() + 1).reshape(o.shape)).sum() for o in outs).backward()
        results.append(outs + [x.grad, y.grad])
    for a, b in zip(*results):
        assert_close(a, b, rtol=1e-5)


@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 3, 4), (2, 3, 4)]], ids=str)
def test_cosine_similarity(shapes):
    check_op(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b), shapes)
    check_op(lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b, dim=-1, eps=1e-6), shapes)


# ---------------------------------------------------------------- node names and errors vs PyTorch

def _node_exprs(lib):
    Fl = lib.nn.functional
    x = lib.randn(3, 4, dtype=lib.float64, requires_grad=True)
    p = lib.rand(3, 4, dtype=lib.float64) * 0.8 + 0.1
    t = lib.tensor([0, 3, 1])
    x3, t3 = lib.randn(2, 4, 5, requires_grad=True), lib.zeros(2, 5, dtype=lib.int64)
    x4, t4 = lib.randn(2, 4, 5, 3, requires_grad=True), lib.zeros(2, 5, 3, dtype=lib.int64)
    return {
        "softmax": lambda: lib.softmax(x, 1), "log_softmax": lambda: x.log_softmax(0),
        "softmax_dtype": lambda: Fl.softmax(x, 1, dtype=lib.float32),
        "ce": lambda: Fl.cross_entropy(x, t), "ce_none": lambda: Fl.cross_entropy(x, t, reduction="none"),
        "ce_smoothing": lambda: Fl.cross_entropy(x, t, label_smoothing=0.1),
        "ce_probs_mean": lambda: Fl.cross_entropy(x, p),
        "ce_probs_sum": lambda: Fl.cross_entropy(x, p, reduction="sum"),
        "ce_3d": lambda: Fl.cross_entropy(x3, t3), "ce_3d_none": lambda: Fl.cross_entropy(x3, t3, reduction="none"),
        "nll_4d": lambda: Fl.nll_loss(x4, t4, reduction="none"),
        "mse": lambda: Fl.mse_loss(x, p), "mse_weight": lambda: Fl.mse_loss(x, p, weight=p),
        "l1": lambda: Fl.l1_loss(x, p), "l1_none": lambda: Fl.l1_loss(x, p, reduction="none"),
        "smooth_l1": lambda: Fl.smooth_l1_loss(x, p), "smooth_l1_beta0": lambda: Fl.smooth_l1_loss(x, p, beta=0.0),
        "huber": lambda: Fl.huber_loss(x, p), "bce": lambda: Fl.binary_cross_entropy(x.sigmoid(), p),
        "kl_batchmean": lambda: Fl.kl_div(x, p, reduction="batchmean"),
        "kl_none": lambda: Fl.kl_div(x, p, reduction="none"),
        "layer_norm": lambda: Fl.layer_norm(x, (4,)), "batch_norm": lambda: Fl.batch_norm(x, None, None, training=True),
        "embedding": lambda: Fl.embedding(lib.tensor([0, 2]), x), "dropout": lambda: Fl.dropout(x),
        "normalize": lambda: Fl.normalize(x), "cosine_similarity": lambda: Fl.cosine_similarity(x, p),
    }


@requires_torch
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("expr", list(_node_exprs(tapegrad)))
def test_node_name_matches_torch(expr):
    torch = torch_or_none()
    got, expected = _node_exprs(tapegrad)[expr](), _node_exprs(torch)[expr]()
    assert type(got.grad_fn).__name__ == type(expected.grad_fn).__name__
    assert str(got.dtype) == str(expected.dtype) and tuple(got.shape) == tuple(expected.shape)


def _error_cases(lib):
    Fl = lib.nn.functional
    x, t = lib.randn(3, 4), lib.tensor([0, 2, 1])
    longs = lib.ones(3, 4, dtype=lib.int64)
    return {
        "softmax_int": lambda: lib.softmax(lib.tensor([1, 2]), 0),
        "log_softmax_int_dim0": lambda: lib.log_softmax(longs, 0),
        "softmax_dim": lambda: lib.softmax(x, 2),
        "ce_int32_target": lambda: Fl.cross_entropy(x, t.int()),
        "ce_probs_long": lambda: Fl.cross_entropy(x, longs),
        "ce_out_of_bounds": lambda: Fl.cross_entropy(x, lib.tensor([0, 4, 1])),
        "ce_batch": lambda: Fl.cross_entropy(x, lib.tensor([0, 1])),
        "ce_weight_size": lambda: Fl.cross_entropy(x, t, weight=lib.ones(3)),
        "ce_weight_dtype": lambda: Fl.cross_entropy(x, t, weight=lib.ones(4, dtype=lib.float64)),
        "ce_weight_grad": lambda: Fl.cross_entropy(x, t, weight=lib.ones(4, requires_grad=True)),
        "ce_reduction": lambda: Fl.cross_entropy(x, t, reduction="avg"),
        "ce_smoothing": lambda: Fl.cross_entropy(x, t, label_smoothing=1.5),
        "ce_probs_ignore": lambda: Fl.cross_entropy(x, x.softmax(1), ignore_index=1),
        "ce_3d_target": lambda: Fl.cross_entropy(lib.randn(2, 4, 5), lib.zeros(2, 4, dtype=lib.int64)),
        "ce_4d_target": lambda: Fl.cross_entropy(lib.randn(2, 4, 5, 3), lib.zeros(2, 5, 4, dtype=lib.int64)),
        "nll_0d": lambda: Fl.nll_loss(lib.tensor(1.0), lib.tensor(0)),
        "nll_multi_target": lambda: Fl.nll_loss(x, longs),
        "nll_int": lambda: Fl.nll_loss(longs, t),
        "nll_4d_weight": lambda: Fl.nll_loss(lib.ones(2, 3, 4, 5), lib.zeros(2, 4, 5, dtype=lib.int64),
                                             weight=lib.ones(2)),
        "mse_shape": lambda: Fl.mse_loss(x, lib.ones(3, 3)),
        "mse_int": lambda: Fl.mse_loss(longs, longs),
        "mse_weight_size": lambda: Fl.mse_loss(x, x, weight=lib.ones(4)),
        "smooth_l1_beta": lambda: Fl.smooth_l1_loss(x, x, beta=-1.0),
        "huber_delta": lambda: Fl.huber_loss(x, x, delta=0.0),
        "bce_range": lambda: Fl.binary_cross_entropy(x, x.sigmoid()),
        "bce_target_range": lambda: Fl.binary_cross_entropy(x.sigmoid(), x),
        "bce_shape": lambda: Fl.binary_cross_entropy(x.sigmoid(), x.sigmoid()[0]),
        "bce_dtype": lambda: Fl.binary_cross_entropy(x.sigmoid(), x.sigmoid().double()),
        "layer_norm_shape": lambda: Fl.layer_norm(x, (5,)),
        "layer_norm_int_shape": lambda: Fl.layer_norm(x, 4),
        "layer_norm_weight": lambda: Fl.layer_norm(x, (4,), lib.ones(3)),
        "layer_norm_dtype": lambda: Fl.layer_norm(x, (4,), lib.ones(4, dtype=lib.float64)),
        "batch_norm_one_value": lambda: Fl.batch_norm(lib.randn(1, 4), None, None, training=True),
        "batch_norm_eval_none": lambda: Fl.batch_norm(x, None, None),
        "batch_norm_size": lambda: Fl.batch_norm(x, lib.zeros(3), lib.ones(4), training=True),
        "embedding_float": lambda: Fl.embedding(lib.tensor([1.0]), x),
        "embedding_range": lambda: Fl.embedding(lib.tensor([3]), x),
        "embedding_padding": lambda: Fl.embedding(lib.tensor([1]), x, padding_idx=3),
        "embedding_1d": lambda: Fl.embedding(t, lib.ones(4)),
        "one_hot_negative": lambda: Fl.one_hot(lib.tensor([1, -1])),
        "one_hot_too_big": lambda: Fl.one_hot(lib.tensor([1, 5]), 3),
        "one_hot_int32": lambda: Fl.one_hot(t.int()),
        "one_hot_empty": lambda: Fl.one_hot(lib.zeros(0, dtype=lib.int64)),
        "normalize_int": lambda: Fl.normalize(longs),
        "normalize_dim": lambda: Fl.normalize(lib.ones(4)),
        "cosine_int": lambda: Fl.cosine_similarity(longs, longs),
        "dropout_int": lambda: Fl.dropout(longs),
    }


@requires_torch
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", list(_error_cases(tapegrad)))
def test_error_matches_torch(case):
    assert_raises_like_torch(lambda lib: _error_cases(lib)[case]())


@requires_torch
def test_warnings_match_torch():
    torch = torch_or_none()
    messages = []
    for lib in (tapegrad, torch):
        x, y = lib.zeros(3, 4), lib.zeros(4)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.functional.mse_loss(x, y)
            lib.nn.functional.cross_entropy(x, lib.tensor([0, 1, 2]), size_average=False)
            lib.nn.functional.kl_div(x, x)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] and len(messages[0]) == 3
