"""The callback that writes TensorBoard logs: scalars, weight histograms, the model graph and profiles."""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import torch

from kerasish.callbacks.callback import Callback
from kerasish.config import standardize_dtype
from kerasish.distribute.environment import is_chief


class TensorBoard(Callback):
    """Writes logs that TensorBoard shows, through `torch.utils.tensorboard.SummaryWriter`.

    Training results go to the run `log_dir/train`, validation results to `log_dir/validation`:

    * after each epoch, the scalars `epoch_<name>` for the loss, each metric and the learning rate
      (`epoch_learning_rate`), and with `write_steps_per_second`, `epoch_steps_per_second`;
    * with an integer `update_freq`, the scalars `batch_<name>` every that many batches (counted across
      epochs, from 1), and `batch_steps_per_second` with `write_steps_per_second`;
    * after `evaluate()` or validation, `evaluation_<name>_vs_iterations` at the optimizer's step count;
    * with `histogram_freq`, a histogram of every weight, `<layer>/<weight>/histogram` (and with
      `write_images`, the weight as an image);
    * with `write_graph`, the model's graph (traced on zeros shaped like its inputs) and, for models with a
      config, Keras's conceptual graph (`keras`); a model that cannot be traced gives a warning;
    * with `profile_batch`, a torch profiler trace of those batches in `log_dir/train/plugins/profile`,
      viewable with TensorBoard's PyTorch profiler plugin;
    * with `embeddings_freq`, the weights of each `Embedding` layer for the embedding projector.

    Batch hooks are used only when batch-level logging, steps per second or profiling ask for them. Under
    distributed training only rank 0 writes.

    Args:
        log_dir: The folder where the log files are written.
        histogram_freq: Frequency (in epochs) of the weight histograms; 0 writes none.
        write_graph: Whether to write the model's graph.
        write_images: Whether to write the weights as images (with the histograms).
        write_steps_per_second: Whether to log training steps per second.
        update_freq: `"epoch"`, `"batch"` (every batch) or an integer: how often batch-level scalars are written.
        profile_batch: The batch to profile (an int, counted across epochs from 1), or a `(start, stop)` pair
            of batches (also `"start,stop"`); 0 profiles nothing.
        embeddings_freq: Frequency (in epochs) at which `Embedding` layers are written for the projector.
        embeddings_metadata: A file of labels (one per line, or tab-separated columns under a header line) for
            every embedding, or a dict mapping `Embedding` layer names to such files.

    Example:

    ```python
    tensorboard_callback = kerasish.callbacks.TensorBoard(log_dir="./logs", histogram_freq=1)
    model.fit(x_train, y_train, epochs=2, callbacks=[tensorboard_callback])
    # then: tensorboard --logdir=./logs
    ```
    """

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int | tuple[int, int] | str = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: str | dict | None = None,
    ):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        if self.update_freq != "epoch" and (not isinstance(self.update_freq, int) or self.update_freq < 1):
            raise ValueError(
                f"`update_freq` must be 'epoch', 'batch' or a positive integer. Received: update_freq={update_freq!r}"
            )
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        self._should_trace = self._stop_batch > 0
        self._profiler = None
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._global_train_batch = 0
        self._graph_written = False
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._previous_epoch_iterations = 0
        if self.update_freq != "epoch" or self.write_steps_per_second or self._should_trace:
            # Batch hooks only when something happens per batch: epoch-level logging costs nothing per batch.
            self.on_train_batch_begin = self._on_train_batch_begin
            self.on_train_batch_end = self._on_train_batch_end

    # ---- writers -----------------------------------------------------------------------------------------

    def _writer(self, run: str):
        # Created on first use, so that a run with nothing to log leaves no empty event file.
        if run not in self._writers:
            from torch.utils.tensorboard import SummaryWriter

            self._writers[run] = SummaryWriter(self._train_dir if run == "train" else self._val_dir)
        return self._writers[run]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ---- hooks -------------------------------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0

    def get_state(self) -> dict:
        # The batch counter carries the batch steps on across a resume; the graph is written once.
        return {"global_train_batch": self._global_train_batch, "graph_written": self._graph_written}

    def set_state(self, state: dict) -> None:
        self._global_train_batch = state["global_train_batch"]
        self._graph_written = state["graph_written"]

    def on_train_end(self, logs=None):
        self._stop_trace()
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = int(self.model.optimizer.iterations)
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if not is_chief():
            return
        if self.write_graph and not self._graph_written:
            self._graph_written = True
            self._write_graph()
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not is_chief():
            return
        step = int(optimizer.iterations)
        writer = self._writer("validation")
        for name, value in (logs or {}).items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", value, global_step=step)
        writer.flush()

    def _on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if self._should_trace and self._global_train_batch == self._start_batch:
            self._start_trace()

    def _on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0 and is_chief():
            writer = self._writer("train")
            if self.write_steps_per_second:
                writer.add_scalar(
                    "batch_steps_per_second", 1.0 / (time.time() - self._batch_start_time), global_step=step
                )
            # Reading the logs waits for the batch on the device: only on the batches that are logged.
            for name, value in (logs or {}).items():
                writer.add_scalar(f"batch_{name}", value, global_step=step)
        if self._profiler is not None and step >= self._stop_batch:
            self._stop_trace()

    # ---- what is written ---------------------------------------------------------------------------------

    def _log_epoch_metrics(self, epoch: int, logs: dict) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[len("val_") :]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train_logs["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            seconds = time.time() - self._epoch_start_time
            train_logs["steps_per_second"] = (int(optimizer.iterations) - self._previous_epoch_iterations) / seconds
        for run, run_logs in (("train", train_logs), ("validation", val_logs)):
            if run_logs:
                writer = self._writer(run)
                for name, value in run_logs.items():
                    writer.add_scalar(f"epoch_{name}", value, global_step=epoch)

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            for name, weight in zip(layer._weight_names(), layer.get_weights()):
                tag = name.replace(":", "_")
                writer.add_histogram(f"{tag}/histogram", weight, global_step=epoch)
                if self.write_images:
                    image = _weight_as_image(weight)
                    if image is not None:
                        writer.add_images(f"{tag}/image", image, global_step=epoch, dataformats="NHWC")

    def _log_embeddings(self, epoch: int) -> None:
        from kerasish.layers.core.embedding import Embedding

        metadata = self.embeddings_metadata
        for layer in self.model._flatten_layers():
            if not isinstance(layer, Embedding):
                continue
            path = metadata if isinstance(metadata, str) else (metadata or {}).get(layer.name)
            labels, header = _read_metadata(path) if path else (None, None)
            self._writer("train").add_embedding(
                layer.get_weights()[0], metadata=labels, metadata_header=header, tag=layer.name, global_step=epoch
            )
        if isinstance(metadata, dict):
            unknown = set(metadata) - {layer.name for layer in self.model._flatten_layers()}
            if unknown:
                raise ValueError(
                    f"Unrecognized `Embedding` layer names passed to `TensorBoard` "
                    f"`embeddings_metadata` argument: {sorted(unknown)}"
                )

    def _write_graph(self) -> None:
        writer = self._writer("train")
        try:
            config = self.model.to_json()
        except Exception:  # a subclassed model without a config: no conceptual graph, as in Keras
            config = None
        if config is not None:
            _write_keras_model_summary(writer, config)
        was_training = self.model.training
        self.model.eval()
        try:
            example = _example_inputs(self.model)
            if example is None:
                warnings.warn(
                    "TensorBoard could not write the model graph: the model declares no input shape to trace it with.",
                    stacklevel=2,
                )
                return
            writer.add_graph(self.model, example)
        except Exception as e:  # a model torch.jit.trace cannot follow still trains; only its graph is missing
            warnings.warn(f"TensorBoard could not write the model graph: {type(e).__name__}: {e}", stacklevel=2)
        finally:
            self.model.train(was_training)

    # ---- profiling ---------------------------------------------------------------------------------------

    def _start_trace(self) -> None:
        if self._profiler is not None or not is_chief():
            return
        from torch.profiler import ProfilerActivity, profile, tensorboard_trace_handler

        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
        profiler = profile(
            activities=activities,
            on_trace_ready=tensorboard_trace_handler(os.path.join(self._train_dir, "plugins", "profile")),
        )
        try:
            profiler.start()
            self._profiler = profiler
        except Exception as e:  # profiling is a diagnostic: failing to start it must not stop training
            warnings.warn(f"Failed to start profiler: {e}", stacklevel=2)

    def _stop_trace(self) -> None:
        if self._profiler is None:
            return
        profiler, self._profiler = self._profiler, None
        self._should_trace = False
        try:
            profiler.stop()
        except Exception as e:
            warnings.warn(f"Failed to stop profiler: {e}", stacklevel=2)


def _profile_range(profile_batch) -> tuple[int, int]:
    message = (
        "profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of positive "
        f"integers signifies a range of batches to profile. Found: {profile_batch}"
    )
    if isinstance(profile_batch, str):
        try:
            profile_batch = [int(part) for part in profile_batch.split(",")]
        except ValueError:
            raise ValueError(message) from None
        if len(profile_batch) == 1:
            profile_batch = profile_batch[0]
    if isinstance(profile_batch, int) and not isinstance(profile_batch, bool):
        start, stop = profile_batch, profile_batch
    elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
        start, stop = profile_batch
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _example_inputs(model):
    """Zeros shaped like the model's inputs (batch of 1), on its device; None when the shapes are unknown."""
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    inputs = model._declared_inputs()
    if inputs:
        examples = [
            torch.zeros([1] + [d or 1 for d in t.shape[1:]], dtype=standardize_dtype(t.dtype), device=device)
            for t in inputs
        ]
        return examples[0] if len(examples) == 1 else tuple(examples)
    shape = getattr(model, "_build_shapes", None)
    if isinstance(shape, (tuple, list)) and shape and all(d is None or isinstance(d, int) for d in shape):
        return torch.zeros([1] + [d or 1 for d in shape[1:]], device=device)
    return None


def _write_keras_model_summary(writer, config_json: str) -> None:
    """Writes the model's config as the `graph_keras_model` summary TensorBoard draws as a conceptual graph."""
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.compat.proto.types_pb2 import DT_STRING

    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1"))
    tensor = TensorProto(dtype=DT_STRING, string_val=[config_json.encode("utf-8")], tensor_shape=TensorShapeProto())
    summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
    writer._get_file_writer().add_summary(summary, global_step=0)


def _weight_as_image(weight: np.ndarray) -> np.ndarray | None:
    """A weight as an NHWC image batch, as Keras shows it: biases as a row, kernels with the longer axis
    across, conv kernels one image per channel; None for shapes that make no image."""
    image = np.squeeze(weight)
    if image.ndim == 1:
        image = image.reshape(1, image.shape[0], 1, 1)
    elif image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image.reshape(1, image.shape[0], image.shape[1], 1)
    elif image.ndim == 3:
        image = np.transpose(image, (2, 0, 1))[..., None]  # channels last: one image per kernel
    if image.ndim != 4 or image.shape[-1] not in (1, 3, 4):
        return None
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def _read_metadata(path: str) -> tuple[list, list | None]:
    with open(path) as f:
        lines = f.read().splitlines()
    if lines and "\t" in lines[0]:
        return [line.split("\t") for line in lines[1:]], lines[0].split("\t")
    return lines, None
