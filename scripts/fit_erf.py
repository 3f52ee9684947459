#!/usr/bin/env python3
"""Fits the rational erf of src/model/gelu-inl.h's GELU and prints it with its error.

erf(z) = z P(t) / Q(t), t = z^2 / C^2 for |z| <= C (C = 3.9), P and Q of degree m and k with
Q's constant term 1, lowest power first. The fit is linearized least squares (minimize
sum w_i^2 (P - f Q)^2 / Q_prev^2 with f = erf(z) / z, error weight z), reweighted each pass
towards the points with the largest error (Lawson), which approaches the minimax fit. Then the
coefficients are rounded to float one at a time, largest first, the rest refitted each time, so
that float coefficients do not lose the fit. Finally GELU is simulated in float arithmetic
(every operation rounded to float, as the kernel does, with an exact reciprocal) against
math.erfc on [-8, 8]. Plain Python; takes about 20 minutes.
Usage: scripts/fit_erf.py [m k C, default 5 5 3.9]
"""
import math
import sys

from fit_common import f32, solve


def fit(m, k, c, fixed, npts=900, iters=30):
    """Best (max error, coefficients p0..pm q1..qk) with `fixed` indices held."""
    s2 = c * c
    zs = [c * (0.5 - 0.5 * math.cos(math.pi * (i + 0.5) / npts)) for i in range(npts)]
    data = [(z, z * z / s2, math.erf(z) / z) for z in zs if z > 1e-6]
    nu = (m + 1) + k
    free = [i for i in range(nu) if i not in fixed]
    w = [1.0] * len(data)
    qprev = [1.0] * len(data)
    best = None
    for _ in range(iters):
        a = [[0.0] * len(free) for _ in free]
        y = [0.0] * len(free)
        for (z, t, fv), wi, qp in zip(data, w, qprev):
            full = [t ** j for j in range(m + 1)] + [-fv * t ** j for j in range(1, k + 1)]
            rhs = fv - sum(full[i] * fixed[i] for i in fixed)
            row = [full[i] for i in free]
            ww = (wi * z / qp) ** 2
            for i in range(len(free)):
                y[i] += ww * row[i] * rhs
                for j in range(len(free)):
                    a[i][j] += ww * row[i] * row[j]
        coef = [0.0] * nu
        for i, v in fixed.items():
            coef[i] = v
        for i, v in zip(free, solve(a, y)):
            coef[i] = v
        p, q = coef[:m + 1], [1.0] + coef[m + 1:]
        errs, qs = [], []
        for (z, t, fv) in data:
            pv = sum(p[j] * t ** j for j in range(m + 1))
            qv = sum(q[j] * t ** j for j in range(k + 1))
            errs.append(z * (pv / qv - fv))
            qs.append(qv)
        worst = max(abs(e) for e in errs)
        if best is None or worst < best[0]:
            best = (worst, coef[:])
        qprev = qs
        w = [wi * (abs(e) / worst) ** 0.5 + 1e-12 for wi, e in zip(w, errs)]
        mean = sum(w) / len(w)
        w = [wi / mean for wi in w]
    return best


def gelu_f32(x, p, q, c):
    z = min(max(f32(x * f32(0.70710678118654752)), -c), c)
    t = f32(f32(z * z) * f32(1.0 / (c * c)))
    pv, qv = f32(p[-1]), f32(q[-1])
    for v in reversed(p[:-1]):
        pv = f32(pv * t + v)
    for v in reversed(q[:-1]):
        qv = f32(qv * t + v)
    erf = f32(f32(z * pv) * f32(1.0 / qv))
    return f32(x * f32(0.5 * erf + 0.5))


def main():
    m, k, c = (int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])) if len(sys.argv) > 3 \
        else (5, 5, 3.9)
    nu = m + 1 + k
    fixed = {}
    for _ in range(nu):
        _, coef = fit(m, k, c, fixed)
        free = [i for i in range(nu) if i not in fixed]
        i = max(free, key=lambda j: abs(coef[j]))
        fixed[i] = f32(coef[i])
    worst, _ = fit(m, k, c, fixed)
    p = [fixed[i] for i in range(m + 1)]
    q = [1.0] + [fixed[i] for i in range(m + 1, nu)]
    print("kErfP:", ", ".join("%.9ef" % v for v in p))
    print("kErfQ:", ", ".join("%.9ef" % v for v in q))
    print("max |erf error|, float coefficients, double arithmetic: %.2e" % worst)
    g = max(abs(gelu_f32(i * 1e-4, p, q, c) - i * 1e-4 * 0.5 * math.erfc(-i * 1e-4 / math.sqrt(2)))
            / max(abs(i * 1e-4), 1e-30) for i in range(-80000, 80001))
    print("max |gelu error| / |x| on [-8, 8], float arithmetic: %.2e" % g)


if __name__ == "__main__":
    main()
