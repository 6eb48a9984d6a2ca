"""Tensor repr formatting that reproduces PyTorch's output character for character.

``Tensor.__repr__`` hands its NumPy buffer here so that ``repr(t)`` in tapegrad
prints exactly what ``repr`` of the same tensor prints in PyTorch: the same
4-digit fixed/scientific choice, column widths, line wrapping, ``...``
summarisation and ``dtype=``/``grad_fn=`` suffixes.  The rules are a port of
``torch/_tensor_str.py`` onto NumPy arrays; keep them in step with it rather
than with NumPy's own printing, which differs in many details.

It depends on nothing in tapegrad but the backend module, so it can be
imported (and tested) on its own.
"""

import contextlib
import math

from ._backend import xp as np

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions"]


class _PrintOptions:
    # Mutable module-level state, like torch's PRINT_OPTS, because
    # set_printoptions is global in PyTorch too.
    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set global printing options, with the same semantics as ``torch.set_printoptions``.

    ``profile`` ('default', 'short' or 'full') is applied first and the explicit
    arguments override it.  As in torch, ``sci_mode`` is always assigned, so a
    call without it returns to automatic choice of scientific notation.
    """
    if profile is not None and profile in _PROFILES:
        for key, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """Return the current options as a dict that can be passed back to ``set_printoptions``."""
    return {
        "precision": PRINT_OPTS.precision,
        "threshold": PRINT_OPTS.threshold,
        "edgeitems": PRINT_OPTS.edgeitems,
        "linewidth": PRINT_OPTS.linewidth,
        "sci_mode": PRINT_OPTS.sci_mode,
    }


class printoptions(contextlib.ContextDecorator):
    """Context manager (and decorator) that temporarily changes the print options.

    Accepts the same keyword arguments as :func:`set_printoptions`; the previous
    options are restored on exit, even if the body raises.
    """

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._saved = []

    def __enter__(self):
        # A stack rather than one slot so a single instance may be re-entered.
        self._saved.append(get_printoptions())
        set_printoptions(**self._kwargs)
        return self

    def __exit__(self, *exc_info):
        set_printoptions(**self._saved.pop())
        return False


# ---------------------------------------------------------------------------
# dtype handling

_ALIASES = {
    "float": "float32", "double": "float64", "half": "float16", "long": "int64", "int": "int32",
    "short": "int16", "cfloat": "complex64", "cdouble": "complex128",
}


def _canonical_dtype(dtype_name):
    name = str(dtype_name)
    if name.startswith("torch."):
        name = name[len("torch."):]
    return _ALIASES.get(name, name)


def _is_floating(name):
    return name.startswith("float") or name == "bfloat16"


def _as_array(data, name):
    arr = np.asarray(data)
    # Cast so that the printed digits are those of the stored dtype (e.g. a
    # float64 buffer labelled float32 prints float32-rounded values, as torch would).
    try:
        target = np.dtype(name)
    except TypeError:
        return arr  # a dtype NumPy lacks (bfloat16): print what we were given
    if arr.dtype == target:
        return arr
    # Overflow to inf (e.g. into float16) is the value torch would hold too; don't warn.
    with np.errstate(over="ignore", invalid="ignore"):
        return arr.astype(target)


# ---------------------------------------------------------------------------
# Element formatting (port of torch._tensor_str._Formatter)

class _Formatter:
    """Decides one shared style and column width for every element of a tensor."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = np.asarray(values).reshape(-1)
        # Widths depend only on the set of distinct values, so unique() keeps this
        # cheap for large un-summarised tensors without changing the result.
        if not floating:
            for value in np.unique(flat).tolist():
                self.max_width = max(self.max_width, len(str(value)))
            return
        # nan, inf and zero never influence the style, only genuine magnitudes do.
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        # float64 as torch does: float16 would overflow at the 1e8 test.
        absolute = np.abs(finite.astype(np.float64))
        lo, hi = absolute.min(), absolute.max()
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        precision = PRINT_OPTS.precision
        if self.sci_mode:
            spec, extra = f".{precision}e", 0
        elif self.int_mode:
            spec, extra = ".0f", 1  # +1 for the trailing '.' that marks a float
        else:
            spec, extra = f".{precision}f", 0
        for value in np.unique(finite.astype(np.float64)).tolist():
            self.max_width = max(self.max_width, len(format(value, spec)) + extra)

    def width(self):
        return self.max_width

    def format(self, value):
        """Format one Python scalar, right-aligned to the shared width."""
        if self.floating:
            if self.sci_mode:
                ret = format(value, f"{self.max_width}.{PRINT_OPTS.precision}e")
            elif self.int_mode:
                ret = format(value, ".0f")
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = format(value, f".{PRINT_OPTS.precision}f")
        else:
            ret = str(value)
        return ret.rjust(self.max_width)


def _complex_str(value, real_fmt, imag_fmt):
    real_str = real_fmt.format(value.real)
    imag_str = (imag_fmt.format(value.imag) + "j").lstrip()
    # The imaginary part carries its own sign unless it is non-negative.
    if imag_str[0] in "+-":
        return real_str + imag_str
    return real_str + "+" + imag_str


def _element_str(value, fmt1, fmt2):
    return fmt1.format(value) if fmt2 is None else _complex_str(value, fmt1, fmt2)


# ---------------------------------------------------------------------------
# Layout (port of _vector_str / _tensor_str_with_formatter / get_summarized_data)

def _vector_str(arr, indent, summarize, fmt1, fmt2):
    # Element width plus the ", " separator; complex adds the imaginary part and 'j'.
    element_length = fmt1.width() + 2
    if fmt2 is not None:
        element_length += fmt2.width() + 1
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems

    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = ([_element_str(v, fmt1, fmt2) for v in arr[:edge].tolist()] + [" ..."]
                + [_element_str(v, fmt1, fmt2) for v in arr[-edge:].tolist()])
    else:
        data = [_element_str(v, fmt1, fmt2) for v in arr.tolist()]

    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr, indent, summarize, fmt1, fmt2):
    if arr.ndim == 0:
        return _element_str(arr.item(), fmt1, fmt2)
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt1, fmt2)

    edge = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        rows = ([_nested_str(arr[i], indent + 1, summarize, fmt1, fmt2) for i in range(edge)]
                + ["..."]
                + [_nested_str(arr[i], indent + 1, summarize, fmt1, fmt2) for i in range(n - edge, n)])
    else:
        rows = [_nested_str(arr[i], indent + 1, summarize, fmt1, fmt2) for i in range(n)]
    # Deeper nesting gets more blank lines between blocks, as in torch.
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _summarized_data(arr):
    """The elements that will actually be shown, so hidden ones cannot widen columns."""
    edge = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        if arr.shape[0] > 2 * edge:
            # arr[-0:] is the whole array; torch has the same quirk for edgeitems=0.
            return np.concatenate((arr[:edge], arr[-edge:]))
        return arr
    if not edge:
        return np.empty([0] * arr.ndim, dtype=arr.dtype)
    n = arr.shape[0]
    picks = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.stack([_summarized_data(arr[i]) for i in picks])


def _tensor_str(arr, name, indent):
    summarize = arr.size > PRINT_OPTS.threshold
    if name.startswith("complex"):
        real, imag = arr.real, arr.imag
        fmt1 = _Formatter(_summarized_data(real) if summarize else real, True)
        fmt2 = _Formatter(_summarized_data(imag) if summarize else imag, True)
        return _nested_str(arr, indent, summarize, fmt1, fmt2)
    fmt = _Formatter(_summarized_data(arr) if summarize else arr, _is_floating(name))
    return _nested_str(arr, indent, summarize, fmt, None)


def _add_suffixes(tensor_str, suffixes, indent):
    parts = [tensor_str]
    # Mirrors torch's arithmetic (including its +1 when there is no newline)
    # so suffixes wrap at exactly the same point.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(data, dtype_name, *, grad_fn_name=None, requires_grad=False, prefix="tensor(",
                  default_dtype_name="float32"):
    """Return the full PyTorch-style repr of a tensor, e.g. ``'tensor([1.5000, 2.0000], requires_grad=True)'``.

    ``data`` is a NumPy array of any shape (0-d and empty included) or a NumPy
    scalar; ``dtype_name`` is tapegrad's dtype name ('float32', 'int64', 'bool',
    'complex64', ...).  ``grad_fn_name`` adds ``grad_fn=<...>`` and takes
    precedence over ``requires_grad``, which adds ``requires_grad=True``.
    ``prefix`` opens the repr and sets the continuation-line indentation.
    ``default_dtype_name`` is the current default float dtype, which (like
    int64, bool and its complex counterpart) is not shown as a ``dtype=`` suffix.
    """
    name = _canonical_dtype(dtype_name)
    default_name = _canonical_dtype(default_dtype_name)
    arr = _as_array(data, name)
    indent = len(prefix)
    suffixes = []
    dtype_suffix = "dtype=torch." + name

    if arr.size == 0:
        # Only (0,) is implied by '[]'; any other empty shape must be spelled out.
        if arr.ndim != 1:
            suffixes.append("size=" + str(tuple(arr.shape)))
        # With no elements to show, even int64/bool need their dtype stated.
        if name != default_name:
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(arr.shape)))
        default_complex = "complex128" if default_name == "float64" else "complex64"
        if name not in (default_name, default_complex, "int64", "bool"):
            suffixes.append(dtype_suffix)
        body = _tensor_str(arr, name, indent)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
