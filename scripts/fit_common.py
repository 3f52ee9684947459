"""What the coefficient fits (scripts/fit_erf.py, scripts/fit_exp2.py) share: float rounding and
a small linear solve, in plain Python."""
import struct


def f32(v):
    """v rounded to the nearest float."""
    return struct.unpack("f", struct.pack("f", v))[0]


def solve(a, y):
    """Gaussian elimination with partial pivoting."""
    n = len(a)
    m = [row[:] + [y[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    return [m[i][n] / m[i][i] for i in range(n)]
