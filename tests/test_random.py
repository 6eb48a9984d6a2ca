"""Random tensors and seeds (_random.py): reproducibility, Generator objects, dtypes, shapes, ranges.

tapegrad draws from NumPy's streams, so the numbers differ from PyTorch's for the same seed; the
tests check properties (same seed -> same numbers, independent generators, dtypes, bounds), and
every test that takes `lib` also runs on real PyTorch to check those properties are PyTorch's.
"""
import numpy as np
import pytest





DRAWS = {
    "rand": lambda lib, **kw: lib.rand(3, 4, **kw),
    "randn": lambda lib, **kw: lib.randn(3, 4, **kw),
    "randint": lambda lib, **kw: lib.randint(0, 1000, (3, 4), **kw),
    "randperm": lambda lib, **kw: lib.randperm(50, **kw),
}


def arr(t):
    return t.detach().numpy()


# ---- manual_seed ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(DRAWS))
def test_manual_seed_reproduces(lib, name):
    lib.manual_seed(42)
    first = [arr(DRAWS[name](lib)) for _ in range(2)]
    lib.manual_seed(42)
    second = [arr(DRAWS[name](lib)) for _ in range(2)]
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])  # the stream moves on between calls


@pytest.mark.parametrize("name", list(DRAWS))
def test_different_seeds_differ(lib, name):
    lib.manual_seed(1)
    a = arr(DRAWS[name](lib))
    lib.manual_seed(2)
    b = arr(DRAWS[name](lib))
    assert not np.array_equal(a, b)


def test_manual_seed_returns_the_default_generator(lib):
    g = lib.manual_seed(5)
    assert isinstance(g, lib.Generator)
    assert g.initial_seed() == 5
    assert lib.initial_seed() == 5


def test_seeding_covers_a_mixed_sequence(lib):
    def run():
        lib.manual_seed(0)
        return [arr(lib.rand(2)), arr(lib.randint(0, 9, (3,))), arr(lib.randn(2)), arr(lib.randperm(4))]

    for a, b in zip(run(), run()):
        assert np.array_equal(a, b)


# ---- Generator objects ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(DRAWS))
def test_generator_reproduces(lib, name):
    a = arr(DRAWS[name](lib, generator=lib.Generator().manual_seed(11)))
    b = arr(DRAWS[name](lib, generator=lib.Generator().manual_seed(11)))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("name", list(DRAWS))
def test_generator_is_independent_of_the_global_stream(lib, name):
    g1, g2 = lib.Generator().manual_seed(3), lib.Generator().manual_seed(3)
    plain = [arr(DRAWS[name](lib, generator=g1)) for _ in range(2)]
    interleaved = []
    for _ in range(2):
        lib.rand(7)  # global draws between the generator's draws
        lib.manual_seed(99)
        interleaved.append(arr(DRAWS[name](lib, generator=g2)))
    for a, b in zip(plain, interleaved):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("name", list(DRAWS))
def test_generator_draws_leave_the_global_stream(lib, name):
    lib.manual_seed(0)
    expected = arr(lib.rand(5))
    lib.manual_seed(0)
    DRAWS[name](lib, generator=lib.Generator().manual_seed(1))
    assert np.array_equal(arr(lib.rand(5)), expected)


def test_two_generators_are_independent(lib):
    g1, g2 = lib.Generator().manual_seed(0), lib.Generator().manual_seed(0)
    a = arr(lib.rand(4, generator=g1))
    lib.rand(4, generator=g1)  # moves g1 only
    assert np.array_equal(arr(lib.rand(4, generator=g2)), a)


def test_generator_manual_seed_returns_itself(lib):
    g = lib.Generator()
    assert g.manual_seed(8) is g
    assert g.initial_seed() == 8


# ---- dtypes and shapes ----------------------------------------------------------------------------

def test_rand_default_dtype_and_shape(lib):
    t = lib.rand(2, 3)
    assert t.dtype == lib.float32 and tuple(t.shape) == (2, 3)
    assert tuple(lib.rand((2, 3)).shape) == (2, 3)
    assert tuple(lib.rand([4]).shape) == (4,)
    assert tuple(lib.rand(()).shape) == ()
    assert tuple(lib.rand(0, 3).shape) == (0, 3)


def test_randn_default_dtype_and_shape(lib):
    t = lib.randn(4, 1, 2)
    assert t.dtype == lib.float32 and tuple(t.shape) == (4, 1, 2)
    assert tuple(lib.randn((5,)).shape) == (5,)


@pytest.mark.parametrize("dtype", ["float64", "float16"])
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_float_dtype_honoured(lib, fn, dtype):
    t = getattr(lib, fn)(3, dtype=getattr(lib, dtype))
    assert t.dtype == getattr(lib, dtype)
    assert arr(t).dtype == np.dtype(dtype)


def test_randint_dtype_and_shape(lib):
    t = lib.randint(0, 10, (2, 5))
    assert t.dtype == lib.int64 and tuple(t.shape) == (2, 5)
    t = lib.randint(10, (3,))  # randint(high, size)
    assert t.dtype == lib.int64 and tuple(t.shape) == (3,)
    assert lib.randint(0, 10, (4,), dtype=lib.int32).dtype == lib.int32
    assert lib.randint(0, 10, (4,), dtype=lib.float32).dtype == lib.float32


def test_randperm_is_a_permutation(lib):
    t = lib.randperm(100)
    assert t.dtype == lib.int64
    assert sorted(t.tolist()) == list(range(100))
    assert t.tolist() != list(range(100))
    assert lib.randperm(5, dtype=lib.int32).dtype == lib.int32
    assert lib.randperm(0).tolist() == []


@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_requires_grad(lib, fn):
    t = getattr(lib, fn)(2, 3, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad_fn is None
    (t * 2).sum().backward()
    assert (arr(t.grad) == 2).all()
    assert not getattr(lib, fn)(2).requires_grad


# ---- *_like ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", ["rand_like", "randn_like"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_like_keeps_shape_and_dtype(lib, fn, dtype):
    x = lib.zeros(2, 3, 4, dtype=getattr(lib, dtype))
    t = getattr(lib, fn)(x)
    assert tuple(t.shape) == (2, 3, 4) and t.dtype == getattr(lib, dtype)
    assert not t.requires_grad
    assert not (arr(t) == 0).all()


@pytest.mark.parametrize("fn", ["rand_like", "randn_like"])
def test_float_like_dtype_argument(lib, fn):
    t = getattr(lib, fn)(lib.zeros(3), dtype=lib.float64)
    assert t.dtype == lib.float64


@pytest.mark.parametrize("dtype", ["int64", "int32", "float32"])
def test_randint_like_keeps_shape_and_dtype(lib, dtype):
    x = lib.zeros(5, 6, dtype=getattr(lib, dtype))
    t = lib.randint_like(x, 10)
    assert tuple(t.shape) == (5, 6) and t.dtype == getattr(lib, dtype)
    v = arr(t)
    assert v.min() >= 0 and v.max() < 10 and (v == np.round(v)).all()
    t = lib.randint_like(x, 3, 6)
    assert arr(t).min() >= 3 and arr(t).max() < 6


def test_like_does_not_copy_requires_grad(lib):
    x = lib.zeros(3, requires_grad=True)
    assert not lib.rand_like(x).requires_grad
    assert lib.rand_like(x, requires_grad=True).requires_grad


# ---- ranges ---------------------------------------------------------------------------------------

def test_rand_values_in_unit_interval(lib):
    lib.manual_seed(0)
    v = arr(lib.rand(20000))
    assert v.min() >= 0.0 and v.max() < 1.0
    assert v.min() < 0.001 and v.max() > 0.999
    assert abs(v.mean() - 0.5) < 0.01  # standard error ~0.002


def test_rand_float64_in_unit_interval(lib):
    v = arr(lib.rand(20000, dtype=lib.float64))
    assert v.min() >= 0.0 and v.max() < 1.0
    assert np.unique(v).size == v.size


def test_randn_moments(lib):
    lib.manual_seed(0)
    v = arr(lib.randn(20000)).astype(np.float64)
    assert abs(v.mean()) < 0.03 and abs(v.std() - 1) < 0.03
    assert (v < -2).any() and (v > 2).any()


@pytest.mark.parametrize("low, high", [(0, 2), (-5, 5), (3, 4), (10, 17)])
def test_randint_in_half_open_range(lib, low, high):
    v = arr(lib.randint(low, high, (5000,)))
    assert v.min() == low and v.max() == high - 1  # every value is hit with 5000 draws
    assert set(np.unique(v).tolist()) == set(range(low, high))


def test_randint_high_only_starts_at_zero(lib):
    v = arr(lib.randint(3, (2000,)))
    assert set(np.unique(v).tolist()) == {0, 1, 2}
