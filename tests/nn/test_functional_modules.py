"""Activation, loss and container modules (nn/modules/activation.py, loss.py, container.py) vs PyTorch."""
import pytest

from checks import torch_or_none

import tapegrad

ACTIVATIONS = {
    "LeakyReLU": lambda nn: nn.LeakyReLU(0.2), "GELU": lambda nn: nn.GELU(),
    "GELU_tanh": lambda nn: nn.GELU(approximate="tanh"), "SiLU": lambda nn: nn.SiLU(),
    "ELU": lambda nn: nn.ELU(alpha=0.5), "Softplus": lambda nn: nn.Softplus(beta=2.0),
    "Softmax": lambda nn: nn.Softmax(dim=1), "LogSoftmax": lambda nn: nn.LogSoftmax(dim=0),
}
LOSSES = {
    "CrossEntropyLoss": lambda nn, x, lib: nn.CrossEntropyLoss(label_smoothing=0.1)(x, lib.tensor([2, 0])),
    "NLLLoss": lambda nn, x, lib: nn.NLLLoss()(lib.log_softmax(x, 1), lib.tensor([2, 0])),
    "L1Loss": lambda nn, x, lib: nn.L1Loss()(x, lib.zeros(2, 3)),
    "SmoothL1Loss": lambda nn, x, lib: nn.SmoothL1Loss(beta=0.5)(x, lib.zeros(2, 3)),
    "HuberLoss": lambda nn, x, lib: nn.HuberLoss(delta=0.5)(x, lib.zeros(2, 3)),
    "BCEWithLogitsLoss": lambda nn, x, lib: nn.BCEWithLogitsLoss(pos_weight=lib.tensor([2., 1., 1.]))(
        x, lib.ones(2, 3)),
    "BCELoss": lambda nn, x, lib: nn.BCELoss()(x.sigmoid(), lib.ones(2, 3)),
    "KLDivLoss": lambda nn, x, lib: nn.KLDivLoss(reduction="batchmean")(lib.log_softmax(x, 1),
                                                                        lib.softmax(x * 2, 1)),
}


def _x(lib):
    return lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], requires_grad=True)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_module_matches_torch(name):
    torch = torch_or_none()
    if torch is None:
        pytest.skip("torch not installed")
    ours, theirs = ACTIVATIONS[name](tapegrad.nn), ACTIVATIONS[name](torch.nn)
    assert repr(ours) == repr(theirs)
    assert repr(ours(_x(tapegrad))) == repr(theirs(_x(torch)))


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_module_matches_torch(name):
    torch = torch_or_none()
    if torch is None:
        pytest.skip("torch not installed")
    results = []
    for lib in (tapegrad, torch):
        x = _x(lib)
        loss = LOSSES[name](lib.nn, x, lib)
        loss.backward()
        results.append((repr(loss), repr(x.grad)))
    assert results[0] == results[1]


def test_containers_register_their_modules(lib):
    nn = lib.nn
    layers = nn.ModuleList([nn.Linear(3, 2), nn.ReLU()])
    layers.append(nn.Tanh())
    table = nn.ModuleDict({"a": nn.Linear(2, 2)})
    params = nn.ParameterList([nn.Parameter(lib.ones(2))])
    assert len(layers) == 3 and len(list(layers.parameters())) == 2
    assert "a" in table and len(list(table.parameters())) == 2 and len(list(params.parameters())) == 1
    assert repr(layers).startswith("ModuleList(\n  (0): Linear(in_features=3, out_features=2, bias=True)")
