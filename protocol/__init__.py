"""What the three parties share: the employer's client, the service and the equity office.

Nothing here imports Django or any of the service's packages (an import-linter contract in
pyproject.toml checks it). Every module is a contract between the parties:

- ``taxonomy``: the versioned category lists, pay bands, histogram edges and input bounds
  (the JSON files beside it are read by the Python client, the service and the browser page);
- ``layout``: the statistics vector's layout (which sum sits at which position), and
  ``Aggregate`` to read a vector or a sum of vectors by block name;
- ``exact``: exact integer arithmetic for the vector's sums;
- ``histogram``: pay bins and the interpolated median;
- ``sealing``: masking and sealing a vector to the office's key;
- ``officekey``: the office's public key document and its fingerprint;
- ``release``: the release document (DESIGN §6) as typed values, its one reader and writer,
  and the one cohort key;
- ``paygap``: the pay-gap definition every report uses.
"""
