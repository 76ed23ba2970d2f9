"""Discretization: bucket continuous values by boundaries, given or learned as quantiles."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.data_layer import DataLayer

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(DataLayer):
    """Buckets numeric inputs into ranges: bin `i` holds `boundaries[i-1] <= x < boundaries[i]`.

    With `bin_boundaries=[0., 1., 2.]` the bins are `(-inf, 0)`, `[0, 1)`,
    `[1, 2)` and `[2, +inf)`. With `num_bins`, `adapt(data)` learns the
    boundaries as the `1/num_bins, 2/num_bins, ...` quantiles of the data:
    each batch is summarised by at most about `1/epsilon` weighted points
    (exact for smaller batches), summaries are merged and compressed the same
    way, and a quantile is read off the summary's cumulative weights by
    linear interpolation.

    Args:
        bin_boundaries: sorted list of boundaries. Defaults to `None`.
        num_bins: the number of bins to learn with `adapt()`. Defaults to `None`.
        epsilon: the error tolerance of the quantile summary, between 0 and 1.
            Defaults to `0.01`.
        output_mode: `"int"` (bin indices, int64), `"one_hot"`, `"multi_hot"` or
            `"count"` (float encodings over `len(bin_boundaries) + 1` bins).
            Defaults to `"int"`.
        sparse: must be `False` (dense outputs only). Defaults to `False`.

    Example:

    >>> layer = kerastorch.layers.Discretization(bin_boundaries=[0., 1., 2.])
    >>> layer(np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]]))
    tensor([[0, 2, 3, 1],
            [1, 3, 2, 1]])
    """

    def __init__(
        self,
        bin_boundaries=None,
        num_bins: int | None = None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        **kwargs,
    ):
        output_mode = utils.validate_output_mode(
            output_mode, _OUTPUT_MODES, "Discretization"
        )
        utils.check_not_sparse(sparse, "Discretization")
        if num_bins is not None:
            utils.check_positive_int(num_bins, "num_bins", "Discretization")
        if bin_boundaries is not None:
            bin_boundaries = [float(b) for b in utils.listify(bin_boundaries)]
            if any(b > a for b, a in zip(bin_boundaries, bin_boundaries[1:])):
                raise ValueError(
                    "`bin_boundaries` must be sorted in ascending order. "
                    f"Received: bin_boundaries={bin_boundaries}"
                )
            if num_bins is not None and len(bin_boundaries) != num_bins - 1:
                raise ValueError(
                    "Both `num_bins` and `bin_boundaries` should not be set, unless "
                    "`len(bin_boundaries) == num_bins - 1`. Received: "
                    f"num_bins={num_bins} and bin_boundaries={bin_boundaries}"
                )
        if not isinstance(epsilon, (int, float)) or not 0.0 < epsilon < 1.0:
            raise ValueError(
                f"`epsilon` must be a float between 0 and 1. Received: epsilon={epsilon!r}"
            )
        super().__init__(**kwargs)
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.sparse = False
        self._summary = None

    @property
    def _depth(self) -> int | None:
        if self.bin_boundaries is not None:
            return len(self.bin_boundaries) + 1
        return self.num_bins

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Layer '{self.name}' has no bins yet. Pass `bin_boundaries` at "
                "construction time or call `adapt(data)` before using the "
                "Discretization layer."
            )
        x = torch.as_tensor(inputs)
        if not x.is_floating_point():
            x = x.to(torch.float64)
        boundaries = torch.tensor(self.bin_boundaries, dtype=x.dtype, device=x.device)
        ids = torch.bucketize(x, boundaries, right=True)  # int64, same shape as x
        if self.output_mode == "int":
            return ids
        return utils.encode_categorical(
            ids, self.output_mode, self._depth, dtype=self._float_dtype
        )

    def compute_output_shape(self, input_shape):
        return utils.encoded_shape(input_shape, self.output_mode, self._depth)

    def _output_dtype(self) -> str:
        return "int64" if self.output_mode == "int" else super()._output_dtype()

    # --- adapt --------------------------------------------------------------------------

    def adapt(
        self, data, batch_size: int | None = None, steps: int | None = None
    ) -> None:
        """Learn `num_bins - 1` boundaries from the quantiles of `data`.

        Args:
            data: a numpy array, tensor, list, torch `Dataset`/`DataLoader` or
                iterable of batches.
            batch_size: rows per batch for arrays, or the `DataLoader` batch size
                for a `Dataset`. Defaults to `None`.
            steps: at most this many batches of an iterable. Defaults to `None`.
        """
        if self.num_bins is None:
            raise ValueError(
                f"Cannot adapt Discretization layer '{self.name}', which was "
                "initialized with `bin_boundaries`: use `num_bins` instead."
            )
        self._summary = None
        for batch in utils.adapt_batches(data, batch_size, steps):
            self.update_state(batch)
        if self._summary is None:
            raise utils.empty_data_error(self.name)
        self.finalize_state()

    def update_state(self, data) -> None:
        """Fold one batch into the running quantile summary."""
        if utils.is_string_data(data):
            raise TypeError(f"Layer '{self.name}' adapts on numeric data, not strings.")
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        values = np.asarray(data, dtype=np.float64).reshape(-1)
        if values.size == 0:
            return
        batch = _Summary.from_values(values, self.epsilon)
        self._summary = batch if self._summary is None else self._summary.merge(batch)

    def finalize_state(self) -> None:
        if self._summary is None:
            return
        quantiles = np.arange(1, self.num_bins) / self.num_bins
        self.bin_boundaries = self._summary.quantiles(quantiles).tolist()
        self._summary = None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins,
                "epsilon": self.epsilon,
                "output_mode": self.output_mode,
                "sparse": False,
            }
        )
        return config


class _Summary:
    """A quantile summary: exact weighted points, or `1/epsilon + 1` CDF nodes.

    Small data stays exact (sorted values and weights; quantile `q` is read
    by linear interpolation of the values against their cumulative weight
    fractions). Past `size = ceil(1/epsilon)` points it becomes nodes
    `(Q(k/size), k/size)`, `k = 0..size`, of that same quantile function.
    Merging evaluates both CDFs at the union of their points (a step CDF for
    exact data, the piecewise-linear CDF through the nodes otherwise), which
    keeps repeated merges unbiased, then compresses again.
    """

    def __init__(self, values, weights, nodes, total: float, size: int):
        self.values, self.weights, self.nodes = values, weights, nodes
        self.total, self.size = total, size

    @classmethod
    def from_values(cls, values: np.ndarray, epsilon: float) -> _Summary:
        values = np.sort(values)
        summary = cls(
            values,
            np.ones_like(values),
            None,
            float(values.size),
            int(np.ceil(1.0 / epsilon)),
        )
        return summary._maybe_compress()

    @property
    def exact(self) -> bool:
        return self.nodes is None

    def _cumulative(self) -> np.ndarray:
        return np.cumsum(self.weights) / self.total

    def quantiles(self, q: np.ndarray) -> np.ndarray:
        if self.exact:
            return np.interp(q, self._cumulative(), self.values)
        return np.interp(q, self.nodes, self.values)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Fraction of the weight at or below each `x` (right-continuous)."""
        idx = np.searchsorted(self.values, x, side="right")
        if self.exact:
            cumulative = np.concatenate([[0.0], self._cumulative()])
            return cumulative[idx]
        inside = (idx > 0) & (idx < len(self.values))
        lo = np.clip(idx - 1, 0, len(self.values) - 1)
        hi = np.clip(idx, 0, len(self.values) - 1)
        span = np.where(inside, self.values[hi] - self.values[lo], 1.0)
        t = np.where(inside, (x - self.values[lo]) / span, 0.0)
        out = self.nodes[lo] + t * (self.nodes[hi] - self.nodes[lo])
        return np.where(idx == 0, 0.0, np.where(idx == len(self.values), 1.0, out))

    def merge(self, other: _Summary) -> _Summary:
        total = self.total + other.total
        if self.exact and other.exact:
            values = np.concatenate([self.values, other.values])
            order = np.argsort(values, kind="stable")
            weights = np.concatenate([self.weights, other.weights])[order]
            return _Summary(
                values[order], weights, None, total, self.size
            )._maybe_compress()
        x = np.sort(np.concatenate([self.values, other.values]))
        fractions = (self.total * self.cdf(x) + other.total * other.cdf(x)) / total
        return _Summary(x, None, None, total, self.size)._nodes_from(
            np.maximum.accumulate(fractions)
        )

    def _maybe_compress(self) -> _Summary:
        if not self.exact or len(self.values) <= self.size:
            return self
        return self._nodes_from(self._cumulative())

    def _nodes_from(self, cumulative: np.ndarray) -> _Summary:
        nodes = np.arange(self.size + 1) / self.size
        values = np.interp(nodes, cumulative, self.values)
        return _Summary(values, None, nodes, self.total, self.size)
