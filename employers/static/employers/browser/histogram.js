// protocol/histogram.py in the page: the bin of a value and the interpolated median, the one
// median method of the benchmark (the compact publishes medians estimated this way, so the
// employer's own are estimated the same way, in the page as in the command-line benchmark).

// histogram.bin_index: the last k with lowerDollars[k] * 100 <= cents.
export function binIndex(cents, edgesCents) {
  let lo = 0, hi = edgesCents.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edgesCents[mid] <= cents) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

// histogram._position: the estimated value of the i-th (1-based) of m people in a bin.
function position(lower, upper, i, m) {
  const frac = (i - 0.5) / m;
  if (upper === null) return lower; // the open top bin: its lower edge is the honest answer
  if (lower <= 0) return lower + (upper - lower) * frac;
  return lower * (upper / lower) ** frac;
}

// histogram.interpolated_median: the median in dollars from bin counts, or null when empty.
export function interpolatedMedian(counts, lowerDollars) {
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const ranks = n % 2 ? [(n + 1) / 2] : [n / 2, n / 2 + 1];
  const estimates = ranks.map((rank) => {
    let seen = 0;
    for (let k = 0; k < counts.length; k++) {
      if (seen + counts[k] >= rank) {
        const upper = k + 1 < lowerDollars.length ? lowerDollars[k + 1] : null;
        return position(lowerDollars[k], upper, rank - seen, counts[k]);
      }
      seen += counts[k];
    }
    return null;
  });
  return estimates.reduce((a, b) => a + b, 0) / estimates.length;
}
