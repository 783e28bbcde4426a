"""E[g(U)] of a piecewise polynomial g of a standard normal U, in closed form piece by
piece (symgrad.kinds.gaussian): checked against numerical quadrature, and left to SymPy
where the pieces cannot be ordered."""

import mpmath
import pytest
import sympy as sp

from symgrad.kinds import gaussian

u = sp.Dummy("u", real=True)
sigma = sp.Symbol("sigma", positive=True)
m = sp.Symbol("m", real=True)
SIGMA = sp.Rational(3, 2)


@pytest.mark.parametrize("g, kinks", [
    (sp.Max(0, sigma * u) ** 2, [0]),  # E[relu(f)²] = σ²/2
    (sp.Max(0, sigma * u), [0]),
    (sp.Heaviside(sigma * u), [0]),
    (sp.Abs(sigma * u) ** 3, [0]),
    (u * sp.Max(0, sigma * u + 1), [-2 / 3]),  # a kink off the mean
    (sp.Max(0, 2 - sigma * u) ** 2, [4 / 3]),  # a falling argument
    (sp.Max(0, sigma * u - 1) * sp.Heaviside(sigma * u + 1), [-2 / 3, 2 / 3]),  # two kinks
])
def test_piecewise_polynomials_are_integrated_exactly(g, kinks):
    exact = gaussian.expectation(g, u)
    assert exact is not None
    density = sp.exp(-u**2 / 2) / sp.sqrt(2 * sp.pi)
    integrand = sp.lambdify(u, (g * density).subs(sigma, SIGMA).rewrite(sp.Piecewise),
                            "mpmath")
    with mpmath.workdps(30):
        numeric = mpmath.quad(integrand, [-mpmath.inf, *kinks, mpmath.inf])
    assert abs(sp.N(exact.subs(sigma, SIGMA), 30) - numeric) < 1e-12  # (quadrature in floats)


def test_the_second_moment_of_relu_is_half_the_variance():
    assert sp.simplify(gaussian.expectation(sp.Max(0, sigma * u) ** 2, u) - sigma**2 / 2) == 0


def test_a_shifted_relu_has_the_textbook_moment():
    # E[relu(m + σU)²] = (m² + σ²) Φ(m/σ) + m σ φ(m/σ)
    phi = sp.exp(-m**2 / (2 * sigma**2)) / sp.sqrt(2 * sp.pi)
    cdf = (1 + sp.erf(m / (sigma * sp.sqrt(2)))) / 2
    found = gaussian.expectation(sp.Max(0, m + sigma * u) ** 2, u)
    assert sp.simplify(found - ((m**2 + sigma**2) * cdf + m * sigma * phi)) == 0


@pytest.mark.parametrize("g", [
    sp.tanh(u),  # smooth, not polynomial: SymPy's integrate
    sp.Max(0, sigma * u) * sp.Heaviside(m + u),  # kinks at 0 and -m: order unknown
    sp.Max(0, m * u),  # the slope's sign is unknown
    sp.Max(0, u**2 - 1),  # not linear in u
])
def test_what_it_cannot_order_or_expand_is_left_to_sympy(g):
    assert gaussian.expectation(g, u) is None
