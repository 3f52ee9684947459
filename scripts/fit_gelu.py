#!/usr/bin/env python3
"""Fits the polynomial of src/model/vector_math.cc's GELU and prints it with its error.

erfc(u) = t * exp(-u^2 + P(s)), t = 1 / (1 + u / 2), s = (2t - 7/6) / (5/6), for u in [0, 10]
(t in [1/6, 1]; erfc(10) is below float's range). P interpolates
g(t) = ln(erfc(u) / t) + u^2 at the Chebyshev nodes of s (near-minimax), then is rewritten in
powers of s for Horner's rule. Plain Python: math.erfc is the double-precision reference.
Usage: scripts/fit_gelu.py [degree, default 10]
"""
import math
import struct
import sys

LOW, HIGH = 1.0 / 6.0, 1.0


def g(t):
    u = 2.0 / t - 2.0
    return math.log(math.erfc(u) / t) + u * u


def chebyshev_coefficients(degree):
    count = degree + 1
    nodes = [math.cos(math.pi * (j + 0.5) / count) for j in range(count)]
    values = [g((s * (HIGH - LOW) + (HIGH + LOW)) / 2) for s in nodes]
    c = [2.0 / count * sum(values[j] * math.cos(math.pi * k * (j + 0.5) / count)
                           for j in range(count)) for k in range(count)]
    c[0] /= 2
    return c


def to_powers(c):
    """sum c_k T_k(s) as sum p_i s^i."""
    basis = [[1.0], [0.0, 1.0]]
    for k in range(2, len(c)):
        nxt = [0.0] + [2 * v for v in basis[k - 1]]
        for i, v in enumerate(basis[k - 2]):
            nxt[i] -= v
        basis.append(nxt)
    p = [0.0] * len(c)
    for k, ck in enumerate(c):
        for i, v in enumerate(basis[k]):
            p[i] += ck * v
    return p


def phi(x, p):
    u = abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.5 * u)
    s = (2.0 * t - (HIGH + LOW)) / (HIGH - LOW)
    acc = 0.0
    for coefficient in reversed(p):
        acc = acc * s + coefficient
    half_erfc = 0.5 * t * math.exp(-u * u + acc)
    return half_erfc if x < 0 else 1.0 - half_erfc


def main():
    degree = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    p = to_powers(chebyshev_coefficients(degree))
    as_float = [struct.unpack("f", struct.pack("f", v))[0] for v in p]
    worst = max(abs(phi(i * 1e-4, as_float) - 0.5 * math.erfc(-i * 1e-4 / math.sqrt(2.0)))
                for i in range(-200000, 200001))
    print("kErfcPoly (lowest power first):")
    print(", ".join("%.9ef" % v for v in p))
    print("max |Phi error| on [-20, 20], float coefficients, double arithmetic: %.2e" % worst)


if __name__ == "__main__":
    main()
