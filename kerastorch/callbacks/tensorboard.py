"""TensorBoard: writes metrics, weight histograms, the model graph and profiles.

Event files are written with `torch.utils.tensorboard.SummaryWriter`, imported
on first write, so importing `kerastorch.callbacks` does not load TensorBoard.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import warnings
import weakref

import torch

from kerastorch.callbacks.callback import Callback
from kerastorch.callbacks.callback_list import to_python_logs
from kerastorch.distribution import is_main_process
from kerastorch.utils import tree
from kerastorch.utils.warnings import KerasTorchWarning

_TRAIN_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_profile_batch(profile_batch) -> tuple[int, int]:
    """`profile_batch` → `(start, stop)`, 1-based and inclusive; `(0, 0)` disables."""
    error = (
        "`profile_batch` must be a non-negative integer or a pair of positive "
        "integers `(start, stop)` with start <= stop (also accepted as the "
        f"string 'start,stop'). Received: profile_batch={profile_batch!r}"
    )
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(part) for part in value.split(",")]
        except ValueError:
            raise ValueError(error) from None
        value = value[0] if len(value) == 1 else value
    if _is_int(value):
        if value < 0:
            raise ValueError(error)
        return value, value
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(_is_int(v) for v in value)
    ):
        start, stop = value
        if (start, stop) == (0, 0):
            return 0, 0
        if start < 1 or stop < start:
            raise ValueError(error)
        return start, stop
    raise ValueError(error)


def _is_real_batch(x) -> bool:
    """Whether `x` holds data (some tensor, none on the meta device)."""
    tensors = [t for t in tree.flatten(x) if isinstance(t, torch.Tensor)]
    return bool(tensors) and all(t.device.type != "meta" for t in tensors)


def _as_scalar(value) -> float | None:
    """A log value as a float, or None when it is not a single number."""
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        return None


def _as_image(weight: torch.Tensor) -> tuple[torch.Tensor, str] | None:
    """A weight as an image in [0, 1] with its `dataformats`, or None if it has none."""
    w = weight.detach().float().cpu().squeeze()
    if w.ndim == 1:  # bias: a one-pixel-high strip
        w = w.reshape(1, -1)
    if w.ndim == 2:  # dense kernel, shown wider than tall
        if w.shape[0] > w.shape[1]:
            w = w.T
        fmt = "HW"
    elif w.ndim == 3:  # conv1d kernel (width, in, out): one image per output channel
        w = w.permute(2, 0, 1).unsqueeze(1)  # (out, 1, width, in)
        fmt = "NCHW"
    else:
        return None
    if not torch.isfinite(w).all():
        return None
    low, high = w.min(), w.max()
    w = (w - low) / (high - low) if high > low else torch.zeros_like(w)
    return w, fmt


class TensorBoard(Callback):
    """Enable visualizations for TensorBoard.

    Writes, under `log_dir/train` and `log_dir/validation`:

    * `epoch_<metric>` scalars (step: the epoch index), the validation ones
      (`val_` prefix removed) in `validation/`, plus `epoch_learning_rate`
      and, with `write_steps_per_second`, `epoch_steps_per_second`;
    * `batch_<metric>` scalars every `update_freq` batches (step: the number
      of training batches this callback has seen, counted across `fit` calls);
    * `evaluation_<metric>_vs_iterations` in `validation/` at the end of each
      evaluation (validation in `fit`, or `evaluate`), with the optimizer's
      `iterations` as step;
    * a histogram per weight (`<weight.path>/histogram`, and
      `<weight.path>/image` with `write_images`) every `histogram_freq` epochs;
    * the model graph, traced with `torch.jit.trace` on the first training
      batch; a model that cannot be traced gives one warning, not an error;
    * a `torch.profiler` trace of the batches in `profile_batch`, under
      `log_dir/plugins/profile`, for TensorBoard's PyTorch profiler plugin
      (`pip install torch-tb-profiler`).

    View them with `tensorboard --logdir <log_dir>`. Under `torchrun`, only
    rank 0 writes.

    Args:
        log_dir: the directory to write the event files in. Should not be
            shared with other callbacks. Defaults to `"logs"`.
        histogram_freq: frequency (in epochs) of the weight histograms; 0 writes
            none. Defaults to `0`.
        write_graph: whether to write the model graph. Defaults to `True`.
        write_images: whether to also write weights (up to 3-D, scaled to
            [0, 1]) as images when writing histograms. Defaults to `False`.
        write_steps_per_second: whether to log training steps per second, at
            epoch level and, when logging batches, at batch level.
            Defaults to `False`.
        update_freq: `"epoch"`, `"batch"`, or an integer N: batch-level
            metrics are written every N batches (`"batch"` means 1). Writing
            often costs a host synchronisation per write. Defaults to `"epoch"`.
        profile_batch: the training batch to profile (an integer, counted from
            1 within each `fit`), or a range `(start, stop)` of batches
            (inclusive), or the string `"start,stop"`. 0 disables profiling.
            Defaults to `0`.
        embeddings_freq: must be 0: the embedding projector is not supported.
            Defaults to `0`.
        embeddings_metadata: unused (accepted for Keras compatibility).
            Defaults to `None`.

    Example:

    ```python
    tensorboard_callback = kerastorch.callbacks.TensorBoard(log_dir="./logs")
    model.fit(x_train, y_train, epochs=2, callbacks=[tensorboard_callback])
    # Then: tensorboard --logdir ./logs
    ```
    """

    # Batch logs come unconverted (tensors): we read them only on the batches we write.
    _raw_batch_logs = True

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int | str | tuple[int, int] = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: str | dict | None = None,
    ):
        if not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(
                f"`log_dir` must be a path (str or os.PathLike). Received: log_dir={log_dir!r}"
            )
        if not _is_int(histogram_freq) or histogram_freq < 0:
            raise ValueError(
                f"`histogram_freq` must be a non-negative integer. Received: histogram_freq={histogram_freq!r}"
            )
        if update_freq == "batch":
            update_freq = 1
        elif update_freq != "epoch" and not (_is_int(update_freq) and update_freq > 0):
            raise ValueError(
                "`update_freq` must be 'epoch', 'batch' or a positive integer. "
                f"Received: update_freq={update_freq!r}"
            )
        if not _is_int(embeddings_freq) or embeddings_freq < 0:
            raise ValueError(
                f"`embeddings_freq` must be a non-negative integer. Received: embeddings_freq={embeddings_freq!r}"
            )
        if embeddings_freq:
            raise ValueError(
                "Embedding visualization is not supported by kerastorch's "
                f"TensorBoard callback; pass embeddings_freq=0. Received: embeddings_freq={embeddings_freq}"
            )
        start, stop = _parse_profile_batch(profile_batch)
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = start, stop
        self._should_trace = stop > 0
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._profile_dir = os.path.join(self.log_dir, "plugins", "profile")

        self._writers: dict = {}  # created on first write
        self._active = True  # False on ranks other than 0
        self._in_fit = False
        self._global_train_batch = 0  # step of batch summaries; kept across fits
        self._fit_batch = 0  # 1-based batch index within a fit (for profiling)
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0
        self._profiler = None
        self._graph_hook = None
        self._graph_input = None
        self._graph_model = None  # weakref to the model whose graph was written

    # --- CallbackList protocol ----------------------------------------------------

    def _wants_batch_hooks(self, hook: str) -> bool:
        """Batch hooks only when logging batches or profiling (else no per-batch cost)."""
        if hook not in _TRAIN_BATCH_HOOKS or not is_main_process():
            return False
        return self.update_freq != "epoch" or self._should_trace

    # --- writers ------------------------------------------------------------------

    def _writer(self, name: str):
        if name not in self._writers:
            from torch.utils.tensorboard import SummaryWriter

            path = self._train_dir if name == "train" else self._val_dir
            self._writers[name] = SummaryWriter(log_dir=path)
        return self._writers[name]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _write_scalars(
        self, name: str, prefix: str, logs: dict, step: int, suffix: str = ""
    ) -> None:
        writer = None
        for key, value in logs.items():
            value = _as_scalar(value)
            if value is None:
                continue
            if writer is None:
                writer = self._writer(name)
            writer.add_scalar(f"{prefix}{key}{suffix}", value, global_step=step)

    # --- fit ------------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        self._active = is_main_process()
        self._in_fit = True
        self._fit_batch = 0
        self._profiler = None
        written = self._graph_model is not None and self._graph_model() is self.model
        if self._active and self.write_graph and not written:
            self._install_graph_hook()

    def on_train_end(self, logs=None):
        self._in_fit = False
        if not self._active:
            return
        self._stop_profiler()
        self._maybe_write_graph()
        self._remove_graph_hook()
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self._active and self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations() or 0
            self._epoch_start_time = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if not self._active:
            return
        self._maybe_write_graph()
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        if not self._active:
            return
        self._global_train_batch += 1
        self._fit_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()
        if self._should_trace and self._fit_batch == self._start_batch:
            self._start_profiler()

    def on_train_batch_end(self, batch, logs=None):
        if not self._active:
            return
        self._maybe_write_graph()
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0:
            batch_logs = to_python_logs(logs) if logs is not None else {}
            if self.write_steps_per_second:
                elapsed = time.perf_counter() - self._batch_start_time
                batch_logs["steps_per_second"] = 1.0 / elapsed if elapsed > 0 else 0.0
            self._write_scalars("train", "batch_", batch_logs, step)
        if self._profiler is not None:
            self._step_profiler()

    # --- evaluate -----------------------------------------------------------------

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._active = is_main_process()

    def on_test_end(self, logs=None):
        if not self._active:
            return
        iterations = self._iterations()
        if iterations is not None and logs:
            self._write_scalars(
                "validation", "evaluation_", logs, iterations, suffix="_vs_iterations"
            )
        if not self._in_fit:
            self._close_writers()

    # --- summaries ----------------------------------------------------------------

    def _iterations(self) -> int | None:
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        return None if iterations is None else int(iterations)

    def _learning_rate(self) -> float | None:
        optimizer = getattr(self.model, "optimizer", None)
        return _as_scalar(getattr(optimizer, "learning_rate", None))

    def _log_epoch_metrics(self, epoch: int, logs: dict) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {
            k[len("val_") :]: v for k, v in logs.items() if k.startswith("val_")
        }
        learning_rate = self._learning_rate()
        if learning_rate is not None:
            train_logs["learning_rate"] = learning_rate
        if self.write_steps_per_second:
            iterations = self._iterations()
            elapsed = time.perf_counter() - self._epoch_start_time
            if iterations is not None and elapsed > 0:
                train_logs["steps_per_second"] = (
                    iterations - self._epoch_start_iterations
                ) / elapsed
        self._write_scalars("train", "epoch_", train_logs, epoch)
        self._write_scalars("validation", "epoch_", val_logs, epoch)

    def _named_weights(self) -> list[tuple[str, torch.Tensor]]:
        """`(tag, weight)` for each model weight: its Keras `path`, else its torch name."""
        torch_names = {id(t): n for n, t in self.model.named_parameters()}
        torch_names.update({id(t): n for n, t in self.model.named_buffers()})
        out, seen = [], set()
        weights = getattr(self.model, "weights", None)
        if weights is None:
            weights = list(self.model.parameters())
        for weight in weights:
            if id(weight) in seen:
                continue
            seen.add(id(weight))
            tag = (
                getattr(weight, "path", None)
                or torch_names.get(id(weight))
                or f"weight_{len(out)}"
            )
            out.append((tag, weight))
        return out

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for tag, weight in self._named_weights():
            values = weight.detach().float().cpu().flatten()
            values = values[torch.isfinite(values)]  # np.histogram rejects inf/nan
            if values.numel() == 0:
                continue
            writer.add_histogram(f"{tag}/histogram", values, global_step=epoch)
            if self.write_images:
                image = _as_image(weight)
                if image is None:
                    continue
                pixels, fmt = image
                if fmt == "HW":
                    writer.add_image(
                        f"{tag}/image", pixels, global_step=epoch, dataformats=fmt
                    )
                else:
                    writer.add_images(
                        f"{tag}/image", pixels, global_step=epoch, dataformats=fmt
                    )
        writer.flush()

    # --- graph ----------------------------------------------------------------------

    def _install_graph_hook(self) -> None:
        """Keep the first input the model is called with during fit (a real batch)."""

        def capture(module, args, kwargs):
            x = args[0] if args else kwargs.get(getattr(module, "_first_arg", ""))
            if _is_real_batch(x):  # not a meta-device shape-inference call
                self._graph_input = x
                self._remove_graph_hook()

        if getattr(self.model, "jit_compile", False):
            # Run the hook eagerly (real tensors) if the step is compiled;
            # torch.compile is already loaded in that case.
            capture = torch.compiler.disable(capture)
        self._remove_graph_hook()
        self._graph_hook = self.model.register_forward_pre_hook(
            capture, with_kwargs=True
        )

    def _remove_graph_hook(self) -> None:
        if self._graph_hook is not None:
            self._graph_hook.remove()
            self._graph_hook = None

    def _maybe_write_graph(self) -> None:
        if self._graph_input is None:
            return
        x, self._graph_input = self._graph_input, None
        model = self.model
        self._graph_model = weakref.ref(model)
        cuda = {
            t.device.index
            for t in tree.flatten(x)
            if isinstance(t, torch.Tensor) and t.is_cuda
        }
        devices = sorted(torch.cuda.current_device() if i is None else i for i in cuda)
        try:
            # Tracing runs the model once in inference mode: keep the RNG state,
            # and silence torch.jit's deprecation/TracerWarnings and its prints.
            with (
                warnings.catch_warnings(),
                contextlib.redirect_stdout(io.StringIO()),
                torch.random.fork_rng(devices=devices),
                torch.no_grad(),
            ):
                warnings.simplefilter("ignore")
                self._writer("train").add_graph(model, (x,), use_strict_trace=False)
        except Exception as e:
            warnings.warn(
                f"TensorBoard could not trace model '{getattr(model, 'name', type(model).__name__)}' "
                f"with torch.jit.trace, so no graph is written ({type(e).__name__}: {e}). "
                "Training is not affected; pass write_graph=False to skip tracing.",
                KerasTorchWarning,
                stacklevel=2,
            )

    # --- profiler -----------------------------------------------------------------

    def _start_profiler(self) -> None:
        from torch.profiler import ProfilerAction
        from torch.profiler import ProfilerActivity
        from torch.profiler import profile
        from torch.profiler import tensorboard_trace_handler

        activities = [ProfilerActivity.CPU]
        if any(p.is_cuda for p in self.model.parameters()):
            activities.append(ProfilerActivity.CUDA)
        # Record every batch from start to stop, each marked `ProfilerStep#i`
        # (a schedule is what makes torch add the step markers), then save.
        last = self._stop_batch - self._start_batch

        def schedule(step: int) -> ProfilerAction:
            if step < last:
                return ProfilerAction.RECORD
            return (
                ProfilerAction.RECORD_AND_SAVE if step == last else ProfilerAction.NONE
            )

        try:
            profiler = profile(
                activities=activities,
                schedule=schedule,
                record_shapes=True,
                on_trace_ready=tensorboard_trace_handler(self._profile_dir),
            )
            profiler.start()
        except Exception as e:  # a profiler failure must not stop training
            warnings.warn(
                f"TensorBoard could not start the profiler ({type(e).__name__}: {e}); "
                "training continues without profiling.",
                KerasTorchWarning,
                stacklevel=2,
            )
            return
        self._profiler = profiler

    def _step_profiler(self) -> None:
        """End of a profiled batch; after the `stop` batch, the trace is saved."""
        try:
            self._profiler.step()
        except Exception as e:
            self._profiler = None
            warnings.warn(
                f"TensorBoard stopped profiling after an error ({type(e).__name__}: {e}).",
                KerasTorchWarning,
                stacklevel=2,
            )
            return
        if self._fit_batch >= self._stop_batch:
            self._stop_profiler()

    def _stop_profiler(self) -> None:
        """Stop profiling; a trace not yet saved (training ended early) is saved now."""
        profiler, self._profiler = self._profiler, None
        if profiler is None:
            return
        try:
            profiler.stop()
        except Exception as e:
            warnings.warn(
                f"TensorBoard could not save the profile ({type(e).__name__}: {e}).",
                KerasTorchWarning,
                stacklevel=2,
            )
