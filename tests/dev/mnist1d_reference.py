"""Writes crates/core/src/data/mnist1d_reference.json: statistics of the MNIST-1D data set as the PyPI
package `mnist1d` generates it, for the native test that checks Overfit Lab's own generator
(crates/core/src/data/mnist1d.rs) against it. Not part of CI; run once when the recipe changes:

    python3 -m venv /tmp/mnv && /tmp/mnv/bin/pip install mnist1d==0.0.2.post1 numpy scipy
    /tmp/mnv/bin/python tests/dev/mnist1d_reference.py > crates/core/src/data/mnist1d_reference.json

Recorded per class: the mean signal (40 values) and the mean per-position variance; overall:
the accuracy of a ridge-regression classifier on one-hot targets (4,000 train / 1,000 test,
lambda 1e-3 * n), the same probe the Rust test runs on its own samples.
"""
import json

import mnist1d
import numpy as np
from mnist1d.data import get_dataset_args, make_dataset


def ridge_accuracy(x, y, x_test, y_test, lam):
    """Least squares on one-hot targets with a bias column, ridge lam * n."""
    def design(a):
        return np.hstack([a, np.ones((len(a), 1))])
    a, b = design(x), np.eye(10)[y]
    w = np.linalg.solve(a.T @ a + lam * len(a) * np.eye(a.shape[1]), a.T @ b)
    return float((np.argmax(design(x_test) @ w, axis=1) == y_test).mean())


def main():
    args = get_dataset_args()  # the package defaults: 5,000 samples, 80% train, seed 42
    data = make_dataset(args)
    x = np.concatenate([data["x"], data["x_test"]])
    y = np.concatenate([data["y"], data["y_test"]])
    out = {
        "provenance": "mnist1d %s (PyPI), make_dataset(get_dataset_args()): %d samples, seed %d"
        % (getattr(mnist1d, "__version__", "0.0.2.post1"), len(y), args.seed),
        "length": int(x.shape[1]),
        "class_mean": [np.round(x[y == c].mean(0), 5).tolist() for c in range(10)],
        "class_variance": [round(float(x[y == c].var(0).mean()), 5) for c in range(10)],
        "ridge_accuracy": round(ridge_accuracy(x[:4000], y[:4000], x[4000:], y[4000:], 1e-3), 4),
    }
    print("{\n" + ",\n".join("%s: %s" % (json.dumps(k), json.dumps(v)) for k, v in out.items()) + "\n}")


if __name__ == "__main__":
    main()
