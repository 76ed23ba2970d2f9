"""IndexLookup: the vocabulary machinery shared by StringLookup and IntegerLookup."""

from __future__ import annotations

import collections

import numpy as np
import torch

from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.data_layer import DataLayer

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(DataLayer):
    """Maps vocabulary terms to integer indices (not public: see StringLookup/IntegerLookup).

    Index layout in `"int"` mode: the mask token (if set) at 0, then
    `num_oov_indices` OOV indices, then the vocabulary terms. In the other
    modes the mask token takes no index and masked inputs are dropped.
    The vocabulary lives in the layer's config (JSON-able), so a model
    holding the layer recreates it from `get_config()` alone.
    """

    # Set by subclasses: the name used in errors, and the dtype of inverted outputs.
    _layer_label = "IndexLookup"
    _key_dtype_name = "int64"

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token=None,
        vocabulary=None,
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        has_input_vocabulary: bool | None = None,
        encoding: str = "utf-8",
        **kwargs,
    ):
        label = self._layer_label
        if max_tokens is not None and (
            not isinstance(max_tokens, (int, np.integer))
            or isinstance(max_tokens, bool)
            or max_tokens <= 1
        ):
            raise ValueError(
                f"If set, `max_tokens` of {label} must be an integer greater than 1. "
                f"Received: max_tokens={max_tokens!r}"
            )
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"If `pad_to_max_tokens` is True, {label} needs `max_tokens`. "
                f"Received: max_tokens={max_tokens}"
            )
        utils.check_positive_int(num_oov_indices, "num_oov_indices", label, minimum=0)
        output_mode = utils.validate_output_mode(output_mode, _OUTPUT_MODES, label)
        if invert and output_mode != "int":
            raise ValueError(
                f"`output_mode` of {label} must be 'int' when `invert` is True. "
                f"Received: output_mode={output_mode!r}"
            )
        utils.check_not_sparse(sparse, label)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"`idf_weights` of {label} should only be set if `output_mode` is "
                f"'tf_idf'. Received: idf_weights={idf_weights} and "
                f"output_mode={output_mode!r}"
            )
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(
                f"When `vocabulary` is given to {label} in 'tf_idf' output mode, "
                "`idf_weights` must be given too."
            )
        super().__init__(**kwargs)
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.encoding = encoding
        self._has_input_vocabulary = (
            vocabulary is not None
            if has_input_vocabulary is None
            else bool(has_input_vocabulary)
        )
        self._tokens: list = []
        self._index: dict = {}
        self._idf_weights: torch.Tensor | None = None
        self._vocabulary_set = False
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # --- subclass hooks -------------------------------------------------------------

    def _tokens_from_file(self, path: str) -> list:
        raise NotImplementedError

    def _standardize_tokens(self, tokens: list) -> list:
        """Vocabulary terms as plain Python values (ValueError for a wrong type)."""
        raise NotImplementedError

    def _as_key_array(self, inputs) -> np.ndarray:
        """Layer inputs → a numpy array of keys."""
        raise NotImplementedError

    def _oov_buckets(self, keys: np.ndarray) -> np.ndarray:
        """OOV bucket in `[0, num_oov_indices)` of each key."""
        raise NotImplementedError

    def _inverse(self, ids: torch.Tensor, like):
        """Indices → vocabulary terms (invert mode)."""
        raise NotImplementedError

    # --- indices ------------------------------------------------------------------------

    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def _special_tokens(self) -> list:
        return [self.mask_token] * self._oov_start_index() + [
            self.oov_token
        ] * self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The vocabulary size, including the mask (in `"int"` mode) and OOV indices."""
        return self._token_start_index() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary: index `i` of the list is the term with index `i`.

        Args:
            include_special_tokens: include the mask and OOV tokens at their
                indices. Defaults to `True`.
        """
        if not include_special_tokens:
            return list(self._tokens)
        return self._special_tokens() + list(self._tokens)

    # --- setting the vocabulary -----------------------------------------------------------

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (and, in `"tf_idf"` mode, the IDF weights) directly.

        Args:
            vocabulary: a list, tuple, 1D array or tensor of terms, or the
                path of a text file with one term per line. It may start with
                the special tokens (mask, then OOV) in their index order.
            idf_weights: IDF weights, one per entry of `vocabulary`; required in
                `"tf_idf"` mode and refused otherwise.
        """
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(
                    "`idf_weights` must be set if `output_mode` is 'tf_idf'."
                )
        elif idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is 'tf_idf'. "
                f"Received: output_mode={self.output_mode!r} and idf_weights={idf_weights}"
            )
        if isinstance(vocabulary, str):
            import os

            if not os.path.isfile(vocabulary):
                raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
            tokens = self._tokens_from_file(vocabulary)
        else:
            tokens = utils.listify(vocabulary)
            if not isinstance(tokens, list):
                raise ValueError(
                    "`vocabulary` must be a list, tuple, 1D array or tensor, or a file "
                    f"path. Received: vocabulary={vocabulary!r}"
                )
        tokens = self._standardize_tokens(tokens)
        if not tokens:
            raise ValueError(
                f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}"
            )
        special = self._special_tokens()
        start = len(special)
        found_special = len(tokens) >= start and tokens[:start] == special
        terms = tokens[start:] if found_special else tokens

        repeated = [t for t, c in collections.Counter(terms).items() if c > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please "
                f"uniquify your vocabulary. The repeated terms are: {repeated}"
            )
        for kind, token in (("mask", self.mask_token), ("OOV", self.oov_token)):
            if token is None or (kind == "OOV" and not self.invert):
                continue
            if token in terms:
                raise ValueError(
                    f"Found reserved {kind} token {token!r} at an unexpected location "
                    "in `vocabulary`. The vocabulary does not need to include the OOV "
                    "and mask tokens. Either remove them, or include them only at the "
                    f"start of the vocabulary in precisely this order: {special}."
                )
        size = start + len(terms)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab size. "
                f"Received vocabulary size is {size}; `max_tokens` is {self.max_tokens}."
            )
        if self.output_mode == "tf_idf":
            weights = np.asarray(utils.listify(idf_weights), dtype=np.float64)
            if weights.ndim != 1 or len(weights) != len(tokens):
                raise ValueError(
                    "`idf_weights` must be a 1D array with the same length as the "
                    f"vocabulary. len(idf_weights) is {weights.size}; len(vocabulary) "
                    f"is {len(tokens)}"
                )
            if not found_special:
                # No real document frequency for the special indices: use the average.
                weights = np.concatenate([np.full(start, weights.mean()), weights])
            self._set_idf(weights)
        self._set_terms(terms)

    def _set_terms(self, terms: list) -> None:
        self._tokens = list(terms)
        start = self._token_start_index()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._vocabulary_set = True

    def _set_idf(self, weights: np.ndarray) -> None:
        if self.pad_to_max_tokens and self.max_tokens is not None:
            weights = np.pad(weights, (0, max(0, self.max_tokens - len(weights))))
        self._idf_weights = torch.as_tensor(weights, dtype=torch.float32)

    @property
    def idf_weights(self) -> torch.Tensor | None:
        """The IDF weight of every index (`"tf_idf"` mode), or `None`."""
        return self._idf_weights

    # --- adapt --------------------------------------------------------------------------

    def adapt(
        self, data, batch_size: int | None = None, steps: int | None = None
    ) -> None:
        """Build the vocabulary from the terms of `data`, most frequent first.

        Ties are broken by the terms themselves, in descending order (as
        Keras does). With `max_tokens`, only the most frequent terms are kept.
        In `"tf_idf"` mode the IDF weights `log(1 + num_documents / (1 +
        document_count))` are learned too; OOV indices get their average.

        Args:
            data: a numpy array, a list, a torch `Dataset`/`DataLoader` or an
                iterable of batches. In an array or list each element (or row,
                for 2D data) is a document; each batch of an iterable is one
                document if 1D, else one document per row.
            batch_size: the `DataLoader` batch size for a torch `Dataset`.
                Defaults to `None` (32).
            steps: at most this many batches of an iterable. Defaults to `None`.
        """
        self.reset_state()
        if isinstance(data, (list, tuple, np.ndarray, torch.Tensor)):
            keys = self._as_key_array(data)
            if keys.ndim == 1:
                keys = keys[:, None]  # a plain list: as many documents as terms
            self.update_state(keys)
        else:
            for batch in utils.adapt_batches(data, batch_size, steps):
                self.update_state(batch)
        self.finalize_state()

    def reset_state(self) -> None:
        self._token_counts: collections.Counter = collections.Counter()
        self._document_counts: collections.Counter = collections.Counter()
        self._num_documents = 0
        self._seen_data = False

    def update_state(self, data) -> None:
        """Count the terms of one batch (see `adapt`)."""
        self._check_adaptable()
        keys = self._as_key_array(data)
        if keys.size == 0:
            return
        if keys.ndim <= 1:
            keys = keys.reshape(1, -1)  # one document
        keys = keys.reshape(keys.shape[0], -1)
        rows = np.repeat(np.arange(keys.shape[0]), keys.shape[1])
        self._count(keys.reshape(-1), rows, keys.shape[0])

    def _check_adaptable(self, name: str | None = None) -> None:
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{name or self.name}' after setting a static "
                "vocabulary via the `vocabulary` argument or `set_vocabulary()`."
            )

    def _count(self, keys: np.ndarray, rows: np.ndarray, num_documents: int) -> None:
        """Add term counts (and per-document counts) for flat `keys` in documents `rows`."""
        if num_documents == 0:
            return
        self._seen_data = True
        uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        self._token_counts.update(dict(zip(uniq.tolist(), counts.tolist())))
        if self.output_mode == "tf_idf":
            pairs = np.unique(rows.astype(np.int64) * len(uniq) + inverse.reshape(-1))
            doc_counts = np.bincount(pairs % len(uniq), minlength=len(uniq))
            self._document_counts.update(dict(zip(uniq.tolist(), doc_counts.tolist())))
            self._num_documents += num_documents

    def finalize_state(self) -> None:
        """Turn the counts into the vocabulary (and IDF weights)."""
        if not self._seen_data:
            raise utils.empty_data_error(self.name)
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ordered = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens is not None:
            ordered = ordered[: self.max_tokens - self._token_start_index()]
        terms = [t for t, _ in ordered]
        if self.output_mode == "tf_idf":
            documents = np.array(
                [self._document_counts[t] for t in terms], dtype=np.float64
            )
            idf = np.log1p(self._num_documents / (1.0 + documents))
            front = idf.mean() if len(idf) else 0.0
            self._set_idf(
                np.concatenate([np.full(self._token_start_index(), front), idf])
            )
        self._set_terms(terms)
        self.reset_state()

    # --- calling ------------------------------------------------------------------------

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        """int64 indices of `keys` (any shape): OOV hashed, mask → 0 or -1 (dropped)."""
        flat = keys.reshape(-1)
        uniq, inverse = np.unique(flat, return_inverse=True)
        index = self._index
        uniq_ids = np.fromiter(
            (index.get(k, -1) for k in uniq.tolist()), dtype=np.int64, count=len(uniq)
        )
        ids = uniq_ids[inverse.reshape(-1)]
        oov = ids < 0
        if self.mask_token is not None:
            is_mask = flat == self.mask_token
            oov &= ~is_mask
        if oov.any():
            if self.num_oov_indices == 0:
                found = np.unique(flat[oov]).tolist()[:10]
                raise ValueError(
                    f"When `num_oov_indices=0` all inputs of layer '{self.name}' should "
                    f"be in the vocabulary; found OOV values {found}. Consider setting "
                    "`num_oov_indices=1`."
                )
            start = self._oov_start_index()
            if self.num_oov_indices == 1:
                ids[oov] = start
            else:
                ids[oov] = start + self._oov_buckets(flat[oov])
        if self.mask_token is not None:
            ids[is_mask] = 0 if self.output_mode == "int" else -1
        return ids.reshape(keys.shape)

    def _depth(self) -> int | None:
        if self.pad_to_max_tokens:
            return self.max_tokens
        return self.vocabulary_size() if self._vocabulary_set else None

    def _check_encodable(self) -> None:
        if self.output_mode != "int" and self._depth() is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode!r}` and "
                "`pad_to_max_tokens=False`, you must set the vocabulary of layer "
                f"'{self.name}' before calling it: pass `vocabulary` or call `adapt()`."
            )

    def call(self, inputs):
        if self.invert:
            ids = utils.to_int_tensor(inputs, self.name)
            return self._inverse(ids, inputs)
        self._check_encodable()
        ids = self._place(self._lookup(self._as_key_array(inputs)), like=inputs)
        if self.output_mode == "int":
            return ids
        return self._encode(ids)

    def _encode(self, ids: torch.Tensor) -> torch.Tensor:
        return utils.encode_categorical(
            ids,
            self.output_mode,
            self._depth(),
            idf_weights=self._idf_weights,
            dtype=self._float_dtype,
        )

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return utils.encoded_shape(tuple(input_shape), self.output_mode, self._depth())

    def _output_dtype(self) -> str:
        if self.output_mode != "int":
            return super()._output_dtype()
        return self._key_dtype_name if self.invert else "int64"

    def compute_output_spec(self, inputs, *args, **kwargs) -> KerasTensor:
        return KerasTensor(
            self.compute_output_shape(tuple(inputs.shape)), dtype=self._output_dtype()
        )

    # --- config -------------------------------------------------------------------------

    def get_config(self) -> dict:
        config = super().get_config()
        vocabulary = self.get_vocabulary() if self._vocabulary_set else None
        idf = None
        if self._idf_weights is not None and vocabulary is not None:
            idf = [float(w) for w in self._idf_weights[: len(vocabulary)].tolist()]
        config.update(
            {
                "invert": self.invert,
                "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices,
                "oov_token": self.oov_token,
                "mask_token": self.mask_token,
                "output_mode": self.output_mode,
                "sparse": False,
                "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary": vocabulary,
                "idf_weights": idf,
                "has_input_vocabulary": self._has_input_vocabulary,
            }
        )
        return config
