"""The callback that backs up the training state and resumes an interrupted `fit()` from it."""

from __future__ import annotations

import collections
import itertools
import os
import random
import shutil
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import torch

from kerasish.callbacks.callback import Callback
from kerasish.callbacks.callback_list import CallbackList
from kerasish.distribute.environment import is_chief
from kerasish.saving.atomic import atomic_write


class ResumePoint:
    """Where `fit()` starts: at epoch `epoch`, past the `step` batches of it that were done before a backup; a fresh
    run starts at `ResumePoint(initial_epoch)`.

    `fit()` asks it at the start of each epoch: `skip_done_batches` draws and drops the batches done before the
    backup (so that the data comes in the uninterrupted run's order), then `restore` brings back the state of the
    backup's moment. Both act once: later epochs start at their first batch.
    """

    def __init__(self, epoch: int, step: int = 0, restore: Callable[[], None] | None = None):
        self.epoch = epoch
        self.step = step
        self._restore = restore

    def skip_done_batches(self, batches: Iterator):
        """Draws and drops the epoch's `(step, batch)`s done before the backup; returns the last batch, or None."""
        done = collections.deque(itertools.islice(batches, self.step), maxlen=1)  # drains them, keeps the last
        self.step = 0
        return done[0][1] if done else None

    def restore(self) -> None:
        """Brings back the state of the backup's moment (its random generators and running metrics)."""
        restore, self._restore = self._restore, None
        if restore is not None:
            restore()


class BackupAndRestore(Callback):
    """Backs up the training state, so that an interrupted `fit()` resumes where it left off.

    The backup holds the weights, the optimizer's state, the epoch and batch reached, the running metrics, the
    state of every random number generator (Python's, NumPy's, torch's on the CPU and CUDA, and those of
    layers created with a `seed`) and the state of every other callback (`Callback.get_state()`: the best value
    of `ModelCheckpoint` and `EarlyStopping`, the patience counters, `History`, ...). It is written atomically to
    `backup_dir` at the end of each epoch, or every `save_freq` batches, after every other callback has run.
    When `fit()` starts and a backup exists, the state is restored and training goes on from there; a backup
    taken in the middle of an epoch resumes at the next batch of that epoch, drawing the data in the same order.
    With the same data and a fixed seed, the resumed run ends as an uninterrupted run would: the same weights,
    learning rate, History, checkpoints and early-stopping epoch. The backup is deleted when training
    completes.

    Keras 3 restarts an interrupted epoch from its first batch and forgets the other callbacks' state; kerasish
    resumes the epoch at the batch it reached, and gives every callback its state back.

    Run the same `fit()` (same model, compile and fit arguments, and the same callbacks in the same order) to
    resume: a changed setup makes the backup meaningless, and a changed list of callbacks with state is a
    `ValueError`. A backup that cannot be read falls back on the previous one with `double_checkpoint=True`,
    and is otherwise a `ValueError` naming the file. The model must be built before `fit()`. Under distributed
    training every rank restores and only rank 0 writes.

    Args:
        backup_dir: Folder for the backup; use it for nothing else (it is deleted when training completes).
        save_freq: `"epoch"` backs up at the end of each epoch; an integer backs up every that many batches.
        double_checkpoint: Whether to keep the previous backup too, used when the latest cannot be read.
        delete_checkpoint: Whether to delete the backup when training completes.

    Example:

    ```python
    backup = kerasish.callbacks.BackupAndRestore(backup_dir="/tmp/backup", save_freq=100)
    model.fit(x, y, epochs=10, callbacks=[backup])  # killed in epoch 4: run the script again, it resumes there
    ```
    """

    _backs_up_callbacks = True

    def __init__(
        self,
        backup_dir: str | os.PathLike,
        save_freq: str | int = "epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq < 1):
            raise ValueError(
                f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. Expected either 'epoch' "
                "or an integer value."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._state_path = os.path.join(self.backup_dir, "training_state.pt")
        self._prev_state_path = self._state_path + ".bkp"
        self._callbacks = None  # the CallbackList whose state is backed up; it hands itself over
        self._latest_is_damaged = False
        self._current_epoch = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1
        self._rng_at_epoch_begin = None
        if save_freq != "epoch":
            # Batch hooks only for batch-wise backups: an epoch-wise backup costs nothing per batch.
            self.on_train_batch_end = self._on_train_batch_end

    def _set_callback_list(self, callbacks) -> None:
        self._callbacks = callbacks

    # ---- restoring ---------------------------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you call `fit()`. Model "
                f"{self.model.name} is unbuilt. You can build it beforehand by calling it on a batch of data."
            )
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1
        self._latest_is_damaged = False
        state = self._read_state()
        if state is not None:
            self._restore(state)
        self._note_epoch_begin()

    def _read_state(self) -> dict | None:
        """The latest backup that can be read, or None when there is none; a damaged latest backup falls back on
        the previous one (with `double_checkpoint`), and with none to fall back on is a ValueError."""
        paths = [self._state_path] + ([self._prev_state_path] if self.double_checkpoint else [])
        problems = []
        for path in filter(os.path.exists, paths):
            try:
                state = _load(path)
                _check_state(state, self.model)
            except Exception as e:  # noqa: BLE001 - whatever the damage, the file cannot be resumed from
                problems.append(f"{path} ({_reason(e)})")
                continue
            if problems:
                warnings.warn(
                    f"BackupAndRestore cannot read the backup {problems[0]}; resuming from {path}, the "
                    "previous backup.",
                    stacklevel=2,
                )
                self._latest_is_damaged = True  # so that the next backup does not keep it as the previous one
            return state
        if problems:
            raise ValueError(
                f"BackupAndRestore cannot resume from the backup {' nor from '.join(problems)}: it is "
                "damaged, or not a backup of this model's training. Delete "
                f"{self.backup_dir} to start training afresh."
            )
        return None

    def _restore(self, state: dict) -> None:
        # The callbacks first: their check of the list is the last that can fail, and it changes nothing then.
        callbacks = self._callbacks if self._callbacks is not None else CallbackList()
        try:
            callbacks.set_state(_from_storable(state["callbacks"]))
        except ValueError as e:
            raise ValueError(
                f"BackupAndRestore cannot resume from the backup {self._state_path}, taken with other callbacks: "
                f"{e} Pass the callbacks of the interrupted run, in the same order, or delete {self.backup_dir} to "
                "start training afresh."
            ) from e
        model = self.model
        model.set_weights([w.numpy() for w in state["weights"]])
        optimizer = model.optimizer
        if state["optimizer"] is not None and optimizer is not None:
            if not optimizer.built:
                optimizer.build(model._collect_train_params())  # the variables fit() will step, in its order
            optimizer.load_own_variables({key: value.numpy() for key, value in state["optimizer"].items()})
        # The data order of the resumed epoch is drawn from the generators as they were when it began; the
        # state of the backup's moment comes back once fit() has drawn the batches already done.
        _set_rng_state(model, state["rng_at_epoch_begin"])
        if state["step"]:
            self._last_batch_seen = state["step"] - 1  # the next batch is the one after the backup's

        def restore_backup_moment():
            _set_rng_state(model, state["rng"])
            if state["metrics"] is not None:
                with torch.no_grad():
                    for variable, value in zip(_metric_variables(model), state["metrics"]):
                        variable.copy_(value)

        model._resume_point = ResumePoint(state["epoch"], state["step"], restore_backup_moment)

    # ---- backing up --------------------------------------------------------------------------------------

    def _note_epoch_begin(self) -> None:
        # Called last in on_train_begin and on_epoch_end, this is the generators' state from which the next
        # epoch's hooks draw and its data is shuffled: a batch-wise backup restores it to redraw that epoch.
        if self.save_freq != "epoch":
            self._rng_at_epoch_begin = _get_rng_state(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._last_batch_seen = -1
        if self.save_freq == "epoch":
            self._save(epoch=epoch + 1, step=0)
        self._note_epoch_begin()

    def _on_train_batch_end(self, batch, logs=None):
        if batch <= self._last_batch_seen:  # a new epoch
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save(epoch=self._current_epoch, step=batch + 1)

    def _save(self, epoch: int, step: int) -> None:
        model = self.model
        if not is_chief() or model.stop_training:
            # A stopping run is not backed up: resumed from the backup before, it redoes the last batches or
            # epoch and stops at the same point, where a backup of this moment would train on past it.
            return
        callbacks = self._callbacks.get_state() if self._callbacks is not None else {}
        rng = _get_rng_state(model)
        state = {
            "epoch": epoch,
            "step": step,
            "weights": [torch.from_numpy(w) for w in model.get_weights()],
            "optimizer": _optimizer_state(model.optimizer),
            # Within an epoch the running metrics carry on, so the resumed epoch logs what an unbroken one would.
            "metrics": [v.detach().cpu().clone() for v in _metric_variables(model)] if step else None,
            "rng_at_epoch_begin": self._rng_at_epoch_begin if step else rng,
            "rng": rng,
            "callbacks": {key: _to_storable(value, f"callback {key}: get_state()") for key, value in callbacks.items()},
        }
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._state_path) and not self._latest_is_damaged:
            # A hard link keeps the previous backup's file as it is: the new one replaces the name, not the data.
            tmp_link = self._prev_state_path + ".tmp"
            if os.path.exists(tmp_link):
                os.remove(tmp_link)
            os.link(self._state_path, tmp_link)
            os.replace(tmp_link, self._prev_state_path)
        with atomic_write(self._state_path) as tmp_path:
            torch.save(state, tmp_path)
        self._latest_is_damaged = False

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and is_chief() and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _load(path: str) -> dict:
    # weights_only: a backup is data, never code.
    return torch.load(path, map_location="cpu", weights_only=True)


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    # torch's weights_only refusal opens with advice to load the file unsafely; the reason comes after this mark.
    _, mark, reason = text.partition("WeightsUnpickler error:")
    text = reason.split(" Please use ")[0].split(" Check the documentation")[0].strip() if mark else text
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


# ---- what a backup must hold --------------------------------------------------------------------------------

_STATE_KEYS = ("epoch", "step", "weights", "optimizer", "metrics", "rng_at_epoch_begin", "rng", "callbacks")


def _check_state(state, model) -> None:
    """Raises a ValueError saying what is wrong when `state`, as loaded, is not a backup of `model`'s training:
    every value `_restore` uses is checked here, before anything is restored."""
    if not isinstance(state, dict):
        raise ValueError(f"it holds a {type(state).__name__}, not the dict of a training state")
    missing = [key for key in _STATE_KEYS if key not in state]
    if missing:
        raise ValueError(f"it lacks {missing}")
    for key in ("epoch", "step"):
        _expect(type(state[key]) is int and state[key] >= 0, key, "a non-negative integer", state[key])
    expected = [w.shape for w in model.get_weights()]
    weights = state["weights"]
    _expect(_is_list_of(weights, torch.Tensor), "weights", "a list of tensors", weights)
    got = [tuple(w.shape) for w in weights]
    if got != expected:
        raise ValueError(
            f"'weights' should be {len(expected)} arrays shaped {expected} (the model's); it holds "
            f"{len(got)} shaped {got}"
        )
    optimizer = state["optimizer"]
    _expect(
        optimizer is None or (isinstance(optimizer, dict) and _is_list_of(list(optimizer.values()), torch.Tensor)),
        "optimizer",
        "None or a dict of tensors",
        optimizer,
    )
    _expect(
        state["metrics"] is None or _is_list_of(state["metrics"], torch.Tensor),
        "metrics",
        "None or a list of tensors",
        state["metrics"],
    )
    for key in ("rng_at_epoch_begin", "rng"):
        _check_rng_state(state[key], key)
    callbacks = state["callbacks"]
    _expect(
        isinstance(callbacks, dict) and all(isinstance(k, str) and isinstance(v, dict) for k, v in callbacks.items()),
        "callbacks",
        "a dict of callback states",
        callbacks,
    )


def _check_rng_state(state, key: str) -> None:
    # Each state is set on a scratch generator, as `_set_rng_state` will set it on the real ones.
    _expect(isinstance(state, dict), key, "a dict of generator states", state)
    try:
        random.Random().setstate(state["python"])
        kind, keys, *rest = state["numpy"]
        np.random.RandomState().set_state((kind, keys.numpy().astype(np.uint32), *rest))
        torch.Generator().set_state(state["torch"])
        if not (
            _is_list_of(state["cuda"], torch.Tensor)
            and all(
                isinstance(device, str) and isinstance(generator, torch.Tensor)
                for device, generator in state["generators"].values()
            )
        ):
            raise TypeError("the CUDA or layer generator states are not tensors")
    except Exception as e:  # noqa: BLE001 - whatever is wrong, it is no generator state
        raise ValueError(f"'{key}' is not the state of the random generators ({_reason(e)})") from e


def _expect(condition: bool, key: str, what: str, value) -> None:
    if not condition:
        text = repr(value)
        raise ValueError(f"'{key}' should be {what}; it is {text if len(text) < 80 else type(value).__name__}")


def _is_list_of(value, kind) -> bool:
    return isinstance(value, list) and all(isinstance(item, kind) for item in value)


# ---- callback states as plain data ----------------------------------------------------------------------------

# A backup is loaded with torch's `weights_only` unpickler, which rebuilds tensors and Python's plain types but no
# numpy array: arrays travel as tensors under this tag.
_NUMPY_TAG = "__numpy__"


def _to_storable(value, where: str):
    """`value` as data the weights_only unpickler rebuilds; a ValueError naming `where` for anything else."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.generic):  # a numpy scalar: its Python number (or string)
        return _to_storable(value.item(), where)
    if isinstance(value, np.ndarray):
        try:
            return {_NUMPY_TAG: torch.from_numpy(value.copy())}
        except TypeError:
            pass  # a dtype torch has not (strings, objects): refused below
    elif isinstance(value, torch.Tensor):
        return value.detach().cpu().as_subclass(torch.Tensor)
    elif isinstance(value, (list, tuple)):
        items = [_to_storable(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    elif isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _to_storable(item, f"{where}[{key!r}]") for key, item in value.items()}
    kind = f"{type(value).__name__} of dtype {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__
    raise ValueError(
        f"BackupAndRestore backs up plain data only (None, bools, numbers, strings, numpy arrays, tensors, and lists, "
        f"tuples and string-keyed dicts of them), but {where} is a {kind}."
    )


def _from_storable(value):
    """Undoes `_to_storable`: numpy arrays come back as numpy arrays."""
    if isinstance(value, dict):
        if value.keys() == {_NUMPY_TAG} and isinstance(value[_NUMPY_TAG], torch.Tensor):
            return value[_NUMPY_TAG].numpy()
        return {key: _from_storable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_from_storable(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def _optimizer_state(optimizer) -> dict | None:
    if optimizer is None or not optimizer.built:
        return None
    store = {}
    optimizer.save_own_variables(store)
    return {key: torch.from_numpy(value) for key, value in store.items()}


def _metric_variables(model) -> list[torch.Tensor]:
    return [variable for metric in model.metrics for variable in metric.variables]


def _layer_generators(model) -> dict[str, tuple[str, torch.Tensor]]:
    """The state of every generator the model's layers hold (a seeded layer's own stream, as a torch.Generator
    attribute or in a SeedGenerator), keyed by where it lives: `"<layer index>.<attribute>[.<device>]"`."""
    from kerasish.random.seed_generator import SeedGenerator  # here: kerasish.random imports the layers

    states = {}
    for index, layer in enumerate(model._flatten_layers()):
        for name, value in vars(layer).items():
            if isinstance(value, torch.Generator):
                states[f"{index}.{name}"] = (str(value.device), value.get_state())
            elif isinstance(value, SeedGenerator):
                for device, generator in value._generators.items():
                    states[f"{index}.{name}.{device}"] = (str(device), generator.get_state())
    return states


def _set_layer_generators(model, states: dict) -> None:
    from kerasish.random.seed_generator import SeedGenerator

    layers = model._flatten_layers()
    for key, (device, state) in states.items():
        index, name = key.split(".")[:2]
        layer = layers[int(index)]
        holder = getattr(layer, name, None)
        if isinstance(holder, SeedGenerator):
            holder.generator(device).set_state(state)
        else:
            # A seeded layer makes its generator on first use: one made here, in the saved state, is used instead.
            generator = torch.Generator(device=device)
            generator.set_state(state)
            setattr(layer, name, generator)


def _get_rng_state(model) -> dict:
    numpy_state = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": (numpy_state[0], torch.from_numpy(numpy_state[1].astype(np.int64)), *numpy_state[2:]),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
        "generators": _layer_generators(model),
    }


def _set_rng_state(model, state: dict) -> None:
    random.setstate(state["python"])
    kind, keys, *rest = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if state["cuda"]:
        torch.cuda.set_rng_state_all(state["cuda"])
    _set_layer_generators(model, state["generators"])
