"""MaxNumBoundingBoxes: pads or truncates the bounding boxes of each image to a fixed count."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.backend.common.tensors import convert_to_tensor
from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import BaseImagePreprocessingLayer


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Makes `bounding_boxes` hold exactly `max_number` boxes per image: extra boxes are dropped, missing ones are
    filled with `fill_value` (in both `boxes` and `labels`). Images and other keys pass through unchanged.

    Input: a dict `{"images": ..., "bounding_boxes": {"boxes": (batch, n, 4), "labels": (batch, n)}}` (or a single
    image with `(n, 4)` boxes and `(n,)` labels). `boxes`/`labels` may also be lists holding each image's boxes,
    of different lengths.

    Args:
        max_number: the number of boxes per image.
        fill_value: the value of the added boxes and labels.
        bounding_box_format: the format of the boxes (e.g. `"xyxy"`); required when boxes are given.

    Example:
        layer = MaxNumBoundingBoxes(max_number=10, bounding_box_format="xyxy")
        data = layer({"images": images, "bounding_boxes": {"boxes": boxes, "labels": labels}})
    """

    _USE_BASE_FACTOR = False

    def __init__(self, max_number, fill_value=-1, **kwargs):
        if isinstance(max_number, bool) or not isinstance(max_number, (int, float)) or int(max_number) < 1:
            raise ValueError(
                f"MaxNumBoundingBoxes: `max_number` should be a positive integer. Received: max_number={max_number}"
            )
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def call(self, data, training=True):
        if not isinstance(data, dict) or "bounding_boxes" not in data:
            return super().call(data, training=training)
        if not self.bounding_box_format:
            raise ValueError(
                "You passed an input with a 'bounding_boxes' key, but you didn't specify a bounding box format. "
                f"Pass a `bounding_box_format` argument to your {self.__class__.__name__} layer, e.g. "
                "`bounding_box_format='xyxy'`."
            )
        boxes_dict = data["bounding_boxes"]
        if not isinstance(boxes_dict, dict) or "boxes" not in boxes_dict or "labels" not in boxes_dict:
            raise ValueError(
                f"{self.__class__.__name__}: expected `bounding_boxes` to be a dict with keys 'boxes' and 'labels'. "
                f"Received: bounding_boxes={boxes_dict!r:.200}"
            )
        rest = {key: value for key, value in data.items() if key != "bounding_boxes"}
        out = super().call(rest, training=training) if "images" in rest else rest
        batched = self._images_of(data).ndim == 4 if "images" in data else None
        out = dict(out)
        out["bounding_boxes"] = {
            **boxes_dict,
            **self.transform_bounding_boxes(boxes_dict["boxes"], boxes_dict["labels"], batched),
        }
        return out

    def transform_bounding_boxes(self, boxes, labels, batched=None) -> dict:
        """`boxes` `(batch, n, 4)` and `labels` `(batch, n)` padded or cut to `max_number` boxes."""
        if isinstance(boxes, (list, tuple)) and boxes and not _is_box(boxes[0]) and _ragged(boxes):
            boxes = [self._fit(convert_to_tensor(b, dtype="float32").reshape(-1, 4)) for b in boxes]
            labels = [self._fit(convert_to_tensor(label, dtype="int32")) for label in labels]
            return {"boxes": torch.stack(boxes), "labels": torch.stack(labels)}
        boxes = convert_to_tensor(boxes, dtype="float32") if not isinstance(boxes, torch.Tensor) else boxes
        labels = convert_to_tensor(labels) if not isinstance(labels, torch.Tensor) else labels
        single = boxes.ndim == 2 if batched is None else not batched
        if single:
            boxes, labels = boxes.unsqueeze(0), labels.unsqueeze(0)
        if boxes.ndim != 3 or boxes.shape[-1] != 4 or labels.shape != boxes.shape[:2]:
            raise ValueError(
                f"{self.__class__.__name__}: expected boxes of shape (batch, num_boxes, 4) and labels of shape "
                f"(batch, num_boxes). Received: boxes.shape={tuple(boxes.shape)}, labels.shape={tuple(labels.shape)}"
            )
        boxes, labels = self._fit(boxes.transpose(0, 1)).transpose(0, 1), self._fit(labels.T).T
        return {"boxes": boxes[0], "labels": labels[0]} if single else {"boxes": boxes, "labels": labels}

    def _fit(self, values: torch.Tensor) -> torch.Tensor:
        """`values` cut or padded with `fill_value` along its first axis to `max_number` rows."""
        values = values[: self.max_number]
        missing = self.max_number - values.shape[0]
        if missing <= 0:
            return values
        filler = torch.full((missing, *values.shape[1:]), self.fill_value, dtype=values.dtype, device=values.device)
        return torch.cat([values, filler])

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            extra = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
            if extra:
                raise KeyError(
                    f"There are unsupported keys in `bounding_boxes`: {sorted(extra)}. "
                    "Only `boxes` and `labels` are supported."
                )
            boxes = list(input_shape["bounding_boxes"]["boxes"])
            labels = list(input_shape["bounding_boxes"]["labels"])
            boxes[-2], labels[-1] = self.max_number, self.max_number
            return {**input_shape, "bounding_boxes": {"boxes": tuple(boxes), "labels": tuple(labels)}}
        return input_shape

    def get_config(self) -> dict:
        # Keras leaves `fill_value` out of its config; kerasish keeps it so that a round trip keeps the layer.
        return {**super().get_config(), "max_number": self.max_number, "fill_value": self.fill_value}


def _is_box(value) -> bool:
    return np.ndim(value) == 1 and len(value) == 4 and not isinstance(value[0], (list, tuple))


def _ragged(per_image) -> bool:
    return len({len(b) for b in per_image}) > 1
