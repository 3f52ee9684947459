"""The intervals of docs/pruning.md: Student's t interval of a mean over seeds (and of a paired
difference), and the Wilson score interval of one run's accuracy on its test split."""
import math

# Two-sided 95 % critical values of Student's t, by degrees of freedom (standard tables).
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
        17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 25: 2.060, 30: 2.042}
Z975 = 1.959964


def t975(df):
    if df in T975:
        return T975[df]
    below = max(k for k in T975 if k <= df)
    return T975[below]  # a little wide between table rows; df > 30 never occurs here


def mean_interval(values):
    """(mean, half-width of the 95 % t interval, n); half-width None for one value."""
    n = len(values)
    if n == 0:
        return None
    m = sum(values) / n
    if n == 1:
        return m, None, 1
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    return m, t975(n - 1) * sd / math.sqrt(n), n


def wilson(p, n):
    """95 % Wilson score interval of a proportion p measured on n examples."""
    z2 = Z975 * Z975
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z975 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def paired(a, b):
    """Mean and t interval of a[seed] - b[seed] over the seeds both have."""
    common = sorted(set(a) & set(b))
    return mean_interval([a[s] - b[s] for s in common])


def verdict(mi, better_if_negative):
    """'A better', 'B better' or 'within noise' from a paired difference A - B and its interval."""
    if mi is None or mi[1] is None:
        return "one seed"
    m, h, _ = mi
    lo, hi = m - h, m + h
    if lo > 0:
        return "B better" if better_if_negative else "A better"
    if hi < 0:
        return "A better" if better_if_negative else "B better"
    return "within noise"
