"""Learning-rate schedulers against PyTorch's, on a fake optimizer (only `param_groups`)."""
import math
import warnings

import pytest

from tapegrad.optim import lr_scheduler as S

torch = pytest.importorskip("torch")


class FakeOptimizer:
    def __init__(self, lr=0.1, **extra):
        self.param_groups = [{"lr": lr, **extra}]
        self.defaults = {"lr": lr, **extra}


def _torch_opt(kind="sgd", lr=0.1):
    p = torch.nn.Parameter(torch.zeros(1))
    if kind == "adam":
        return torch.optim.Adam([p], lr=lr)
    return torch.optim.SGD([p], lr=lr, momentum=0.9)


CASES = [
    ("StepLR", dict(step_size=7, gamma=0.5), "sgd"),
    ("MultiStepLR", dict(milestones=[3, 10, 10, 22], gamma=0.3), "sgd"),
    ("ExponentialLR", dict(gamma=0.93), "sgd"),
    ("CosineAnnealingLR", dict(T_max=8, eta_min=0.001), "sgd"),
    ("CosineAnnealingLR", dict(T_max=30), "sgd"),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e) ** 0.5), "sgd"),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.97), "sgd"),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=31), "sgd"),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=31, anneal_strategy="linear", three_phase=True), "adam"),
    ("OneCycleLR", dict(max_lr=0.5, epochs=4, steps_per_epoch=8, cycle_momentum=False), "sgd"),
]


@pytest.mark.parametrize("name,kwargs,kind", CASES)
def test_schedule_matches_torch(name, kwargs, kind):
    extra = {"betas": (0.9, 0.999)} if kind == "adam" else {"momentum": 0.9}
    fake = FakeOptimizer(0.1, **extra)
    ours = getattr(S, name)(fake, **kwargs)
    opt = _torch_opt(kind)
    theirs = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    assert fake.param_groups[0]["initial_lr"] == pytest.approx(opt.param_groups[0]["initial_lr"], abs=1e-12)
    assert ours.base_lrs == pytest.approx(theirs.base_lrs, abs=1e-12)
    seq_ours, seq_theirs = [ours.get_last_lr()[0]], [theirs.get_last_lr()[0]]
    mom_ours, mom_theirs = [], []
    for _ in range(30):
        opt.step()
        ours.step()
        theirs.step()
        seq_ours.append(ours.get_last_lr()[0])
        seq_theirs.append(theirs.get_last_lr()[0])
        assert fake.param_groups[0]["lr"] == seq_ours[-1]
        key = "betas" if kind == "adam" else "momentum"
        mom_ours.append(fake.param_groups[0][key])
        mom_theirs.append(opt.param_groups[0][key])
    assert ours.last_epoch == theirs.last_epoch == 30
    for a, b in zip(seq_ours, seq_theirs):
        assert abs(a - b) <= 1e-10
    assert mom_ours == pytest.approx(mom_theirs, abs=1e-10)


@pytest.mark.parametrize("name,kwargs", [("StepLR", dict(step_size=3)), ("MultiStepLR", dict(milestones=[2, 5])),
                                         ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=5))])
def test_closed_form_with_epoch(name, kwargs):
    fake = FakeOptimizer()
    ours = getattr(S, name)(fake, **kwargs)
    opt = _torch_opt()
    theirs = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (4, 9, 2):
            ours.step(epoch)
            theirs.step(epoch)
            assert abs(ours.get_last_lr()[0] - theirs.get_last_lr()[0]) <= 1e-12


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", patience=2, factor=0.5, cooldown=2, min_lr=0.004),
                                    dict(threshold_mode="abs", threshold=0.05, patience=1)])
def test_reduce_on_plateau_matches_torch(kwargs):
    fake = FakeOptimizer()
    ours = S.ReduceLROnPlateau(fake, **kwargs)
    opt = _torch_opt()
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9] * 3 + [math.sin(i) for i in range(20)]
    for m in metrics:
        ours.step(m)
        theirs.step(m)
        assert abs(ours.get_last_lr()[0] - theirs.get_last_lr()[0]) <= 1e-10
        assert ours.num_bad_epochs == theirs.num_bad_epochs
    assert ours.last_epoch == theirs.last_epoch


def test_state_dict_roundtrip_and_resume():
    fake = FakeOptimizer()
    sched = S.StepLR(fake, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    assert set(state) == set(torch.optim.lr_scheduler.StepLR(_torch_opt(), 2).state_dict())
    fake2 = FakeOptimizer()
    other = S.StepLR(fake2, step_size=2, gamma=0.5)
    other.load_state_dict(state)
    assert other.last_epoch == 3 and other.get_last_lr() == sched.get_last_lr()
    resumed = S.StepLR(fake, step_size=2, gamma=0.5, last_epoch=3)
    assert resumed.base_lrs == [0.1]


def test_lambda_state_dict_and_errors():
    fake = FakeOptimizer()
    sched = S.LambdaLR(fake, lambda e: 0.5)
    assert sched.state_dict()["lr_lambdas"] == [None]
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        S.LambdaLR(FakeOptimizer(), [lambda e: 1, lambda e: 1])
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(FakeOptimizer(), 2, last_epoch=4)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), 2)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        S.ReduceLROnPlateau(FakeOptimizer(), factor=1.0)


def test_initial_lr_not_overwritten():
    fake = FakeOptimizer()
    fake.param_groups[0]["initial_lr"] = 0.5
    sched = S.ExponentialLR(fake, gamma=0.5)
    assert sched.base_lrs == [0.5] and fake.param_groups[0]["lr"] == 0.1


def test_onecycle_too_many_steps():
    sched = S.OneCycleLR(FakeOptimizer(momentum=0.9), max_lr=1.0, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        sched.step()
