"""Per-trial TensorBoard logs: epoch scalars and the `hparams` plugin summary.

Written with `torch.utils.tensorboard` (no TensorFlow), imported on first use.
"""

from __future__ import annotations

from kerastorch.callbacks.callback import Callback
from kerastorch.distribution import is_main_process


class TrialMetricsLogger(Callback):
    """Write each epoch's logs as scalars (`epoch_<name>`) under `log_dir`.

    Args:
        log_dir: the trial's TensorBoard directory.
        prefix: put before every tag, e.g. `"execution_1/"`. Defaults to `""`.
    """

    def __init__(self, log_dir: str, prefix: str = ""):
        super().__init__()
        self.log_dir = log_dir
        self.prefix = prefix
        self._writer = None

    def on_train_begin(self, logs=None):
        if is_main_process():
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        if self._writer is None:
            return
        for key, value in (logs or {}).items():
            try:
                self._writer.add_scalar(f"{self.prefix}epoch_{key}", float(value), epoch)
            except (TypeError, ValueError):
                continue

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def write_hparams(log_dir: str, hp_values: dict, metrics: dict) -> None:
    """Write the trial's hyperparameters and best-epoch metrics (tags `best/<name>`).

    TensorBoard's HParams dashboard then lists one session per trial.
    """
    if not is_main_process():
        return
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams

    hp_values = {k: v for k, v in hp_values.items() if v is not None}
    tagged = {f"best/{k}": float(v) for k, v in metrics.items()}
    experiment, session_start, session_end = hparams(hp_values, tagged)
    with SummaryWriter(log_dir) as writer:
        writer.file_writer.add_summary(experiment)
        writer.file_writer.add_summary(session_start)
        writer.file_writer.add_summary(session_end)
        for tag, value in tagged.items():
            writer.add_scalar(tag, value)
