"""CellRNN: what SimpleRNN, LSTM and GRU share on top of RNN (fused path, config)."""

from __future__ import annotations

from kerastorch import regularizers
from kerastorch.layers.rnn.rnn import RNN

_CELL_ATTRIBUTES = (
    "units",
    "activation",
    "recurrent_activation",
    "use_bias",
    "unit_forget_bias",
    "reset_after",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
    "seed",
)


class CellRNN(RNN):
    """An RNN over one built-in cell, whose arguments it exposes as attributes.

    Subclasses set `_cell_class` and implement `_fused_mode()` (the torch op,
    or `None` when the activations rule it out) and `_torch_params()` (the
    cell's weights in torch's layout, as views where possible).
    """

    _cell_class: type = type(None)

    def _fused_mode(self) -> str | None:
        raise NotImplementedError

    def _torch_params(self) -> list:
        raise NotImplementedError

    def _fused_spec(self, training: bool):
        cell = self.cell
        if type(cell) is not self._cell_class:
            return None  # a subclassed cell may compute something else
        if training and 0 < cell.recurrent_dropout < 1:
            return None  # recurrent dropout acts inside the step
        mode = self._fused_mode()
        if mode is None:
            return None
        params = self._torch_params()
        if cell.kernel.is_cuda:
            # cuDNN copies its weights into one buffer; dense inputs make that a plain copy.
            params = [p.contiguous() for p in params]
        return mode, params, cell.use_bias

    def get_config(self) -> dict:
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(
            self.activity_regularizer
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return cls(**config)


def _forward(name: str) -> property:
    def get(self):
        return getattr(self.cell, name)

    get.__doc__ = f"The cell's `{name}`."
    return property(get)


for _name in _CELL_ATTRIBUTES:
    setattr(CellRNN, _name, _forward(_name))
