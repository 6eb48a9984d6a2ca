"""Every code example of the five seed tutorials (shared/seeds/*.txt), run as the tutorial writes it.

Each case runs one example's code with `import tapegrad as torch` (or `as t`, or
`from tapegrad.autograd import Variable`) where the tutorial imports torch, captures what it
prints and compares it with the exact text. The reference is what real PyTorch 2.13 prints for
the same code, not the blog's text: where the two differ (line breaks lost in the blog, modern
node names, ...) a comment next to the case says how.

How a case runs (`mode`):
  script    the code is executed as a file; only `print` writes.
  repl      every expression statement echoes its repr, as at the `>>>` prompt.
  notebook  cells are split at `# %%` lines; the last expression of a cell echoes its repr,
            as Jupyter shows it (plain repr: IPython's pretty printer would write
            `<SumBackward0 at 0x...>` where repr writes `<SumBackward0 object at 0x...>`).
Memory addresses are compared as `0x<address>`. Cases whose output shows random numbers
(`randn`, a module's initial weights) compare it with every number masked, so the layout, the
names and the flags are still checked.

The oracle check: `TAPEGRAD_SEEDS_LIB=torch python -m pytest tests/test_seeds.py` with real
PyTorch installed runs the same cases with every `tapegrad` in them read as `torch`; every case
that is not skipped must pass there.
"""
from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import importlib.util
import io
import math
import os
import re
import sys
import textwrap
from pathlib import Path
from typing import Callable

import pytest

LIB = os.environ.get("TAPEGRAD_SEEDS_LIB", "tapegrad")
if LIB not in ("tapegrad", "torch"):
    raise ValueError(f"TAPEGRAD_SEEDS_LIB must be 'tapegrad' or 'torch', not {LIB!r}")

# A checkout that was not pip-installed still tests its own source.
if LIB == "tapegrad" and importlib.util.find_spec("tapegrad") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except Exception:  # noqa: BLE001 - a half-written library may fail in any way
        return False
    return True


NEEDS_NN = pytest.mark.skipif(not _importable(f"{LIB}.nn"), reason="tapegrad.nn: issue 5")
FACES = pytest.mark.skip(reason="MXNet/TensorFlow faces: issue 6")

# PyTorch 2.13's messages, word for word (str(exception)).
SCALAR_ONLY = "grad can be implicitly created only for scalar outputs"
SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)
LEAF_ONLY = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)
FLOAT_ONLY = "Only Tensors of floating point and complex dtype can require gradients"
NO_GRAD_FN = "element 0 of tensors does not require grad and does not have a grad_fn"
# Python writes the qualified name of the method since 3.10 (`backward()` before), for torch too.
RETAIN_VARIABLES = (
    ("Tensor.backward()" if sys.version_info >= (3, 10) else "backward()")
    + " got an unexpected keyword argument 'retain_variables'"
)
# The start of torch's warning; torch adds "(Triggered internally at <its C++ file>.)".
NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)


@dataclasses.dataclass
class Case:
    id: str
    code: str
    out: str = ""  # the exact text printed (before the error, if one is raised)
    mode: str = "script"  # "script", "repl" or "notebook" (see the module docstring)
    setup: str = ""  # run first, silently: the state an example continues from
    raises: tuple | None = None  # (exception type, exact message)
    warns: tuple | None = None  # (warning category, start of its message)
    check: Callable[[dict], None] | None = None  # more assertions on the example's variables
    random: bool = False  # the output shows random numbers: compare it with numbers masked
    marks: tuple = ()


def _code(text: str) -> str:
    """The case's code as written here, with `tapegrad` read as `torch` for the oracle run."""
    text = textwrap.dedent(text).strip("\n") + "\n"
    return re.sub(r"\btapegrad\b", "torch", text) if LIB == "torch" else text


def _run(code: str, mode: str, namespace: dict, filename: str) -> None:
    if mode == "script":
        exec(compile(code, filename, "exec", dont_inherit=True), namespace)  # noqa: S102
        return
    cells = [code] if mode == "repl" else re.split(r"(?m)^# %%.*\n", code)
    for cell in cells:
        body = ast.parse(cell, filename).body
        for i, statement in enumerate(body):
            if isinstance(statement, ast.Expr) and (mode == "repl" or i == len(body) - 1):
                expression = ast.Expression(statement.value)
                value = eval(compile(expression, filename, "eval", dont_inherit=True), namespace)
                if value is not None:
                    print(repr(value))
            else:
                module = ast.Module([statement], type_ignores=[])
                exec(compile(module, filename, "exec", dont_inherit=True), namespace)  # noqa: S102


def _normalise(text: str, random: bool) -> str:
    text = re.sub(r"0x[0-9a-fA-F]+", "0x<address>", text)
    if random:  # a number with the padding that aligns it
        text = re.sub(r" *-?\d+\.\d*(?:e[+-]?\d+)?", "<number>", text)
    return text


def _join(*parts: str) -> str:
    """Code pieces written at different indents, as one piece."""
    return "".join(textwrap.dedent(part).strip("\n") + "\n" for part in parts)


def _close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-6)


CASES: list[Case] = []


def case(id: str, code: str, out: str = "", **kw) -> None:
    CASES.append(Case(id, code, textwrap.dedent(out).lstrip("\n"), **kw))


# ---------------------------------------------------------------------------------------------
# Seed 000: pytorch自动求导Autograd系列教程(一). Its snippets assume `import torch`.
# ---------------------------------------------------------------------------------------------

case("seed000_scalar_pow", """
    import tapegrad as torch
    x=torch.tensor(3.0,requires_grad=True)
    y=torch.pow(x,2)
    #判断x,y是否是可以求导的
    print(x.requires_grad)
    print(y.requires_grad)
    #求导,通过backward函数来实现
    y.backward()
    #查看导数,也即所谓的梯度
    print(x.grad)
""", """
    True
    True
    tensor(6.)
""")

case("seed000_leaf_requires_grad", """
    import tapegrad as torch
    #创建一个二元函数,即z=f(x,y)=x2+y2,x可求导,y设置不可求导
    x=torch.tensor(3.0,requires_grad=True)
    y=torch.tensor(4.0,requires_grad=False)
    z=torch.pow(x,2)+torch.pow(y,2)
    #判断x,y是否是可以求导的
    print(x.requires_grad)
    print(y.requires_grad)
    print(z.requires_grad)
    #求导,通过backward函数来实现
    z.backward()
    #查看导数,也即所谓的梯度
    print(x.grad)
    print(y.grad)
""", """
    True
    False
    True
    tensor(6.)
    None
""")

# Made concrete from the text: "if x is not differentiable either, z is not differentiable".
case("seed000_no_leaf_requires_grad", """
    import tapegrad as torch
    x=torch.tensor(3.0,requires_grad=False)
    y=torch.tensor(4.0,requires_grad=False)
    z=torch.pow(x,2)+torch.pow(y,2)
    print(z.requires_grad)
    z.backward()
""", """
    False
""", raises=(RuntimeError, NO_GRAD_FN))

# Made concrete from the text on `x.requires_grad_(True/False)` for a leaf.
case("seed000_requires_grad_on_leaf", """
    import tapegrad as torch
    x=torch.tensor(3.0,requires_grad=True)
    y=torch.tensor(4.0,requires_grad=False)
    y.requires_grad_(True)
    z=torch.pow(x,2)+torch.pow(y,2)
    print(y.requires_grad)
    print(z.requires_grad)
    z.backward()
    print(x.grad)
    print(y.grad)
""", """
    True
    True
    tensor(6.)
    tensor(8.)
""")

# The tutorial quotes only "RuntimeError: you can only change requires_grad flags of leaf
# variables."; PyTorch 2.13 goes on with a hint, asserted in full.
case("seed000_requires_grad_on_non_leaf_error", """
    import tapegrad as torch
    x=torch.tensor(3.0,requires_grad=True)
    y=torch.pow(x,2)
    y.requires_grad_(False)
""", raises=(RuntimeError, LEAF_ONLY))

# Made concrete from the text: f.backward() fills only the leaf's grad; y.grad and z.grad are
# None (the tutorial writes `f.backwrad()`, a typo). PyTorch 2.x also warns on reading them.
case("seed000_intermediate_grad_none", """
    import tapegrad as torch
    x=torch.tensor(2.0,requires_grad=True)
    y=torch.pow(x,2)
    z=torch.mul(y,3)
    f=torch.add(z,1)
    f.backward()
    print(x.grad)
    print(y.grad)
    print(z.grad)
""", """
    tensor(12.)
    None
    None
""", warns=(UserWarning, NON_LEAF_GRAD))

# Made concrete from the text: [1.,2.,3.] can require grad, [1,2,3] cannot.
case("seed000_integer_requires_grad_error", """
    import tapegrad as torch
    x=torch.tensor([1.,2.,3.],requires_grad=True)
    print(x)
    x=torch.tensor([1,2,3],requires_grad=True)
""", """
    tensor([1., 2., 3.], requires_grad=True)
""", raises=(RuntimeError, FLOAT_ONLY))

case("seed000_scalar_wrt_vector", """
    import tapegrad as torch
    #创建一个多元函数,即Y=XW+b=Y=x1*w1+x2*w2*x3*w3+b,x不可求导,W,b设置可求导
    X=torch.tensor([1.5,2.5,3.5],requires_grad=False)
    W=torch.tensor([0.2,0.4,0.6],requires_grad=True)
    b=torch.tensor(0.1,requires_grad=True)
    Y=torch.add(torch.dot(X,W),b)
    #判断每个tensor是否是可以求导的
    print(X.requires_grad)
    print(W.requires_grad)
    print(b.requires_grad)
    print(Y.requires_grad)
    #求导,通过backward函数来实现
    Y.backward()
    #查看导数,也即所谓的梯度
    print(W.grad)
    print(b.grad)
""", """
    False
    True
    True
    True
    tensor([1.5000, 2.5000, 3.5000])
    tensor(1.)
""")

# The tutorial's two consecutive snippets (definitions, then prints) run as one. The blog lost
# the 8-space indent of the second row.
case("seed000_scalar_wrt_matrix_mean", """
    import tapegrad as torch
    x = torch.tensor([[1.,2.,3.],[4.,5.,6.]],requires_grad=True)
    y = torch.add(x,1)
    z = 2*torch.pow(y,2)
    f = torch.mean(z)
    print(x.requires_grad)
    print(y.requires_grad)
    print(z.requires_grad)
    print(f.requires_grad)
    print('===================================')
    f.backward()
    print(x.grad)
""", """
    True
    True
    True
    True
    ===================================
    tensor([[1.3333, 2.0000, 2.6667],
            [3.3333, 4.0000, 4.6667]])
""")

# The blog lost the row's indent and the column padding: `tensor([[ 3., 5., 7.],\n[ 9., 11., 13.]])`.
case("seed000_backward_gradient_matrix", """
    import tapegrad as torch
    x = torch.tensor([[1.,2.,3.],[4.,5.,6.]],requires_grad=True)
    y = torch.add(torch.pow(x,2),x)
    gradient=torch.tensor([[1.0,1.0,1.0],[1.0,1.0,1.0]])
    y.backward(gradient)
    print(x.grad)
""", """
    tensor([[ 3.,  5.,  7.],
            [ 9., 11., 13.]])
""")

case("seed000_backward_gradient_ones", """
    import tapegrad as torch
    x = torch.tensor([1.,2.,3.],requires_grad=True)
    y = torch.pow(x,2)
    gradient=torch.tensor([1.0,1.0,1.0])
    y.backward(gradient)
    print(x.grad)
""", """
    tensor([2., 4., 6.])
""")

# The tutorial shows only the changed line; the rest is the previous example, on a fresh x.
case("seed000_backward_gradient_weighted", """
    import tapegrad as torch
    x = torch.tensor([1.,2.,3.],requires_grad=True)
    y = torch.pow(x,2)
    gradient=torch.tensor([1.0,0.1,0.01])
    y.backward(gradient)
    print(x.grad)
""", """
    tensor([2.0000, 0.4000, 0.0600])
""")

# The retain_graph example is only described (p=f(y), y=f(x); q=f(z), z=f(x)); made concrete.
# The tutorial quotes the old message "... but the buffers have already been freed. Specify
# retain_graph=True when calling backward the first time."; PyTorch 2.13's is asserted.
RETAIN_SETUP = """
    import tapegrad as torch
    x=torch.tensor(2.0,requires_grad=True)
    y=torch.pow(x,2)
    z=torch.pow(x,3)
    p=torch.pow(y,2)
    q=torch.pow(z,2)
"""
case("seed000_retain_graph_error", _join(RETAIN_SETUP, """
    p.backward()
    print(x.grad)
    p.backward()
"""), """
    tensor(32.)
""", raises=(RuntimeError, SECOND_BACKWARD))

case("seed000_retain_graph_true", _join(RETAIN_SETUP, """
    p.backward(retain_graph=True)
    print(x.grad)
    p.backward()
    print(x.grad)
"""), """
    tensor(32.)
    tensor(64.)
""")

# The tutorial also claims q.backward() fails after p.backward(); in PyTorch it does not: only
# the nodes p.backward() ran are freed, and q's branch (q, z) is intact. x.grad = 4x^3 + 6x^5.
case("seed000_retain_graph_other_branch", _join(RETAIN_SETUP, """
    p.backward()
    q.backward()
    print(x.grad)
"""), """
    tensor(224.)
""")

case("seed000_create_graph", """
    import tapegrad as torch
    x = torch.tensor(5.0,requires_grad=True)
    y = torch.pow(x,3)
    grad_x = torch.autograd.grad(y, x, create_graph=True)
    print(grad_x) # dy/dx = 3 * x2,即75
    grad_grad_x = torch.autograd.grad(grad_x[0],x)
    print(grad_grad_x) # 二阶导数 d(2x)/dx = 30
""", """
    (tensor(75., grad_fn=<MulBackward0>),)
    (tensor(30.),)
""")

# The tutorial's z is in a picture: made concrete as z = x * y. Its line
# `z.backward(torch.FloatTensor([1.0, 1.0, 1.0])` lacks the closing parenthesis.
case("seed000_floattensor_gradient", """
    import tapegrad as torch
    x=torch.tensor([1.0,2.0,3.0],requires_grad=True)
    y=torch.tensor([4.0,5.0,6.0],requires_grad=True)
    z=x*y
    print(z)
    z.backward(torch.FloatTensor([1.0, 1.0, 1.0]))
    print(x.grad)
    print(y.grad)
""", """
    tensor([ 4., 10., 18.], grad_fn=<MulBackward0>)
    tensor([4., 5., 6.])
    tensor([1., 2., 3.])
""")

# ---------------------------------------------------------------------------------------------
# Seed 001: Autograd是什么? `>>>` sessions (prompts removed).
# ---------------------------------------------------------------------------------------------

# The blog shows `True, False` for the tuple, and nothing for `b.requires_grad_()`, which
# returns b: the prompt echoes it (random numbers, masked).
case("seed001_requires_grad", """
    import tapegrad as torch
    a=torch.randn(5, 3, requires_grad=True)
    b=torch.randn(5, 3)
    a.requires_grad, b.requires_grad
    # 可以看到默认的Tensor是不需要求导的,设置requires_grad为True后则需要求导
    # 也可以通过内置函数requires_grad_()将Tensor变为需要求导
    b.requires_grad_()
    b.requires_grad
""", """
    (True, False)
    tensor([[ 0.0305,  0.2653, -0.3758],
            [ 0.0341,  0.3725,  1.4728],
            [ 1.8154,  2.2644,  1.1319],
            [ 0.9701, -1.2178,  0.5876],
            [ 0.5626,  0.2189,  0.9498]], requires_grad=True)
    True
""", mode="repl", random=True)

# The blog (old PyTorch) shows `<AddBackward1 object at 0x7fa7a53e04a8>`; 2.13 names the node
# AddBackward0.
case("seed001_grad_fn_detach", """
    import tapegrad as torch
    a=torch.randn(3, 3)
    b=torch.randn(3, 3, requires_grad=True)
    c = a + b
    c.requires_grad
    # 通过计算生成的Tensor,由于依赖的Tensor需要求导,因此c也需要求导
    a.grad_fn, b.grad_fn, c.grad_fn
    # a与b是自己创建的,grad_fn为None,而c的grad_fn则是一个Add函数操作
    d = c.detach()
    d.requires_grad
""", """
    True
    (None, None, <AddBackward0 object at 0x7fa7a53e04a8>)
    False
""", mode="repl")

case("seed001_gradient_accumulation_loop", """
    for i, (inputs, labels) in enumerate(trainloader):
        outputs = net(inputs)                   # 正向传播
        loss = criterion(outputs, labels)       # 计算损失函数
        loss = loss / accumulation_steps        # 损失标准化
        loss.backward()                         # 反向传播,计算梯度
        if (i+1) % accumulation_steps == 0:
            optimizer.step()                    # 更新参数
            optimizer.zero_grad()               # 梯度清零
            if (i+1) % evaluation_steps == 0:
                evaluate_model()
""", marks=(pytest.mark.skip(reason="fragment: trainloader, net, criterion, optimizer, "
                             "accumulation_steps and evaluate_model are not defined in the tutorial"),))

# ---------------------------------------------------------------------------------------------
# Seed 002: d2l's autograd in MXNet, TensorFlow and PyTorch side by side (notebook cells). The
# blog imports its own wrapper: `from xint import torch as xint; np = xint.np`. The blog lost the
# indent of every `with` body; it is restored.
# ---------------------------------------------------------------------------------------------

TORCH_002 = [
    """
    import tapegrad as torch
    np = torch  # the blog's `np = xint.np`: the framework's own array namespace
    x = np.arange(4.0).reshape(4, 1)
    # %%
    x.requires_grad_(True) # 等价于 `x = torch.arange(4.0, requires_grad=True)`
    x.grad # 默认值是None
    # %%
    y = 2 * x.T @ x
    float(y)
    # %%
    y.backward()
    x.grad
    """,
    """
    # 在默认情况下,PyTorch会累积梯度,我们需要清除之前的值
    x.grad.zero_()
    y = x.sum()
    y.backward()
    x.grad
    """,
    """
    # 对非标量调用`backward`需要传入一个`gradient`参数,该参数指定微分函数关于`self`的梯度。
    ## 在我们的例子中,我们只想求偏导数的和,所以传递一个1的梯度是合适的
    x.grad.zero_()
    y = x * x
    # 等价于y.backward(torch.ones(len(x)))
    y.sum().backward()
    x.grad
    """,
    """
    x.grad.zero_()
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    x.grad == u
    """,
]
TORCH_002_OUT = [
    """
    28.0
    tensor([[ 0.],
            [ 4.],
            [ 8.],
            [12.]])
    """,
    """
    tensor([[1.],
            [1.],
            [1.],
            [1.]])
    """,
    """
    tensor([[0.],
            [2.],
            [4.],
            [6.]])
    """,
    """
    tensor([[True],
            [True],
            [True],
            [True]])
    """,
]
for _i, _name in enumerate(["torch_grad_2xTx", "torch_zero_grad_sum", "torch_nonscalar_sum",
                            "torch_detach"]):
    case(f"seed002_{_name}", TORCH_002[_i], TORCH_002_OUT[_i], mode="notebook",
         setup=_join(*TORCH_002[:_i]))

# The faces' expected text was taken from MXNet 1.9.1 and TensorFlow 2.21 (with NumPy 2.3: NumPy
# 2.4 makes TensorFlow's float() of a (1, 1) tensor raise) running the same cells.
MXNET_002 = [
    """
    from tapegrad import mxnet as xint
    np = xint.np
    x = np.arange(4.0).reshape(4, 1)
    # %%
    # 我们通过调用`attach_grad`来为一个张量的梯度分配内存
    x.attach_grad()
    # 在我们计算关于`x`的梯度后,我们将能够通过'grad'属性访问它,它的值被初始化为0
    x.grad
    # %%
    from tapegrad.mxnet import autograd
    # 把代码放到`autograd.record`内,以建立计算图
    with autograd.record():
        y = 2 * x.T @ x
    float(y)
    # %%
    y.backward()
    x.grad
    """,
    """
    with autograd.record():
        y = x.sum()
    y.backward()
    x.grad # 被新计算的梯度覆盖
    """,
    """
    # 当我们对向量值变量`y`(关于`x`的函数)调用`backward`时,
    # 将通过对`y`中的元素求和来创建一个新的标量变量。然后计算这个标量变量相对于`x`的梯度
    with autograd.record():
        y = x * x # `y`是一个向量
    y.backward()
    x.grad # 等价于y = sum(x * x)
    """,
    """
    with autograd.record():
        y = x * x
        u = y.detach()
        z = u * x
    z.backward()
    x.grad == u
    """,
]
MXNET_002_OUT = [
    """
    array([[0.],
           [0.],
           [0.],
           [0.]])
    28.0
    array([[ 0.],
           [ 4.],
           [ 8.],
           [12.]])
    """,
    """
    array([[1.],
           [1.],
           [1.],
           [1.]])
    """,
    """
    array([[0.],
           [2.],
           [4.],
           [6.]])
    """,
    """
    array([[ True],
           [ True],
           [ True],
           [ True]])
    """,
]
for _i, _name in enumerate(["mxnet_grad_2xTx", "mxnet_grad_overwritten", "mxnet_nonscalar",
                            "mxnet_detach"]):
    case(f"seed002_{_name}", MXNET_002[_i], MXNET_002_OUT[_i], mode="notebook",
         setup=_join(*MXNET_002[:_i]), marks=(FACES,))

# The blog's x comes from its wrapper (`np.arange(4.0).reshape(4, 1)`); here tf.constant. Where
# the gradient is taken, the blog repeats the GradientTape cell by mistake; d2l's
# `x_grad = t.gradient(y, x)` cell stands there.
TF_002 = [
    """
    from tapegrad import tensorflow as tf
    x = tf.constant([[0.], [1.], [2.], [3.]])
    # %%
    x = tf.Variable(x)
    # %%
    # 把所有计算记录在磁带上
    with tf.GradientTape() as t:
        y = 2 * tf.transpose(x) @ x
    float(y)
    # %%
    x_grad = t.gradient(y, x)
    x_grad
    """,
    """
    with tf.GradientTape() as t:
        y = tf.reduce_sum(x)
    t.gradient(y, x) # 被新计算的梯度覆盖
    """,
    """
    with tf.GradientTape() as t:
        y = x * x
    t.gradient(y, x) # 等价于 `y = tf.reduce_sum(x * x)`
    """,
    """
    # 设置 `persistent=True` 来运行 `t.gradient`多次
    with tf.GradientTape(persistent=True) as t:
        y = x * x
        u = tf.stop_gradient(y)
        z = u * x
    x_grad = t.gradient(z, x)
    x_grad == u
    """,
]
TF_002_OUT = [
    """
    28.0
    <tf.Tensor: shape=(4, 1), dtype=float32, numpy=
    array([[ 0.],
           [ 4.],
           [ 8.],
           [12.]], dtype=float32)>
    """,
    """
    <tf.Tensor: shape=(4, 1), dtype=float32, numpy=
    array([[1.],
           [1.],
           [1.],
           [1.]], dtype=float32)>
    """,
    """
    <tf.Tensor: shape=(4, 1), dtype=float32, numpy=
    array([[0.],
           [2.],
           [4.],
           [6.]], dtype=float32)>
    """,
    """
    <tf.Tensor: shape=(4, 1), dtype=bool, numpy=
    array([[ True],
           [ True],
           [ True],
           [ True]])>
    """,
]
for _i, _name in enumerate(["tensorflow_grad_2xTx", "tensorflow_reduce_sum", "tensorflow_nonscalar",
                            "tensorflow_stop_gradient"]):
    case(f"seed002_{_name}", TF_002[_i], TF_002_OUT[_i], mode="notebook",
         setup=_join(*TF_002[:_i]), marks=(FACES,))

# ---------------------------------------------------------------------------------------------
# Seed 003: pytorch的backward (notebook cells: "返回" marks what a cell shows). The blog lost the
# line breaks of every printed matrix, e.g. `tensor([[1., 1.],[1., 1.]], requires_grad=True)`.
# ---------------------------------------------------------------------------------------------

# `t` and `Variable` are imported only in the tutorial's next example: added here. The blog
# shows IPython's `<SumBackward0 at 0x122782978>` for y.grad_fn; repr writes `object at`.
case("seed003_variable_sum", """
    import tapegrad as t
    from tapegrad.autograd import Variable
    # %%
    #使用Tensor新建一个Variable
    x = Variable(t.ones(2, 2),requires_grad = True)
    x
    # %%
    x.grad_fn
    x.grad
    # %%
    y = x.sum()
    y
    # %%
    y.grad_fn
    # %%
    y.backward()#反向傳播,計算梯度
    # %%
    #因為y = x.sum() = (x[0][0] + x[0][1] + x[1][0] + x[1][1])
    #每個值的梯度都為1
    x.grad
""", """
    tensor([[1., 1.],
            [1., 1.]], requires_grad=True)
    tensor(4., grad_fn=<SumBackward0>)
    <SumBackward0 object at 0x122782978>
    tensor([[1., 1.],
            [1., 1.]])
""", mode="notebook")

case("seed003_nonscalar_backward_error", """
    from __future__ import print_function
    import tapegrad as t
    from tapegrad.autograd import Variable
    x = Variable(t.ones(2, 2),requires_grad = True)
    y = x + 1
    y.backward()
""", raises=(RuntimeError, SCALAR_ONLY))

# The tutorial zeroes x.grad, so x has a gradient by then: set up as after its first example.
# It shows each of the three ways from a zeroed grad, so each is a case of its own.
BACKWARD_003 = """
    import tapegrad as t
    from tapegrad.autograd import Variable
    x = Variable(t.ones(2, 2),requires_grad = True)
    x.sum().backward()
    y = x + 1
"""
case("seed003_backward_y_data", """
    x.grad.data.zero_() #將之前的值清零
    x.grad
    # %%
    y.backward(y.data)
    x.grad
""", """
    tensor([[0., 0.],
            [0., 0.]])
    tensor([[2., 2.],
            [2., 2.]])
""", mode="notebook", setup=BACKWARD_003)

case("seed003_backward_y", """
    y.backward(y)
    x.grad
""", """
    tensor([[2., 2.],
            [2., 2.]])
""", mode="notebook", setup=_join(BACKWARD_003, "x.grad.data.zero_()"))

case("seed003_backward_ones", """
    y.backward(Variable(t.ones(2, 2)))
    x.grad
""", """
    tensor([[1., 1.],
            [1., 1.]])
""", mode="notebook", setup=_join(BACKWARD_003, "x.grad.data.zero_()"))

IMPORTS_003 = """
    import tapegrad as t
    from tapegrad.autograd import Variable
    # %%
"""
case("seed003_two_by_two", _join(IMPORTS_003, """
    x = Variable(t.FloatTensor([[2, 4]]),requires_grad = True)
    y = Variable(t.zeros(1, 2))
    y[0,0] = x[0,0]**2 + 2 * x[0,1]
    y[0,1] = 2 * x[0,0] + 3 * x[0,1]**2
    y.backward(Variable(t.ones(1, 2))) #(i,j)= (1,1)
    x.grad
"""), """
    tensor([[ 6., 26.]])
""", mode="notebook")

case("seed003_three_inputs", _join(IMPORTS_003, """
    x = Variable(t.FloatTensor([[2, 4, 5]]),requires_grad = True)
    y = Variable(t.zeros(1, 2))
    y[0,0] = x[0,0]**2 + 2 * x[0,1] + 4 * x[0,2]
    y[0,1] = 2 * x[0,0] + 3 * x[0,1]**2 + x[0,2]**2
    y.backward(Variable(t.ones(1, 2)))
    x.grad
"""), """
    tensor([[ 6., 26., 14.]])
""", mode="notebook")

case("seed003_three_inputs_weighted", _join(IMPORTS_003, """
    x = Variable(t.FloatTensor([[2, 4, 5]]),requires_grad = True)
    y = Variable(t.zeros(1, 2))
    y[0,0] = x[0,0]**2 + 2 * x[0,1] + 4 * x[0,2]
    y[0,1] = 2 * x[0,0] + 3 * x[0,1]**2 + x[0,2]**2
    y.backward(Variable(t.FloatTensor([[2, 2]])))
    x.grad
"""), """
    tensor([[12., 52., 28.]])
""", mode="notebook")

# The tutorial quotes `TypeError: backward() got an unexpected keyword argument ...`; Python 3.10+
# names the method `Tensor.backward()`, and so does PyTorch 2.13 there.
case("seed003_retain_variables_error", """
    import tapegrad as t
    from tapegrad.autograd import Variable
    x = Variable(t.FloatTensor([[2, 4, 5]]),requires_grad = True)
    y = Variable(t.zeros(1, 2))
    y[0,0] = x[0,0]**2 + 2 * x[0,1] + 4 * x[0,2]
    y[0,1] = 2 * x[0,0] + 3 * x[0,1]**2 + x[0,2]**2
    j = t.zeros(3,2)#用于存放求導的值
    #(i,j)=(1,0)這樣就會對應只求得y1對x1,x2和x3的求導
    #retain_variables=True的作用是不在反向傳播后釋放內存,這樣才能夠再次反向傳播
    y.backward(Variable(t.FloatTensor([[1, 0]])),retain_variables=True)
    j[:,0] = x.grad.data
    x.grad.data.zero_() #將之前的值清零
    #(i,j)=(1,0)這樣就會對應只求得y2對x1,x2和x3的求導
    y.backward(Variable(t.FloatTensor([[0, 1]])))
    j[:,1] = x.grad.data
    print(j)
""", raises=(TypeError, RETAIN_VARIABLES))

# `j[:,0] = x.grad.data` writes a (1, 3) gradient into a (3,) column, as PyTorch allows.
case("seed003_jacobian_columns", """
    import tapegrad as t
    from tapegrad.autograd import Variable
    x = Variable(t.FloatTensor([[2, 4, 5]]),requires_grad = True)
    y = Variable(t.zeros(1, 2))
    y[0,0] = x[0,0]**2 + 2 * x[0,1] + 4 * x[0,2]
    y[0,1] = 2 * x[0,0] + 3 * x[0,1]**2 + x[0,2]**2
    j = t.zeros(3,2)#用于存放求導的值
    #(i,j)=(1,0)這樣就會對應只求得y1對x1,x2和x3的求導
    #retain_graph=True的作用是不在反向傳播后釋放內存,這樣才能夠再次反向傳播
    y.backward(Variable(t.FloatTensor([[1, 0]])),retain_graph=True)
    j[:,0] = x.grad.data
    x.grad.data.zero_() #將之前的值清零
    #(i,j)=(1,0)這樣就會對應只求得y2對x1,x2和x3的求導
    y.backward(Variable(t.FloatTensor([[0, 1]])))
    j[:,1] = x.grad.data
    print(j)
""", """
    tensor([[ 4.,  2.],
            [ 2., 24.],
            [ 4., 10.]])
""")

# The opening fragment: `net` and `output` are not shown; made concrete with an output of shape
# (1, 10), as `t.ones(1, 10)` implies.
NET_003 = """
    import tapegrad as t
    import tapegrad.nn as nn
    from tapegrad.autograd import Variable
    net = nn.Linear(4, 10)
    output = net(t.ones(1, 4))
"""
case("seed003_net_backward_error", _join(NET_003, """
    net.zero_grad() #所有參數的梯度清零
    output.backward()
"""), raises=(RuntimeError, SCALAR_ONLY), marks=(NEEDS_NN,))

case("seed003_net_backward_ones", _join(NET_003, """
    net.zero_grad() #所有參數的梯度清零
    output.backward(Variable(t.ones(1, 10))) #反向傳播
    print(net.bias.grad)
    print(net.weight.grad)
"""), """
    tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1.])
    tensor([[1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.],
            [1., 1., 1., 1.]])
""", marks=(NEEDS_NN,))

# ---------------------------------------------------------------------------------------------
# Seed 004: pytorch的backward求导.
# ---------------------------------------------------------------------------------------------

case("seed004_train_step_fragment", """
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
""", marks=(pytest.mark.skip(reason="fragment: optimizer and loss are not defined in the tutorial"),))

# The tutorial writes `v(`, a typo for the imported `V`. Its printout is a screenshot:
# tensor([15., 18.]), as its formulas give.
case("seed004_variable_mean", """
    import tapegrad as t
    from tapegrad.autograd import Variable as V
    a = V(t.tensor([2., 3.]), requires_grad=True)
    #这里要注意设置tensor的时候不能设成整数,像t.tensor([2,3])就是错的,
    #因为torch只能对浮点数做反向传播,所以要在整数后面加一个小数点将整形变为浮点型
    b = a + 3
    c = b * b * 3
    out = c.mean()
    out.backward()
    print(a.grad)
""", """
    tensor([15., 18.])
""")

# Made concrete from the comment above: `t.tensor([2,3])` is wrong.
case("seed004_integer_variable_error", """
    import tapegrad as t
    from tapegrad.autograd import Variable as V
    a = V(t.tensor([2,3]), requires_grad=True)
""", raises=(RuntimeError, FLOAT_ONLY))

# The MLP: the tutorial shows its weights, output and gradients only as screenshots of an
# unseeded run. The class is run as written (with the missing `import torch.nn as nn`), seeded,
# and what it prints is compared with numbers masked; the gradients are checked against the
# tutorial's hand formulas computed from the module's own weights.
NET_004 = """
    import tapegrad as torch
    import tapegrad.nn as nn
    class Net(nn.Module):
        def __init__(self, in_dim, out_dim):
            super(Net,self).__init__()
            self.linear1 = nn.Linear(in_dim,2)#常数2指隐藏层的神经元个数为2
            self.linear2 = nn.Linear(2,out_dim)

        def forward(self,x):
            out = self.linear1(x)
            out = self.linear2(out)

            return out
    torch.manual_seed(0)
"""


def _floats(tensor) -> list:
    values = tensor.tolist()
    return values if isinstance(values, list) else [values]


def _check_mlp_one_input(ns: dict) -> None:
    net, x = ns["net"], _floats(ns["input"])[0]
    (w1,), (w2,) = net.linear1.weight.tolist()  # input -> hidden 1, hidden 2
    ((w3, w4),) = net.linear2.weight.tolist()  # hidden 1, hidden 2 -> output
    b1, b2 = net.linear1.bias.tolist()
    (b3,) = net.linear2.bias.tolist()
    # output = input*w1*w3 + input*w2*w4 (+ the biases' terms, which the tutorial leaves out)
    assert _close(_floats(ns["output"])[0], x * w1 * w3 + x * w2 * w4 + b1 * w3 + b2 * w4 + b3)
    # d output / d input = w1*w3 + w2*w4
    assert _close(_floats(ns["input"].grad)[0], w1 * w3 + w2 * w4)
    for got, want in [
        (net.linear1.weight.grad.tolist(), [[x * w3], [x * w4]]),
        (net.linear1.bias.grad.tolist(), [w3, w4]),
        (net.linear2.weight.grad.tolist(), [[w1 * x + b1, w2 * x + b2]]),
        (net.linear2.bias.grad.tolist(), [1.0]),
    ]:
        assert _all_close(got, want), (got, want)


def _check_mlp_two_inputs(ns: dict) -> None:
    net = ns["net"]
    x1, x2 = _floats(ns["input"])
    # The tutorial's names: hidden 1 = w1*x1 + w2*x2 -> output by w6; hidden 2 = w3*x1 + w4*x2 -> w5.
    (w1, w2), (w3, w4) = net.linear1.weight.tolist()
    ((w6, w5),) = net.linear2.weight.tolist()
    b1, b2 = net.linear1.bias.tolist()
    (b3,) = net.linear2.bias.tolist()
    # output = x1*w1*w6 + x1*w3*w5 + x2*w2*w6 + x2*w4*w5 (+ the biases' terms)
    want = x1 * w1 * w6 + x1 * w3 * w5 + x2 * w2 * w6 + x2 * w4 * w5 + b1 * w6 + b2 * w5 + b3
    assert _close(_floats(ns["output"])[0], want)
    got = _floats(ns["input"].grad)
    assert _close(got[0], w1 * w6 + w3 * w5) and _close(got[1], w2 * w6 + w4 * w5), got
    for got, want in [
        (net.linear1.weight.grad.tolist(), [[w6 * x1, w6 * x2], [w5 * x1, w5 * x2]]),
        (net.linear1.bias.grad.tolist(), [w6, w5]),
        (net.linear2.weight.grad.tolist(), [[w1 * x1 + w2 * x2 + b1, w3 * x1 + w4 * x2 + b2]]),
        (net.linear2.bias.grad.tolist(), [1.0]),
    ]:
        assert _all_close(got, want), (got, want)


def _flat(values) -> list:
    return [v for row in values for v in _flat(row)] if isinstance(values, list) else [values]


def _all_close(got, want) -> bool:
    got, want = _flat(got), _flat(want)
    return len(got) == len(want) and all(_close(g, w) for g, w in zip(got, want))


case("seed004_mlp_one_input", _join(NET_004, """
    net = Net(1, 1)
    print(net)
    for name, param in net.named_parameters():
        print(name, param)
    input = torch.tensor([2.], requires_grad=True)
    output = net(input)
    output.backward()
"""), """
    Net(
      (linear1): Linear(in_features=1, out_features=2, bias=True)
      (linear2): Linear(in_features=2, out_features=1, bias=True)
    )
    linear1.weight Parameter containing:
    tensor([[-0.0075],
            [ 0.5364]], requires_grad=True)
    linear1.bias Parameter containing:
    tensor([-0.8230, -0.7359], requires_grad=True)
    linear2.weight Parameter containing:
    tensor([[-0.2723,  0.1896]], requires_grad=True)
    linear2.bias Parameter containing:
    tensor([-0.0140], requires_grad=True)
""", random=True, check=_check_mlp_one_input, marks=(NEEDS_NN,))

case("seed004_mlp_two_inputs", _join(NET_004, """
    net = Net(2, 1)
    print(net)
    for name, param in net.named_parameters():
        print(name, param)
    input = torch.tensor([2., 3.], requires_grad=True)
    output = net(input)
    output.backward()
"""), """
    Net(
      (linear1): Linear(in_features=2, out_features=2, bias=True)
      (linear2): Linear(in_features=2, out_features=1, bias=True)
    )
    linear1.weight Parameter containing:
    tensor([[-0.0053,  0.3793],
            [-0.5820, -0.5204]], requires_grad=True)
    linear1.bias Parameter containing:
    tensor([-0.2723,  0.1896], requires_grad=True)
    linear2.weight Parameter containing:
    tensor([[-0.0140,  0.5607]], requires_grad=True)
    linear2.bias Parameter containing:
    tensor([-0.0628], requires_grad=True)
""", random=True, check=_check_mlp_two_inputs, marks=(NEEDS_NN,))


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_seed(example: Case) -> None:
    namespace: dict = {"__name__": "__seed__"}
    filename = f"<{example.id}>"
    if example.setup:
        with contextlib.redirect_stdout(io.StringIO()):
            _run(_code(example.setup), "script", namespace, filename + "-setup")
    out = io.StringIO()
    with contextlib.ExitStack() as stack:
        if example.warns:
            category, start = example.warns
            stack.enter_context(pytest.warns(category, match="^" + re.escape(start)))
        raised = stack.enter_context(pytest.raises(example.raises[0])) if example.raises else None
        stack.enter_context(contextlib.redirect_stdout(out))
        _run(_code(example.code), example.mode, namespace, filename)
    if raised is not None:
        assert str(raised.value) == example.raises[1]
    assert _normalise(out.getvalue(), example.random) == _normalise(example.out, example.random)
    if example.check is not None:
        example.check(namespace)


def test_every_case_id_is_unique_and_names_its_seed() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"seed00[0-4]_[a-z0-9_A-Z]+", i) for i in ids)
