"""Golden tests for ``tapegrad._printing``.

Every expected string below was printed by real PyTorch 2.13 (``repr`` of the
same values and dtype), so these tests pin tapegrad's tensor repr to torch's
character for character without needing torch installed.
"""

import importlib.util
import math
import pathlib

import numpy as np
import pytest

try:
    from tapegrad import _printing
except Exception:  # noqa: BLE001 - the rest of the package may not import yet
    # _printing is standalone by design, so load it straight from its file.
    _path = pathlib.Path(__file__).resolve().parents[1] / "src" / "tapegrad" / "_printing.py"
    _spec = importlib.util.spec_from_file_location("_tapegrad_printing_standalone", _path)
    _printing = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_printing)

format_tensor = _printing.format_tensor
set_printoptions = _printing.set_printoptions
get_printoptions = _printing.get_printoptions
printoptions = _printing.printoptions

DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
GRAD = {"grad_fn_name": "MulBackward0"}


@pytest.fixture(autouse=True)
def _restore_printoptions():
    # Print options are global state; never let one test leak them into another.
    yield
    set_printoptions(profile="default")


# (id, data factory, dtype_name, format_tensor kwargs, what torch 2.13 prints)
CASES = [
    ('0d_float_frac', lambda: np.array(1.5), 'float32', {},
     'tensor(1.5000)'),
    ('0d_float_int', lambda: np.array(2.0), 'float32', {},
     'tensor(2.)'),
    ('0d_neg_zero', lambda: np.array(-0.0), 'float32', {},
     'tensor(-0.)'),
    ('0d_zero', lambda: np.array(0.0), 'float32', {},
     'tensor(0.)'),
    ('0d_small', lambda: np.array(1e-5), 'float32', {},
     'tensor(1.0000e-05)'),
    ('0d_big', lambda: np.array(123456789.0), 'float32', {},
     'tensor(1.2346e+08)'),
    ('0d_int64', lambda: np.array(3), 'int64', {},
     'tensor(3)'),
    ('0d_int32', lambda: np.array(-5), 'int32', {},
     'tensor(-5, dtype=torch.int32)'),
    ('0d_bool', lambda: np.array(True), 'bool', {},
     'tensor(True)'),
    ('0d_float64', lambda: np.array(1.0), 'float64', {},
     'tensor(1., dtype=torch.float64)'),
    ('0d_float64_pi', lambda: np.array(np.pi), 'float64', {},
     'tensor(3.1416, dtype=torch.float64)'),
    ('0d_float16', lambda: np.array(0.1), 'float16', {},
     'tensor(0.1000, dtype=torch.float16)'),
    ('0d_nan', lambda: np.array(np.nan), 'float32', {},
     'tensor(nan)'),
    ('0d_inf', lambda: np.array(np.inf), 'float32', {},
     'tensor(inf)'),
    ('0d_neginf', lambda: np.array(-np.inf), 'float32', {},
     'tensor(-inf)'),
    ('np_scalar', lambda: np.float32(0.1), 'float32', {},
     'tensor(0.1000)'),
    ('0d_requires_grad', lambda: np.array(2.5), 'float32', {'requires_grad': True},
     'tensor(2.5000, requires_grad=True)'),
    ('0d_grad_fn_f64', lambda: np.array(2.0), 'float64', GRAD,
     'tensor(2., dtype=torch.float64, grad_fn=<MulBackward0>)'),
    ('1d_frac', lambda: np.array([1.5, 2.0]), 'float32', {},
     'tensor([1.5000, 2.0000])'),
    ('1d_ints_as_float', lambda: np.array([1.0, 2.0, 3.0]), 'float32', {},
     'tensor([1., 2., 3.])'),
    ('1d_tenths', lambda: np.array([0.1, 0.2, 0.3]), 'float32', {},
     'tensor([0.1000, 0.2000, 0.3000])'),
    ('1d_mixed_sign', lambda: np.array([1.0, -2.5, 3.25]), 'float32', {},
     'tensor([ 1.0000, -2.5000,  3.2500])'),
    ('1d_mixed_sign_int', lambda: np.array([-1.0, 20.0, -300.0]), 'float32', {},
     'tensor([  -1.,   20., -300.])'),
    ('1d_zeros', lambda: np.zeros(3), 'float32', {},
     'tensor([0., 0., 0.])'),
    ('1d_neg_zero', lambda: np.array([-0.0, 0.0, 1.0]), 'float32', {},
     'tensor([-0., 0., 1.])'),
    ('1d_tiny_and_one', lambda: np.array([1e-5, 1.0]), 'float32', {},
     'tensor([1.0000e-05, 1.0000e+00])'),
    ('1d_huge_and_one', lambda: np.array([1e9, 1.0]), 'float32', {},
     'tensor([1.0000e+09, 1.0000e+00])'),
    ('1d_ratio_1000', lambda: np.array([1.0, 1000.0]), 'float32', {},
     'tensor([   1., 1000.])'),
    ('1d_ratio_1001', lambda: np.array([1.0, 1001.0]), 'float32', {},
     'tensor([1.0000e+00, 1.0010e+03])'),
    ('1d_ratio_frac_sci', lambda: np.array([0.00012345, 12.5]), 'float32', {},
     'tensor([1.2345e-04, 1.2500e+01])'),
    ('1d_min_below_1e-4', lambda: np.array([0.99e-4, 0.5e-4]), 'float32', {},
     'tensor([9.9000e-05, 5.0000e-05])'),
    ('1d_max_above_1e8', lambda: np.array([2e8, 3e8]), 'float32', {},
     'tensor([2.0000e+08, 3.0000e+08])'),
    ('1d_sci_negative', lambda: np.array([-1e-6, 2.5, -3e3]), 'float32', {},
     'tensor([-1.0000e-06,  2.5000e+00, -3.0000e+03])'),
    ('1d_nan_inf', lambda: np.array([np.nan, 1.0, np.inf, -np.inf]), 'float32', {},
     'tensor([nan, 1., inf, -inf])'),
    ('1d_nan_frac', lambda: np.array([np.nan, 1.5]), 'float32', {},
     'tensor([   nan, 1.5000])'),
    ('1d_inf_sci', lambda: np.array([np.inf, 1e-7, 1.0]), 'float32', {},
     'tensor([       inf, 1.0000e-07, 1.0000e+00])'),
    ('1d_all_nan', lambda: np.array([np.nan, np.nan]), 'float32', {},
     'tensor([nan, nan])'),
    ('1d_large_ints_float', lambda: np.array([12345678.0, 1.0e4]), 'float32', {},
     'tensor([1.2346e+07, 1.0000e+04])'),
    ('1d_rounding_width', lambda: np.array([9.99996, 1.5]), 'float32', {},
     'tensor([10.0000,  1.5000])'),
    ('1d_wrap_float', lambda: np.arange(30) / 7, 'float32', {},
     ('tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n'
      '        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n'
      '        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n'
      '        3.8571, 4.0000, 4.1429])')),
    ('1d_wrap_float64', lambda: np.linspace(-1, 1, 50), 'float64', {},
     ('tensor([-1.0000, -0.9592, -0.9184, -0.8776, -0.8367, -0.7959, -0.7551, -0.7143,\n'
      '        -0.6735, -0.6327, -0.5918, -0.5510, -0.5102, -0.4694, -0.4286, -0.3878,\n'
      '        -0.3469, -0.3061, -0.2653, -0.2245, -0.1837, -0.1429, -0.1020, -0.0612,\n'
      '        -0.0204,  0.0204,  0.0612,  0.1020,  0.1429,  0.1837,  0.2245,  0.2653,\n'
      '         0.3061,  0.3469,  0.3878,  0.4286,  0.4694,  0.5102,  0.5510,  0.5918,\n'
      '         0.6327,  0.6735,  0.7143,  0.7551,  0.7959,  0.8367,  0.8776,  0.9184,\n'
      '         0.9592,  1.0000], dtype=torch.float64)')),
    ('1d_summarized_float', lambda: np.arange(2000) * 0.5, 'float32', {},
     ('tensor([0.0000e+00, 5.0000e-01, 1.0000e+00,  ..., 9.9850e+02, 9.9900e+02,\n'
      '        9.9950e+02])')),
    ('1d_summarized_mixed', lambda: np.repeat([1e-6, 7.0, 2.0], [500, 1000, 500]), 'float32', {},
     ('tensor([1.0000e-06, 1.0000e-06, 1.0000e-06,  ..., 2.0000e+00, 2.0000e+00,\n'
      '        2.0000e+00])')),
    ('1d_float16', lambda: np.array([1.0, 2.0]), 'float16', {},
     'tensor([1., 2.], dtype=torch.float16)'),
    ('1d_float16_frac', lambda: np.array([0.1, 0.2, 65504.0]), 'float16', {},
     'tensor([9.9976e-02, 1.9995e-01, 6.5504e+04], dtype=torch.float16)'),
    ('1d_float16_small', lambda: np.array([1e-3, 3.0]), 'float16', {},
     'tensor([1.0004e-03, 3.0000e+00], dtype=torch.float16)'),
    ('1d_float64_frac', lambda: np.array([0.1, 1.0 / 3.0]), 'float64', {},
     'tensor([0.1000, 0.3333], dtype=torch.float64)'),
    ('1d_int64', lambda: np.array([1, 2, 3]), 'int64', {},
     'tensor([1, 2, 3])'),
    ('1d_int64_widths', lambda: np.array([-1, 10, 100, -1000]), 'int64', {},
     'tensor([   -1,    10,   100, -1000])'),
    ('1d_int32', lambda: np.array([1, 2]), 'int32', {},
     'tensor([1, 2], dtype=torch.int32)'),
    ('1d_int16', lambda: np.array([-300, 7]), 'int16', {},
     'tensor([-300,    7], dtype=torch.int16)'),
    ('1d_int8', lambda: np.array([-128, 127, 0]), 'int8', {},
     'tensor([-128,  127,    0], dtype=torch.int8)'),
    ('1d_uint8', lambda: np.array([0, 255, 9]), 'uint8', {},
     'tensor([  0, 255,   9], dtype=torch.uint8)'),
    ('1d_bool', lambda: np.array([True, False, True]), 'bool', {},
     'tensor([ True, False,  True])'),
    ('1d_bool_all_true', lambda: np.array([True, True]), 'bool', {},
     'tensor([True, True])'),
    ('1d_wrap_int', lambda: np.arange(100), 'int64', {},
     ('tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n'
      '        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n'
      '        36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53,\n'
      '        54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,\n'
      '        72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89,\n'
      '        90, 91, 92, 93, 94, 95, 96, 97, 98, 99])')),
    ('1d_wrap_int32', lambda: np.arange(60) * 1000, 'int32', {},
     ('tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,\n'
      '        10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000,\n'
      '        20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000, 29000,\n'
      '        30000, 31000, 32000, 33000, 34000, 35000, 36000, 37000, 38000, 39000,\n'
      '        40000, 41000, 42000, 43000, 44000, 45000, 46000, 47000, 48000, 49000,\n'
      '        50000, 51000, 52000, 53000, 54000, 55000, 56000, 57000, 58000, 59000],\n'
      '       dtype=torch.int32)')),
    ('1d_summarized_int', lambda: np.arange(1001), 'int64', {},
     'tensor([   0,    1,    2,  ...,  998,  999, 1000])'),
    ('1d_summarized_bool', lambda: np.arange(1500) % 3 == 0, 'bool', {},
     'tensor([ True, False, False,  ...,  True, False, False])'),
    ('1d_big_int64', lambda: np.array([2**40, -3]), 'int64', {},
     'tensor([1099511627776,            -3])'),
    ('1d_requires_grad', lambda: np.array([1.5, 2.0]), 'float32', {'requires_grad': True},
     'tensor([1.5000, 2.0000], requires_grad=True)'),
    ('1d_grad_fn', lambda: np.array([1.5, 2.0]), 'float32', GRAD,
     'tensor([1.5000, 2.0000], grad_fn=<MulBackward0>)'),
    ('1d_f64_requires_grad', lambda: np.array([1.0, 2.0]), 'float64', {'requires_grad': True},
     'tensor([1., 2.], dtype=torch.float64, requires_grad=True)'),
    ('1d_suffix_wraps', lambda: np.full(8, 1.2345), 'float32', {'requires_grad': True},
     ('tensor([1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345],\n'
      '       requires_grad=True)')),
    ('1d_suffix_just_fits', lambda: np.full(6, 1.2345), 'float32', {'requires_grad': True},
     'tensor([1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345], requires_grad=True)'),
    ('1d_suffix_dtype_wraps', lambda: np.full(8, 1.2345), 'float64', GRAD,
     ('tensor([1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345, 1.2345],\n'
      '       dtype=torch.float64, grad_fn=<MulBackward0>)')),
    ('1d_multiline_grad', lambda: np.arange(30) / 7, 'float64', GRAD,
     ('tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n'
      '        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n'
      '        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n'
      '        3.8571, 4.0000, 4.1429], dtype=torch.float64, grad_fn=<MulBackward0>)')),
    ('2d_ints_as_float', lambda: np.array([[1.0, 2.0], [3.0, 4.0]]), 'float32', {},
     ('tensor([[1., 2.],\n'
      '        [3., 4.]])')),
    ('2d_mixed', lambda: np.array([[1.5, -2.25], [1e3, 4.0]]), 'float32', {},
     ('tensor([[   1.5000,   -2.2500],\n'
      '        [1000.0000,    4.0000]])')),
    ('2d_sci', lambda: np.array([[1.5, -2.25], [1e5, 4.0]]), 'float32', {},
     ('tensor([[ 1.5000e+00, -2.2500e+00],\n'
      '        [ 1.0000e+05,  4.0000e+00]])')),
    ('2d_zeros', lambda: np.zeros((2, 3)), 'float32', {},
     ('tensor([[0., 0., 0.],\n'
      '        [0., 0., 0.]])')),
    ('2d_int', lambda: np.array([[1, -20], [300, 4]]), 'int64', {},
     ('tensor([[  1, -20],\n'
      '        [300,   4]])')),
    ('2d_bool', lambda: np.array([[True, False], [False, False]]), 'bool', {},
     ('tensor([[ True, False],\n'
      '        [False, False]])')),
    ('2d_frac', lambda: (np.arange(12).reshape(3, 4) - 5) / 7, 'float32', {},
     ('tensor([[-0.7143, -0.5714, -0.4286, -0.2857],\n'
      '        [-0.1429,  0.0000,  0.1429,  0.2857],\n'
      '        [ 0.4286,  0.5714,  0.7143,  0.8571]])')),
    ('2d_wide_wraps', lambda: (np.arange(90).reshape(3, 30) - 40) * 0.25, 'float32', {},
     ('tensor([[-10.0000,  -9.7500,  -9.5000,  -9.2500,  -9.0000,  -8.7500,  -8.5000,\n'
      '          -8.2500,  -8.0000,  -7.7500,  -7.5000,  -7.2500,  -7.0000,  -6.7500,\n'
      '          -6.5000,  -6.2500,  -6.0000,  -5.7500,  -5.5000,  -5.2500,  -5.0000,\n'
      '          -4.7500,  -4.5000,  -4.2500,  -4.0000,  -3.7500,  -3.5000,  -3.2500,\n'
      '          -3.0000,  -2.7500],\n'
      '        [ -2.5000,  -2.2500,  -2.0000,  -1.7500,  -1.5000,  -1.2500,  -1.0000,\n'
      '          -0.7500,  -0.5000,  -0.2500,   0.0000,   0.2500,   0.5000,   0.7500,\n'
      '           1.0000,   1.2500,   1.5000,   1.7500,   2.0000,   2.2500,   2.5000,\n'
      '           2.7500,   3.0000,   3.2500,   3.5000,   3.7500,   4.0000,   4.2500,\n'
      '           4.5000,   4.7500],\n'
      '        [  5.0000,   5.2500,   5.5000,   5.7500,   6.0000,   6.2500,   6.5000,\n'
      '           6.7500,   7.0000,   7.2500,   7.5000,   7.7500,   8.0000,   8.2500,\n'
      '           8.5000,   8.7500,   9.0000,   9.2500,   9.5000,   9.7500,  10.0000,\n'
      '          10.2500,  10.5000,  10.7500,  11.0000,  11.2500,  11.5000,  11.7500,\n'
      '          12.0000,  12.2500]])')),
    ('2d_summarized', lambda: np.arange(10000).reshape(100, 100) / 3, 'float32', {},
     ('tensor([[0.0000e+00, 3.3333e-01, 6.6667e-01,  ..., 3.2333e+01, 3.2667e+01,\n'
      '         3.3000e+01],\n'
      '        [3.3333e+01, 3.3667e+01, 3.4000e+01,  ..., 6.5667e+01, 6.6000e+01,\n'
      '         6.6333e+01],\n'
      '        [6.6667e+01, 6.7000e+01, 6.7333e+01,  ..., 9.9000e+01, 9.9333e+01,\n'
      '         9.9667e+01],\n'
      '        ...,\n'
      '        [3.2333e+03, 3.2337e+03, 3.2340e+03,  ..., 3.2657e+03, 3.2660e+03,\n'
      '         3.2663e+03],\n'
      '        [3.2667e+03, 3.2670e+03, 3.2673e+03,  ..., 3.2990e+03, 3.2993e+03,\n'
      '         3.2997e+03],\n'
      '        [3.3000e+03, 3.3003e+03, 3.3007e+03,  ..., 3.3323e+03, 3.3327e+03,\n'
      '         3.3330e+03]])')),
    ('2d_summarized_rows', lambda: np.arange(4000).reshape(2000, 2), 'float32', {},
     ('tensor([[0.0000e+00, 1.0000e+00],\n'
      '        [2.0000e+00, 3.0000e+00],\n'
      '        [4.0000e+00, 5.0000e+00],\n'
      '        ...,\n'
      '        [3.9940e+03, 3.9950e+03],\n'
      '        [3.9960e+03, 3.9970e+03],\n'
      '        [3.9980e+03, 3.9990e+03]])')),
    ('2d_summarized_cols_int', lambda: np.arange(4000).reshape(2, 2000), 'int32', {},
     ('tensor([[   0,    1,    2,  ..., 1997, 1998, 1999],\n'
      '        [2000, 2001, 2002,  ..., 3997, 3998, 3999]], dtype=torch.int32)')),
    ('2d_float64_grad', lambda: np.array([[0.5, 1.0], [2.0, -3.0]]), 'float64', GRAD,
     ('tensor([[ 0.5000,  1.0000],\n'
      '        [ 2.0000, -3.0000]], dtype=torch.float64, grad_fn=<MulBackward0>)')),
    ('2d_requires_grad', lambda: np.array([[0.5, 1.0], [2.0, -3.0]]), 'float32', {'requires_grad': True},
     ('tensor([[ 0.5000,  1.0000],\n'
      '        [ 2.0000, -3.0000]], requires_grad=True)')),
    ('2d_nan', lambda: np.array([[np.nan, 1.0], [2.0, np.inf]]), 'float32', {},
     ('tensor([[nan, 1.],\n'
      '        [2., inf]])')),
    ('3d_arange', lambda: np.arange(24).reshape(2, 3, 4), 'int64', {},
     ('tensor([[[ 0,  1,  2,  3],\n'
      '         [ 4,  5,  6,  7],\n'
      '         [ 8,  9, 10, 11]],\n'
      '\n'
      '        [[12, 13, 14, 15],\n'
      '         [16, 17, 18, 19],\n'
      '         [20, 21, 22, 23]]])')),
    ('3d_float', lambda: np.arange(8).reshape(2, 2, 2) * 0.37 - 1, 'float32', {},
     ('tensor([[[-1.0000, -0.6300],\n'
      '         [-0.2600,  0.1100]],\n'
      '\n'
      '        [[ 0.4800,  0.8500],\n'
      '         [ 1.2200,  1.5900]]])')),
    ('4d_float', lambda: np.arange(4).reshape(1, 2, 1, 2) + 0.5, 'float32', {},
     ('tensor([[[[0.5000, 1.5000]],\n'
      '\n'
      '         [[2.5000, 3.5000]]]])')),
    ('3d_summarized', lambda: np.arange(1010).reshape(101, 2, 5) * 1.5, 'float32', {},
     ('tensor([[[0.0000e+00, 1.5000e+00, 3.0000e+00, 4.5000e+00, 6.0000e+00],\n'
      '         [7.5000e+00, 9.0000e+00, 1.0500e+01, 1.2000e+01, 1.3500e+01]],\n'
      '\n'
      '        [[1.5000e+01, 1.6500e+01, 1.8000e+01, 1.9500e+01, 2.1000e+01],\n'
      '         [2.2500e+01, 2.4000e+01, 2.5500e+01, 2.7000e+01, 2.8500e+01]],\n'
      '\n'
      '        [[3.0000e+01, 3.1500e+01, 3.3000e+01, 3.4500e+01, 3.6000e+01],\n'
      '         [3.7500e+01, 3.9000e+01, 4.0500e+01, 4.2000e+01, 4.3500e+01]],\n'
      '\n'
      '        ...,\n'
      '\n'
      '        [[1.4700e+03, 1.4715e+03, 1.4730e+03, 1.4745e+03, 1.4760e+03],\n'
      '         [1.4775e+03, 1.4790e+03, 1.4805e+03, 1.4820e+03, 1.4835e+03]],\n'
      '\n'
      '        [[1.4850e+03, 1.4865e+03, 1.4880e+03, 1.4895e+03, 1.4910e+03],\n'
      '         [1.4925e+03, 1.4940e+03, 1.4955e+03, 1.4970e+03, 1.4985e+03]],\n'
      '\n'
      '        [[1.5000e+03, 1.5015e+03, 1.5030e+03, 1.5045e+03, 1.5060e+03],\n'
      '         [1.5075e+03, 1.5090e+03, 1.5105e+03, 1.5120e+03, 1.5135e+03]]])')),
    ('3d_grad_fn', lambda: np.arange(8).reshape(2, 2, 2) * 1.0, 'float32', GRAD,
     ('tensor([[[0., 1.],\n'
      '         [2., 3.]],\n'
      '\n'
      '        [[4., 5.],\n'
      '         [6., 7.]]], grad_fn=<MulBackward0>)')),
    ('empty_float', lambda: np.zeros(0), 'float32', {},
     'tensor([])'),
    ('empty_2d', lambda: np.zeros((0, 3)), 'float32', {},
     'tensor([], size=(0, 3))'),
    ('empty_int64', lambda: np.zeros(0), 'int64', {},
     'tensor([], dtype=torch.int64)'),
    ('empty_bool', lambda: np.zeros(0), 'bool', {},
     'tensor([], dtype=torch.bool)'),
    ('empty_float64_2d', lambda: np.zeros((2, 0)), 'float64', {},
     'tensor([], size=(2, 0), dtype=torch.float64)'),
    ('empty_3d_int32', lambda: np.zeros((1, 0, 2)), 'int32', {},
     'tensor([], size=(1, 0, 2), dtype=torch.int32)'),
    ('empty_requires_grad', lambda: np.zeros(0), 'float32', {'requires_grad': True},
     'tensor([], requires_grad=True)'),
    ('empty_complex64', lambda: np.zeros(0), 'complex64', {},
     'tensor([], dtype=torch.complex64)'),
    ('complex64', lambda: np.array([1 + 2j, -3.5 - 0.5j]), 'complex64', {},
     'tensor([ 1.0000+2.0000j, -3.5000-0.5000j])'),
    ('complex128_0d', lambda: np.array(1 - 1j), 'complex128', {},
     'tensor(1.-1.j, dtype=torch.complex128)'),
    ('complex64_ints', lambda: np.array([1 + 2j, 3 + 0j]), 'complex64', {},
     'tensor([1.+2.j, 3.+0.j])'),
    ('prefix_2d', lambda: np.array([[1.5, 2.0], [3.0, 4.0]]), 'float32', {'prefix': 'MyTensorSub('},
     ('MyTensorSub([[1.5000, 2.0000],\n'
      '             [3.0000, 4.0000]])')),
    ('default_f64_float64', lambda: np.array([1.5, 2.0]), 'float64', {'default_dtype_name': 'float64'},
     'tensor([1.5000, 2.0000])'),
    ('default_f64_float32', lambda: np.array([1.5, 2.0]), 'float32', {'default_dtype_name': 'float64'},
     'tensor([1.5000, 2.0000], dtype=torch.float32)'),
    ('default_f64_complex128', lambda: np.array([1 + 1j]), 'complex128', {'default_dtype_name': 'float64'},
     'tensor([1.+1.j])'),
    ('default_f64_empty', lambda: np.zeros(0), 'float64', {'default_dtype_name': 'float64'},
     'tensor([])'),
]

OPTION_CASES = [
    ('precision2', {'precision': 2}, lambda: np.array([1.12345, 2.5]), 'float32',
     'tensor([1.12, 2.50])'),
    ('precision2_sci', {'precision': 2}, lambda: np.array([1.12345e-6, 2.5]), 'float32',
     'tensor([1.12e-06, 2.50e+00])'),
    ('precision6', {'precision': 6}, lambda: np.array([1.0 / 3.0]), 'float64',
     'tensor([0.333333], dtype=torch.float64)'),
    ('sci_true', {'sci_mode': True}, lambda: np.array([1.5, 2.0]), 'float32',
     'tensor([1.5000e+00, 2.0000e+00])'),
    ('sci_true_ints', {'sci_mode': True}, lambda: np.array([1.0, 2.0]), 'float32',
     'tensor([1.0000e+00, 2.0000e+00])'),
    ('sci_false', {'sci_mode': False}, lambda: np.array([1e-6, 1e6]), 'float32',
     'tensor([      0.0000, 1000000.0000])'),
    ('threshold5', {'threshold': 5}, lambda: np.arange(10), 'int64',
     'tensor([0, 1, 2,  ..., 7, 8, 9])'),
    ('edgeitems1', {'threshold': 5, 'edgeitems': 1}, lambda: np.arange(12.0).reshape(3, 4), 'float32',
     ('tensor([[ 0.,  ...,  3.],\n'
      '        ...,\n'
      '        [ 8.,  ..., 11.]])')),
    ('edgeitems0', {'threshold': 5, 'edgeitems': 0}, lambda: np.arange(12.0).reshape(3, 4), 'float32',
     'tensor([...], size=(3, 4))'),
    ('edgeitems0_1d', {'threshold': 5, 'edgeitems': 0}, lambda: np.arange(10), 'int64',
     'tensor([...], size=(10,))'),
    ('linewidth40', {'linewidth': 40}, lambda: np.arange(20) / 3, 'float32',
     ('tensor([0.0000, 0.3333, 0.6667, 1.0000,\n'
      '        1.3333, 1.6667, 2.0000, 2.3333,\n'
      '        2.6667, 3.0000, 3.3333, 3.6667,\n'
      '        4.0000, 4.3333, 4.6667, 5.0000,\n'
      '        5.3333, 5.6667, 6.0000, 6.3333])')),
    ('profile_short', {'profile': 'short'}, lambda: np.arange(2000) / 3, 'float32',
     'tensor([0.00e+00, 3.33e-01,  ..., 6.66e+02, 6.66e+02])'),
]


@pytest.mark.parametrize("make, dtype, kwargs, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(make, dtype, kwargs, expected):
    assert format_tensor(make(), dtype, **kwargs) == expected


@pytest.mark.parametrize("opts, make, dtype, expected", [c[1:] for c in OPTION_CASES],
                         ids=[c[0] for c in OPTION_CASES])
def test_matches_torch_with_options(opts, make, dtype, expected):
    set_printoptions(**opts)
    assert format_tensor(make(), dtype) == expected


def test_case_table_is_large():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES + OPTION_CASES}) == len(CASES) + len(OPTION_CASES)


def test_precision_then_reset():
    data = np.array([1.12345, 2.5], dtype=np.float32)
    assert get_printoptions() == DEFAULTS
    set_printoptions(precision=2)
    assert get_printoptions()["precision"] == 2
    assert format_tensor(data, "float32") == "tensor([1.12, 2.50])"
    set_printoptions(profile="default")
    assert get_printoptions() == DEFAULTS
    assert format_tensor(data, "float32") == "tensor([1.1235, 2.5000])"


def test_sci_mode_is_reset_by_any_call():
    # torch assigns sci_mode unconditionally, so omitting it means "automatic" again.
    set_printoptions(sci_mode=True)
    set_printoptions(precision=4)
    assert get_printoptions()["sci_mode"] is None
    assert format_tensor(np.array([1.5]), "float32") == "tensor([1.5000])"


def test_printoptions_context_manager_restores():
    data = np.array([1.12345], dtype=np.float32)
    with printoptions(precision=1):
        assert format_tensor(data, "float32") == "tensor([1.1])"
        with printoptions(sci_mode=True):
            assert format_tensor(data, "float32") == "tensor([1.1e+00])"
        assert format_tensor(data, "float32") == "tensor([1.1])"
    assert get_printoptions() == DEFAULTS
    with pytest.raises(ZeroDivisionError), printoptions(precision=1):
        1 / 0
    assert get_printoptions() == DEFAULTS


def test_profile_full_never_summarizes():
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == math.inf
    out = format_tensor(np.arange(1001) % 7, "int64")
    assert "..." not in out
    assert out.count(",") == 1000


def test_grad_fn_wins_over_requires_grad():
    out = format_tensor(np.array([1.0]), "float32", grad_fn_name="AddBackward0", requires_grad=True)
    assert out == "tensor([1.], grad_fn=<AddBackward0>)"


def test_torch_style_dtype_names_accepted():
    assert format_tensor(np.array([1, 2]), "torch.int32") == "tensor([1, 2], dtype=torch.int32)"


def test_input_not_modified_and_scalar_accepted():
    data = np.array([[1.5, 2.0]])
    before = data.copy()
    format_tensor(data, "float32")
    np.testing.assert_array_equal(data, before)
    assert format_tensor(np.int64(7), "int64") == "tensor(7)"
