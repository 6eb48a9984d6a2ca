"""`python -m tapegrad tour`: the tutorials' autograd examples, run on tapegrad, with their output.

Each step shows the code (as a PyTorch tutorial writes it, `torch` being tapegrad) and what it
prints. The pictures and the training run arrive with the visualisation issue.
"""
import contextlib
import io
import sys
import textwrap

STEPS = [
    ("Derivative of y = x^2 at x = 3", """
        x = torch.tensor(3.0, requires_grad=True)
        y = torch.pow(x, 2)
        print(x.requires_grad, y.requires_grad)
        y.backward()
        print(x.grad)
    """),
    ("Only leaves that require grad get a gradient", """
        x = torch.tensor(3.0, requires_grad=True)
        y = torch.tensor(4.0, requires_grad=False)
        z = torch.pow(x, 2) + torch.pow(y, 2)
        z.backward()
        print(x.grad, y.grad)
    """),
    ("A scalar w.r.t. a vector: Y = X.W + b", """
        X = torch.tensor([1.5, 2.5, 3.5], requires_grad=False)
        W = torch.tensor([0.2, 0.4, 0.6], requires_grad=True)
        b = torch.tensor(0.1, requires_grad=True)
        Y = torch.add(torch.dot(X, W), b)
        Y.backward()
        print(W.grad)
        print(b.grad)
    """),
    ("A chain of ops on a matrix, reduced by mean", """
        x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        y = torch.add(x, 1)
        z = 2 * torch.pow(y, 2)
        f = torch.mean(z)
        f.backward()
        print(x.grad)
    """),
    ("A vector output needs the `gradient` argument (a vector-Jacobian product)", """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        y = torch.pow(x, 2)
        y.backward(torch.tensor([1.0, 0.1, 0.01]))
        print(x.grad)
        try:
            torch.pow(x, 2).backward()
        except RuntimeError as error:
            print("RuntimeError:", error)
    """),
    ("Higher-order derivatives with create_graph", """
        x = torch.tensor(5.0, requires_grad=True)
        y = torch.pow(x, 3)
        grad_x = torch.autograd.grad(y, x, create_graph=True)
        print(grad_x)
        grad_grad_x = torch.autograd.grad(grad_x[0], x)
        print(grad_grad_x)
    """),
    ("The graph is freed after backward unless retain_graph=True", """
        x = torch.tensor(2.0, requires_grad=True)
        p = torch.exp(x) * 3
        p.backward(retain_graph=True)
        p.backward()
        print(x.grad)
        try:
            p.backward()
        except RuntimeError as error:
            print("RuntimeError:", str(error)[:60], "...")
    """),
    ("Writing into a tensor records the write (CopySlices): a Jacobian column by column", """
        from tapegrad.autograd import Variable
        x = Variable(torch.FloatTensor([[2, 4, 5]]), requires_grad=True)
        y = Variable(torch.zeros(1, 2))
        y[0, 0] = x[0, 0] ** 2 + 2 * x[0, 1] + 4 * x[0, 2]
        y[0, 1] = 2 * x[0, 0] + 3 * x[0, 1] ** 2 + x[0, 2] ** 2
        print(y)
        j = torch.zeros(3, 2)
        y.backward(torch.FloatTensor([[1, 0]]), retain_graph=True)
        j[:, 0] = x.grad.data
        x.grad.data.zero_()
        y.backward(torch.FloatTensor([[0, 1]]))
        j[:, 1] = x.grad.data
        print(j)
    """),
    ("Gradients accumulate until you zero them; detach() cuts the graph", """
        x = torch.arange(4.0, requires_grad=True)
        y = 2 * torch.dot(x, x)
        y.backward()
        print(x.grad)
        x.grad.zero_()
        y = x * x
        u = y.detach()
        z = u * x
        z.sum().backward()
        print(x.grad == u)
    """),
    ("A tiny network: d output / d input = w1*w3 + w2*w4", """
        import tapegrad.nn as nn
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1))
        x = torch.tensor([2.0], requires_grad=True)
        net(x).backward()
        (w1,), (w2,) = net[0].weight.tolist()
        ((w3, w4),) = net[1].weight.tolist()
        print(net)
        print(x.grad, "==", round(w1 * w3 + w2 * w4, 4))
    """),
]


def tour(out=sys.stdout):
    """Run every step, printing its code and its output."""
    import tapegrad
    for number, (title, code) in enumerate(STEPS, 1):
        code = textwrap.dedent(code).strip()
        print(f"\n[{number}/{len(STEPS)}] {title}", file=out)
        for line in code.splitlines():
            print(("    ... " if line[:1].isspace() else "    >>> ") + line, file=out)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, f"<tour step {number}>", "exec"), {"torch": tapegrad})
        print(textwrap.indent(buffer.getvalue().rstrip(), "    "), file=out)
    print("\nEvery example above ran on tapegrad (NumPy only) with `import tapegrad as torch`.", file=out)


def main(argv=None):
    """The command line: `python -m tapegrad tour` (the default); returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "tour"
    if command == "tour":
        tour()
        return 0
    print("usage: python -m tapegrad [tour]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
