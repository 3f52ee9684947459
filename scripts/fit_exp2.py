#!/usr/bin/env python3
"""Fits the 2^r polynomial of src/kernels/attention_simd.cc's softmax and prints its error.

2^r ~ 1 + c1 r + ... + cm r^m on |r| <= 1/2, the constant term fixed at 1 (a row's max then
weighs exactly 1). The fit is least squares in relative error, reweighted each pass towards the
points with the largest error (Lawson), which approaches the minimax fit. Then the
coefficients are rounded to float one at a time, largest first, the rest refitted each time.
Finally the kernel's float pipeline is simulated (x = n + r with n = round(x), Horner with one
rounding per fused multiply-add, times 2^n) against 2^x for x in [-87, 0].
Plain Python, a few seconds.
Usage: scripts/fit_exp2.py [degree, default 5]
"""
import random
import sys

from fit_common import f32, solve


def relative_errors(coef, degree, xs):
    return [abs((1 + sum(coef[k] * x**k for k in range(1, degree + 1))) / 2.0**x - 1) for x in xs]


def fit(degree, fixed, xs, passes):
    """The free coefficients (those not in fixed) minimizing the largest relative error."""
    weights = [1.0] * len(xs)
    free = [k for k in range(1, degree + 1) if k not in fixed]
    best = None
    for _ in range(passes):
        a = [[0.0] * len(free) for _ in free]
        b = [0.0] * len(free)
        for x, w in zip(xs, weights):
            t = 2.0**x
            rhs = t - 1 - sum(v * x**k for k, v in fixed.items())
            basis = [x**k for k in free]
            ww = w / (t * t)
            for i, bi in enumerate(basis):
                b[i] += ww * bi * rhs
                for j, bj in enumerate(basis):
                    a[i][j] += ww * bi * bj
        coef = dict(fixed)
        coef.update(zip(free, solve(a, b)))
        errs = relative_errors(coef, degree, xs)
        if best is None or max(errs) < best[0]:
            best = (max(errs), coef)
        total = sum(w * e for w, e in zip(weights, errs))
        weights = [w * e / total * len(xs) for w, e in zip(weights, errs)]
    return best


def simulate(coef, degree):
    """Largest relative error of the kernel's float arithmetic against 2^x."""
    rng = random.Random(1)
    xs = [-rng.random() * 87 for _ in range(200000)] + [-i / 1000 for i in range(20000)]
    worst = 0.0
    for x in xs:
        x = f32(x)
        n = float(round(x))
        r = f32(x - n)
        p = coef[degree]
        for k in range(degree - 1, -1, -1):
            p = f32(p * r + (coef[k] if k else 1.0))
        worst = max(worst, abs(p * 2.0**n / 2.0**x - 1))
    return worst


def main():
    degree = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    xs = [-0.5 + i / 4000 for i in range(4001)]
    err, coef = fit(degree, {}, xs, 60)
    print(f"degree {degree}: relative error {err:.3g} in double")
    fixed = {}
    for k in sorted(range(1, degree + 1), key=lambda k: -abs(coef[k])):
        fixed[k] = f32(coef[k])
        if len(fixed) < degree:
            _, coef = fit(degree, fixed, xs, 40)
            coef = {**coef, **fixed}
    print("float coefficients, r^1 first:", ", ".join(f"{fixed[k]:.9e}" for k in range(1, degree + 1)))
    print(f"float arithmetic: relative error {simulate(fixed, degree):.3g} against 2^x on [-87, 0]")


if __name__ == "__main__":
    main()
