import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import taxonomy
from protocol.histogram import band_counts, bin_index, interpolated_median

TAX = taxonomy.load()
EDGES = TAX.compensation_bins_dollars


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    mu=st.floats(10.3, 12.3),
    sigma=st.floats(0.05, 1.0),
)
def test_interpolated_median_is_within_two_percent_of_the_exact_median(seed, n, mu, sigma):
    rng = np.random.default_rng(seed)
    cents = np.round(rng.lognormal(mu, sigma, n) * 100).astype(np.int64)
    exact = float(np.median(cents)) / 100
    sorted_ = np.sort(cents)
    middle = sorted_[[(n - 1) // 2, n // 2]] / 100
    # The guarantee holds where the middle people earn inside the fine-binned range.
    if middle.min() < 19240 or middle.max() >= 500000:
        return
    counts = np.bincount(bin_index(cents, EDGES), minlength=len(EDGES))
    estimate = interpolated_median(counts, EDGES)
    assert abs(estimate - exact) / exact < 0.02


def test_median_of_an_empty_histogram_is_none():
    assert interpolated_median([0] * len(EDGES), EDGES) is None


def test_eeo1_bands_follow_from_the_fine_bins():
    cents = np.array([1_923_900, 1_924_000, 20_800_000, 99_999_999_00])
    counts = np.bincount(bin_index(cents, EDGES), minlength=len(EDGES))
    bands = band_counts(counts, EDGES, TAX.pay_band_lower_dollars)
    assert bands[0] == 1 and bands[1] == 1 and bands[-1] == 2 and sum(bands) == 4
