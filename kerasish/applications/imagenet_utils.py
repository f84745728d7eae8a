"""`keras.applications.imagenet_utils`: ImageNet preprocessing, `decode_predictions` and the input-shape checks
every application shares."""

from __future__ import annotations

import json
import warnings

import numpy as np

from kerasish import activations, config, ops
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.utils.file_utils import get_file

__all__ = ["decode_predictions", "preprocess_input"]

CLASS_INDEX = None
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
# Keras checks the class index by this md5.
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)

PREPROCESS_INPUT_DOC = """Preprocesses a tensor or NumPy array encoding a batch of images.

    Args:
        x: A floating point NumPy array or a tensor, 3D or 4D with 3 color channels, values in [0, 255].
            A floating point NumPy array is preprocessed in place (as Keras does); tensors are not changed.
        data_format: `"channels_last"` or `"channels_first"`; `None` means `keras.config.image_data_format()`.{mode}

    Returns:
        Preprocessed array or tensor of type float32.{ret}
    """

PREPROCESS_INPUT_MODE_DOC = """
        mode: One of "caffe", "tf" or "torch".
            - caffe: RGB to BGR, then each channel zero-centered with respect to ImageNet, without scaling.
            - tf: pixels scaled to [-1, 1], sample-wise.
            - torch: pixels scaled to [0, 1], then each channel normalized with respect to ImageNet.
            Defaults to "caffe"."""

PREPROCESS_INPUT_RET_DOC_TF = "\n        The pixel values are scaled between -1 and 1, sample-wise."
PREPROCESS_INPUT_RET_DOC_TORCH = (
    "\n        The pixels are scaled between 0 and 1 and each channel is normalized with respect to ImageNet."
)
PREPROCESS_INPUT_RET_DOC_CAFFE = (
    "\n        The images are converted from RGB to BGR, then each channel is zero-centered with respect to ImageNet."
)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocesses a tensor or NumPy array encoding a batch of images (see `PREPROCESS_INPUT_DOC`)."""
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    if data_format is None:
        data_format = config.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError(
            "Expected data_format to be one of `channels_first` or `channels_last`. "
            f"Received: data_format={data_format}"
        )
    if isinstance(x, np.ndarray):
        return _preprocess_numpy_input(x, data_format, mode)
    return _preprocess_tensor_input(x, data_format, mode)


preprocess_input.__doc__ = PREPROCESS_INPUT_DOC.format(mode=PREPROCESS_INPUT_MODE_DOC, ret="")


def _channel_axis(ndim: int, data_format: str) -> tuple[int, tuple]:
    """The channel axis and the broadcast shape of a per-channel constant."""
    if data_format == "channels_first":
        axis = 0 if ndim == 3 else 1
        return axis, (3,) + (1,) * (ndim - axis - 1)
    return ndim - 1, (3,)


def _preprocess_numpy_input(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    # Keras writes over a floating point input; integer images are converted first.
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis, shape = _channel_axis(x.ndim, data_format)
    if mode == "torch":
        x /= 255.0
        x -= np.reshape(np.asarray(_TORCH_MEAN, x.dtype), shape)
        x /= np.reshape(np.asarray(_TORCH_STD, x.dtype), shape)
        return x
    x = np.flip(x, axis=axis)  # RGB -> BGR, a view as Keras's `x[..., ::-1]`
    x -= np.reshape(np.asarray(_CAFFE_MEAN, x.dtype), shape)
    return x


def _preprocess_tensor_input(x, data_format: str, mode: str):
    # Through `ops`, so that a KerasTensor gives op layers of a functional graph; a tensor is never changed in
    # place (Keras's torch backend would write over it).
    if not isinstance(x, KerasTensor):
        x = ops.convert_to_tensor(x)
    if "float" not in str(x.dtype):
        x = ops.cast(x, config.floatx())
    if mode == "tf":
        return ops.subtract(ops.divide(x, 127.5), 1.0)
    ndim = len(x.shape)
    axis, shape = _channel_axis(ndim, data_format)
    if mode == "torch":
        mean = np.reshape(np.asarray(_TORCH_MEAN, "float32"), shape)
        std = np.reshape(np.asarray(_TORCH_STD, "float32"), shape)
        return ops.divide(ops.subtract(ops.divide(x, 255.0), mean), std)
    x = ops.flip(x, axis=axis)
    return ops.subtract(x, np.reshape(np.asarray(_CAFFE_MEAN, "float32"), shape))


def decode_predictions(preds, top=5):
    """Decodes the predictions of an ImageNet model.

    Args:
        preds: Array or tensor of predictions, shape `(samples, 1000)`.
        top: How many top guesses to return per sample. Defaults to 5.

    Returns:
        One list per sample of `(class_name, class_description, score)` tuples, best first.
    """
    global CLASS_INDEX
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape (samples, 1000)). "
            f"Received array with shape: {tuple(preds.shape)}"
        )
    if CLASS_INDEX is None:
        fpath = get_file(
            "imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models", file_hash=CLASS_INDEX_HASH
        )
        with open(fpath) as f:
            CLASS_INDEX = json.load(f)
    preds = ops.convert_to_numpy(preds)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """The input shape of an application: `input_shape` checked against the model's needs, or its default."""
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if data_format == "channels_first" else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn(
                "This model usually expects 1 or 3 input channels. However, it was passed an input_shape "
                f"with {channels} input channels.",
                stacklevel=3,
            )
        if data_format == "channels_first":
            default_shape = (input_shape[0], default_size, default_size)
        else:
            default_shape = (default_size, default_size, input_shape[-1])
    elif data_format == "channels_first":
        default_shape = (3, default_size, default_size)
    else:
        default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` weights, "
                f"`input_shape` should be {default_shape}.  Received: input_shape={input_shape}"
            )
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels, spatial = (
            (input_shape[0], input_shape[1:]) if data_format == "channels_first" else (input_shape[-1], input_shape[:2])
        )
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if any(size is not None and size < min_size for size in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if data_format == "channels_first" else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(
            f"If `include_top` is True, you should specify a static `input_shape`. Received: input_shape={input_shape}"
        )
    return input_shape


def correct_pad(inputs, kernel_size):
    """The zero-padding `((top, bottom), (left, right))` that makes a strided convolution see what TensorFlow's
    "same" padding would, for the static spatial size of `inputs`."""
    img_dim = 2 if config.image_data_format() == "channels_first" else 1
    input_size = inputs.shape[img_dim : img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """Pretrained weights go with a softmax or linear classifier only."""
    if weights is None:
        return
    classifier_activation = activations.get(classifier_activation)
    if classifier_activation not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the `classifier_activation` argument when "
            "using pretrained weights, with `include_top=True`; "
            f"Received: classifier_activation={classifier_activation}"
        )
