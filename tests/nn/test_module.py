"""nn.Module (nn/modules/module.py): registration, traversal, zero_grad, modes, state_dict, repr, errors.

Most tests take `lib` and run on tapegrad and, when installed, on real PyTorch (the oracle), so
every expected name, order and text below is what PyTorch 2.13 gives. The repr tests build the
same module tree in both libraries and compare the two strings.
"""
import numpy as np
import pytest

import tapegrad
from checks import requires_torch, torch_or_none

TORCH = torch_or_none()




def make_net(lib):
    """Net: fc1 (Linear 2->3), a bare Parameter `scale` assigned between the layers, act, fc2 (3->1)."""
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 3)
            self.scale = nn.Parameter(lib.ones(1))
            self.act = nn.ReLU()
            self.fc2 = nn.Linear(3, 1)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x))) * self.scale

    return Net()


def make_tree(lib):
    """A nested tree: Net(fc1, Sequential(Linear, ReLU, Linear, Sigmoid, Tanh), fc2 without bias)."""
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 8), nn.Sigmoid(), nn.Tanh())
            self.fc2 = nn.Linear(8, 2, bias=False)

        def forward(self, x):
            return self.fc2(self.body(self.fc1(x)))

    return Net()


# ---- registration by attribute assignment ---------------------------------------------------------

def test_named_parameters_own_first_then_submodules_in_assignment_order(lib):
    net = make_net(lib)
    # A module's own parameters come before its submodules', whatever the assignment order.
    assert [name for name, _ in net.named_parameters()] == [
        "scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [tuple(p.shape) for p in net.parameters()] == [(1,), (3, 2), (3,), (1, 3), (1,)]
    assert all(isinstance(p, lib.nn.Parameter) for p in net.parameters())


def test_parameters_are_the_registered_objects(lib):
    net = make_net(lib)
    params = dict(net.named_parameters())
    assert params["fc1.weight"] is net.fc1.weight
    assert params["scale"] is net.scale
    assert [name for name, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [p is net.scale for p in net.parameters(recurse=False)] == [True]


def test_children_in_assignment_order(lib):
    net = make_net(lib)
    assert [name for name, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [type(m).__name__ for m in net.children()] == ["Linear", "ReLU", "Linear"]
    assert list(net.children())[0] is net.fc1


def test_reassigning_a_submodule_keeps_its_place(lib):
    net = make_net(lib)
    new = lib.nn.Linear(2, 3, bias=False)
    net.fc1 = new
    assert net.fc1 is new
    assert [name for name, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [name for name, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc2.weight", "fc2.bias"]


def test_reassigning_a_parameter_keeps_its_place(lib):
    layer = lib.nn.Linear(2, 3)
    new = lib.nn.Parameter(lib.zeros(3, 2))
    layer.weight = new
    assert layer.weight is new
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_plain_attributes_and_tensors_are_not_registered(lib):
    net = make_net(lib)
    net.hidden = 5
    net.buffer_like = lib.ones(2)  # a plain Tensor is an attribute, not a parameter
    assert net.hidden == 5
    assert len(list(net.parameters())) == 5
    assert "buffer_like" not in dict(net.named_parameters())
    assert "buffer_like" not in net.state_dict()


def test_assigning_none_to_a_parameter_unregisters_it(lib):
    layer = lib.nn.Linear(2, 3)
    layer.bias = None
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight"]


def test_assigning_a_parameter_before_init_raises(lib):
    nn = lib.nn

    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(lib.ones(1))

    with pytest.raises(AttributeError) as err:
        Broken()
    assert str(err.value) == "cannot assign parameters before Module.__init__() call"


@requires_torch
def test_assigning_a_tensor_to_a_parameter_name_raises_torchs_type_error():
    def message(lib):
        layer = lib.nn.Linear(2, 3)
        with pytest.raises(TypeError) as err:
            layer.weight = lib.ones(3, 2)
        return str(err.value)

    assert message(tapegrad) == message(TORCH)


def test_assigning_a_tensor_to_a_parameter_name_leaves_the_parameter(lib):
    layer = lib.nn.Linear(2, 3)
    weight = layer.weight
    with pytest.raises(TypeError):
        layer.weight = lib.ones(3, 2)
    assert layer.weight is weight


def test_unknown_attribute_error_names_the_class(lib):
    net = make_net(lib)
    with pytest.raises(AttributeError) as err:
        net.foo
    assert str(err.value) == "'Net' object has no attribute 'foo'"
    assert not hasattr(net, "foo")


# ---- shared parameters and modules ----------------------------------------------------------------

def test_shared_module_is_listed_once(lib):
    nn = lib.nn

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)
            self.b = self.a

    net = Shared()
    assert [name for name, _ in net.named_parameters()] == ["a.weight", "a.bias"]
    assert len(list(net.parameters())) == 2
    assert [name for name, _ in net.named_modules()] == ["", "a"]
    assert [name for name, _ in net.named_children()] == ["a"]


def test_tied_weight_is_listed_once(lib):
    nn = lib.nn

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(3, 3)
            self.dec = nn.Linear(3, 3)
            self.dec.weight = self.enc.weight

    net = Tied()
    assert [name for name, _ in net.named_parameters()] == ["enc.weight", "enc.bias", "dec.bias"]
    ids = [id(p) for p in net.parameters()]
    assert len(ids) == len(set(ids)) == 3


def test_state_dict_lists_shared_parameters_under_every_name(lib):
    nn = lib.nn

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(3, 3)
            self.dec = nn.Linear(3, 3)
            self.dec.weight = self.enc.weight

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)
            self.b = self.a

    # state_dict is not de-duplicated: load_state_dict needs every name.
    assert list(Tied().state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert list(Shared().state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]


# ---- traversal ------------------------------------------------------------------------------------

def test_named_modules_depth_first_preorder(lib):
    net = make_tree(lib)
    assert [name for name, _ in net.named_modules()] == [
        "", "fc1", "body", "body.0", "body.1", "body.2", "body.3", "body.4", "fc2"]
    assert [type(m).__name__ for m in net.modules()] == [
        "Net", "Linear", "Sequential", "Linear", "ReLU", "Linear", "Sigmoid", "Tanh", "Linear"]
    assert next(iter(net.modules())) is net


def test_named_modules_prefix(lib):
    net = make_tree(lib)
    assert [name for name, _ in net.body.named_modules(prefix="body")][:3] == ["body", "body.0", "body.1"]


def test_named_parameters_of_nested_tree(lib):
    net = make_tree(lib)
    assert [name for name, _ in net.named_parameters()] == [
        "fc1.weight", "fc1.bias", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias", "fc2.weight"]


def test_sequential_indexing_and_call(lib):
    net = make_tree(lib)
    assert len(net.body) == 5
    assert isinstance(net.body[1], lib.nn.ReLU)
    assert net.body[-1] is list(net.body)[-1]
    x = lib.tensor(np.linspace(-1, 1, 8).reshape(1, 8).astype(np.float32))
    expected = lib.tanh(lib.sigmoid(net.body[2](lib.relu(net.body[0](x)))))
    assert np.array_equal(net.body(x).detach().numpy(), expected.detach().numpy())


# ---- zero_grad ------------------------------------------------------------------------------------

def _backward(lib, net):
    net(lib.ones(4, 2)).sum().backward()


def test_zero_grad_sets_grads_to_none_by_default(lib):
    net = make_net(lib)
    _backward(lib, net)
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert [p.grad for p in net.parameters()] == [None] * 5


def test_zero_grad_set_to_none_false_zeros_in_place(lib):
    net = make_net(lib)
    _backward(lib, net)
    grads = [p.grad for p in net.parameters()]
    assert any(g.abs().sum().item() > 0 for g in grads)
    net.zero_grad(set_to_none=False)
    for p, g in zip(net.parameters(), grads):
        assert p.grad is g  # same tensor, zeroed
        assert tuple(p.grad.shape) == tuple(p.shape)
        assert not p.grad.numpy().any()
        assert p.grad.grad_fn is None and not p.grad.requires_grad


def test_zero_grad_then_backward_gives_fresh_gradient(lib):
    net = make_net(lib)
    _backward(lib, net)
    first = [p.grad.clone() for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    _backward(lib, net)
    for p, g in zip(net.parameters(), first):
        assert np.allclose(p.grad.numpy(), g.numpy())  # not doubled


def test_zero_grad_keeps_missing_grads_none(lib):
    net = make_net(lib)
    net.zero_grad(set_to_none=False)
    assert [p.grad for p in net.parameters()] == [None] * 5


# ---- train / eval / requires_grad_ ----------------------------------------------------------------

def test_train_eval_are_recursive(lib):
    net = make_tree(lib)
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert [m.training for m in net.modules()] == [False] * 9
    assert net.train() is net
    assert [m.training for m in net.modules()] == [True] * 9
    net.train(False)
    assert not net.body[1].training


def test_eval_of_a_submodule_leaves_the_parent(lib):
    net = make_tree(lib)
    net.body.eval()
    assert net.training and net.fc1.training
    assert not net.body.training and not net.body[0].training


def test_requires_grad_(lib):
    net = make_tree(lib)
    assert net.requires_grad_(False) is net
    assert [p.requires_grad for p in net.parameters()] == [False] * 7
    net.body.requires_grad_()
    assert [p.requires_grad for p in net.parameters()] == [False, False, True, True, True, True, False]
    out = net(lib.ones(1, 4)).sum()
    out.backward()
    assert net.fc1.weight.grad is None and net.body[0].weight.grad is not None


# ---- state_dict -----------------------------------------------------------------------------------

def test_state_dict_keys_and_values(lib):
    net = make_net(lib)
    state = net.state_dict()
    assert list(state) == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    params = dict(net.named_parameters())
    for name, value in state.items():
        assert np.array_equal(value.numpy(), params[name].detach().numpy())


def test_state_dict_values_are_detached(lib):
    net = make_net(lib)
    for value in net.state_dict().values():
        assert not value.requires_grad and value.grad_fn is None
        assert not isinstance(value, lib.nn.Parameter)


def test_state_dict_values_share_memory_with_parameters(lib):
    net = make_net(lib)
    state = net.state_dict()
    with lib.no_grad():
        net.fc1.weight.mul_(0).add_(7)
    assert (state["fc1.weight"].numpy() == 7).all()
    state["fc2.bias"].fill_(-3)
    assert net.fc2.bias.item() == -3


def test_state_dict_keep_vars(lib):
    net = make_net(lib)
    state = net.state_dict(keep_vars=True)
    assert state["fc1.weight"] is net.fc1.weight
    assert state["scale"].requires_grad


def test_state_dict_of_nested_tree(lib):
    assert list(make_tree(lib).state_dict()) == [
        "fc1.weight", "fc1.bias", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias", "fc2.weight"]


# ---- apply ----------------------------------------------------------------------------------------

def test_apply_visits_children_before_parent_and_returns_self(lib):
    net = make_tree(lib)
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Linear", "ReLU", "Linear", "Sigmoid", "Tanh", "Sequential", "Linear", "Net"]


def test_apply_initialises_every_linear(lib):
    net = make_tree(lib)

    def init(m):
        if isinstance(m, lib.nn.Linear):
            lib.nn.init.constant_(m.weight, 0.5)

    net.apply(init)
    for m in net.modules():
        if isinstance(m, lib.nn.Linear):
            assert (m.weight.detach().numpy() == 0.5).all()
            assert m.weight.is_leaf and m.weight.requires_grad


# ---- repr: the same tree printed by both libraries ------------------------------------------------

def _trees(lib):
    nn = lib.nn
    return {
        "net": make_net(lib),
        "tree": make_tree(lib),
        "sequential": nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Sigmoid(), nn.Tanh()),
        "nested_sequential": nn.Sequential(nn.Sequential(nn.Linear(1, 1, bias=False)), nn.ReLU(inplace=True)),
        "empty_sequential": nn.Sequential(),
        "leaves": nn.Sequential(nn.Identity(), nn.MSELoss()),
        "linear": nn.Linear(5, 7),
        "relu_inplace": nn.ReLU(inplace=True),
    }


@requires_torch
@pytest.mark.parametrize("name", list(_trees(tapegrad)))
def test_repr_equals_torch(name):
    assert repr(_trees(tapegrad)[name]) == repr(_trees(TORCH)[name])


@requires_torch
def test_repr_of_module_without_children_equals_torch():
    def build(lib):
        class Scale(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.Parameter(lib.ones(2))

        return Scale()

    assert repr(build(tapegrad)) == repr(build(TORCH)) == "Scale()"
