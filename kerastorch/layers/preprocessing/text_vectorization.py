"""TextVectorization: raw strings → token indices or bag-of-words vectors."""

from __future__ import annotations

import re
import string

import numpy as np
import torch

from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.data_layer import DataLayer
from kerastorch.layers.preprocessing.string_lookup import StringLookup
from kerastorch.saving import object_registration

_OUTPUT_MODES = ("int", "multi_hot", "count", "tf_idf")
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
# The same characters as Keras's default strip regex (ASCII punctuation).
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")


class TextVectorization(DataLayer):
    """Turns strings into sequences of token indices, or into bag-of-words vectors.

    Each string is standardized (lowercased, punctuation stripped), split
    into tokens (on whitespace), optionally expanded to n-grams (joined with
    a space), and looked up in a vocabulary learned by `adapt()` or given.
    In `"int"` mode index 0 is padding (`""`) and 1 is OOV (`"[UNK]"`).

    Inputs are numpy arrays of strings shaped `(batch,)` or `(batch, 1)`, or
    lists of `str` (with `split=None`, `(batch, tokens)` arrays of tokens).
    A callable `standardize` takes and returns one string; a callable `split`
    takes one string and returns its list of tokens (Keras passes tensors of
    strings instead; use a registered function to keep the config JSON-able).

    Args:
        max_tokens: the largest vocabulary size, padding and OOV included.
            Defaults to `None` (no limit).
        standardize: `"lower_and_strip_punctuation"`, `"lower"`,
            `"strip_punctuation"`, `None` or a callable. Defaults to
            `"lower_and_strip_punctuation"`.
        split: `"whitespace"`, `"character"`, `None` (inputs are tokens already)
            or a callable. Defaults to `"whitespace"`.
        ngrams: `None`, an integer `n` (all n-grams up to n) or a tuple of
            n-gram sizes. Defaults to `None`.
        output_mode: `"int"` (int64 `(batch, length)`), `"multi_hot"`,
            `"count"` or `"tf_idf"` (float `(batch, vocabulary_size)`).
            Defaults to `"int"`.
        output_sequence_length: in `"int"` mode, pad with 0 or truncate every
            sequence to this length. Defaults to `None` (pad to the longest
            in the batch).
        pad_to_max_tokens: in the bag-of-words modes, make the last axis
            `max_tokens` wide. Defaults to `False`.
        vocabulary: a list of terms or the path of a text file with one term
            per line. Defaults to `None` (call `adapt()`).
        idf_weights: IDF weights for `"tf_idf"` mode, one per vocabulary term.
            Defaults to `None`.
        sparse: must be `False`. Defaults to `False`.
        ragged: must be `False`. Defaults to `False`.
        encoding: the text encoding of `bytes` inputs. Defaults to `"utf-8"`.

    Example:

    >>> layer = kerastorch.layers.TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    >>> layer([["foo qux bar"], ["qux baz"]])
    tensor([[4, 1, 3, 0],
            [1, 2, 0, 0]])
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode: str = "int",
        output_sequence_length: int | None = None,
        pad_to_max_tokens: bool = False,
        vocabulary=None,
        idf_weights=None,
        sparse: bool = False,
        ragged: bool = False,
        encoding: str = "utf-8",
        has_input_vocabulary: bool | None = None,
        **kwargs,
    ):
        standardize = _resolve_callable(standardize, _STANDARDIZE, "standardize")
        split = _resolve_callable(split, _SPLIT, "split")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (
            ngrams is None
            or (
                isinstance(ngrams, int) and not isinstance(ngrams, bool) and ngrams >= 1
            )
            or (
                isinstance(ngrams, tuple)
                and ngrams
                and all(
                    isinstance(n, int) and not isinstance(n, bool) and n >= 1
                    for n in ngrams
                )
            )
        ):
            raise ValueError(
                "`ngrams` must be None, a positive integer, or a tuple of positive "
                f"integers. Received: ngrams={ngrams!r}"
            )
        output_mode = utils.validate_output_mode(
            output_mode, _OUTPUT_MODES, "TextVectorization"
        )
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError(
                    "`output_sequence_length` must not be set if `output_mode` is not "
                    f"'int'. Received: output_sequence_length={output_sequence_length}."
                )
            utils.check_positive_int(
                output_sequence_length, "output_sequence_length", "TextVectorization"
            )
        utils.check_not_sparse(sparse, "TextVectorization")
        if ragged:
            raise ValueError(
                "Ragged outputs are not supported by kerastorch's TextVectorization; "
                f"use `output_sequence_length` or padding. Received: ragged={ragged}"
            )
        super().__init__(**kwargs)
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._ngram_sizes = (
            tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        )
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.encoding = encoding
        # The vocabulary, OOV and IDF machinery; "" is the padding/mask token.
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            encoding=encoding,
            has_input_vocabulary=has_input_vocabulary,
            name=f"{self.name}_lookup",
        )

    # --- vocabulary ------------------------------------------------------------------

    @property
    def max_tokens(self) -> int | None:
        return self._lookup_layer.max_tokens

    @property
    def pad_to_max_tokens(self) -> bool:
        return self._lookup_layer.pad_to_max_tokens

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary (index `i` holds the term of index `i`)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The vocabulary size, padding and OOV indices included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (and IDF weights in `"tf_idf"` mode) directly."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def adapt(
        self, data, batch_size: int | None = None, steps: int | None = None
    ) -> None:
        """Learn the vocabulary from the tokens of `data`, most frequent first.

        Args:
            data: a list or numpy array of strings, a torch `Dataset`/`DataLoader`
                or an iterable of batches of strings. Each string is a document.
            batch_size: the `DataLoader` batch size for a torch `Dataset`.
                Defaults to `None` (32).
            steps: at most this many batches of an iterable. Defaults to `None`.
        """
        lookup = self._lookup_layer
        lookup.reset_state()
        for batch in utils.adapt_batches(data, batch_size, steps):
            self.update_state(batch)
        lookup.finalize_state()

    def update_state(self, data) -> None:
        self._lookup_layer._check_adaptable(self.name)
        documents = self._tokenize(data)
        flat, rows = _flatten(documents)
        self._lookup_layer._count(flat, rows, len(documents))

    # --- preprocessing ----------------------------------------------------------------

    def _tokenize(self, inputs) -> list[list[str]]:
        """Standardize, split and n-gram each document: a list of token lists."""
        texts = utils.to_string_array(inputs, self.encoding, self.name)
        if self.split is None:
            if texts.ndim == 0:
                texts = texts.reshape(1, 1)
            elif texts.ndim == 1:
                texts = texts[:, None]
            elif texts.ndim > 2:
                raise ValueError(
                    f"With `split=None`, layer '{self.name}' expects inputs of rank 1 "
                    f"or 2. Received: inputs.shape={texts.shape}"
                )
            documents = [[self._standardize(t) for t in row] for row in texts.tolist()]
        else:
            if texts.ndim > 1:
                if texts.shape[-1] != 1 or texts.ndim > 2:
                    raise ValueError(
                        f"When using TextVectorization to tokenize strings, the input "
                        "rank must be 1 or the last shape dimension must be 1. "
                        f"Received: inputs.shape={texts.shape}"
                    )
                texts = texts[:, 0]
            texts = texts.reshape(-1)
            documents = [self._split(self._standardize(t)) for t in texts.tolist()]
        if self._ngram_sizes is not None:
            documents = [_ngrams(tokens, self._ngram_sizes) for tokens in documents]
        return documents

    def _standardize(self, text: str) -> str:
        if self.standardize is None:
            return text
        if callable(self.standardize):
            return self.standardize(text)
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.lower()
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _PUNCTUATION.sub("", text)
        return text

    def _split(self, text: str) -> list[str]:
        if self.split == "whitespace":
            return text.split()
        if self.split == "character":
            return list(text)
        return list(self.split(text))

    # --- calling ------------------------------------------------------------------------

    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._check_encodable()
        documents = self._tokenize(inputs)
        flat, rows = _flatten(documents)
        ids = torch.from_numpy(lookup._lookup(flat))  # (total_tokens,)
        rows = torch.from_numpy(rows)
        batch = len(documents)
        device = self._output_device
        if self.output_mode == "int":
            lengths = np.fromiter(
                (len(d) for d in documents), dtype=np.int64, count=batch
            )
            length = self.output_sequence_length
            if length is None:
                length = int(lengths.max()) if batch else 0
            # Position of each token inside its document; tokens past `length` are cut.
            starts = (
                np.concatenate([[0], np.cumsum(lengths)[:-1]]) if batch else lengths
            )
            positions = torch.arange(len(flat)) - torch.from_numpy(
                np.repeat(starts, lengths)
            )
            keep = positions < length
            out = torch.zeros((batch, length), dtype=torch.int64)
            out[rows[keep], positions[keep]] = ids[keep]
            return out.to(device)  # (batch, length)
        depth = lookup._depth()
        out = torch.zeros((batch, depth), dtype=self._float_dtype)
        keep = ids >= 0  # padding tokens are dropped
        out.index_put_(
            (rows[keep], ids[keep]),
            torch.ones(int(keep.sum()), dtype=out.dtype),
            accumulate=True,
        )
        if self.output_mode == "multi_hot":
            out = (out > 0).to(out.dtype)
        elif self.output_mode == "tf_idf":
            out = out * lookup.idf_weights.to(out.dtype)
        return out.to(device)  # (batch, depth)

    def compute_output_shape(self, input_shape):
        batch = tuple(input_shape)[0] if input_shape else None
        if self.output_mode == "int":
            return (batch, self.output_sequence_length)
        return (batch, self._lookup_layer._depth())

    def compute_output_spec(self, inputs, *args, **kwargs) -> KerasTensor:
        dtype = "int64" if self.output_mode == "int" else self._output_dtype()
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape)), dtype=dtype)

    # --- config -------------------------------------------------------------------------

    def get_config(self) -> dict:
        config = super().get_config()
        lookup_config = self._lookup_layer.get_config()
        config.update(
            {
                "max_tokens": self.max_tokens,
                "standardize": _callable_name(self.standardize),
                "split": _callable_name(self.split),
                "ngrams": list(self.ngrams)
                if isinstance(self.ngrams, tuple)
                else self.ngrams,
                "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary": lookup_config["vocabulary"],
                "idf_weights": lookup_config["idf_weights"],
                "sparse": False,
                "ragged": False,
                "encoding": self.encoding,
                "has_input_vocabulary": lookup_config["has_input_vocabulary"],
            }
        )
        return config


def _flatten(documents: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """All tokens in one `str` array, and the document index of each."""
    lengths = [len(d) for d in documents]
    flat = np.asarray([t for d in documents for t in d], dtype=str)
    rows = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
    return flat, rows


def _ngrams(tokens: list[str], sizes: tuple[int, ...]) -> list[str]:
    """All n-grams of each size in `sizes` (in that order), joined with a space."""
    out = []
    for n in sizes:
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def _resolve_callable(value, allowed: tuple[str, ...], arg: str):
    """A built-in name, None, a callable, or a registered function's name → the value."""
    if value is None or callable(value) or value in allowed:
        return value
    if isinstance(value, str):
        function = object_registration.get_registered_object(value)
        if callable(function):
            return function
    import difflib

    close = difflib.get_close_matches(str(value), allowed)
    hint = f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown `{arg}` for TextVectorization. Expected one of {list(allowed)}, "
        f"None, a callable or a registered function name. Received: {arg}={value!r}.{hint}"
    )


def _callable_name(value):
    """Config form of `standardize`/`split`: the string, or a callable's registered name."""
    if callable(value):
        return object_registration.get_registered_name(value)
    return value
