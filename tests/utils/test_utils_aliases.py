"""`keras.utils` names kerasish exports from where they live; expected values were produced by Keras 3.15
(`keras.utils.*` on the TensorFlow backend, by hand in /tmp/kref) and are written out here."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

import kerasish
from kerasish import config, utils


def test_standardize_dtype_gives_keras_names():
    given = [None, "float16", float, bool, str, int, np.float64, np.dtype("int16"), torch.bfloat16]
    assert [utils.standardize_dtype(d) for d in given] == [
        "float32",
        "float16",
        "float32",
        "bool",
        "string",
        "int32",  # Keras's non-TensorFlow backends map Python int to int32
        "float64",
        "int16",
        "bfloat16",
    ]
    with pytest.raises(ValueError, match="float31"):
        utils.standardize_dtype("float31")


def test_config_reads_and_writes_as_attributes_and_items():
    c = utils.Config(learning_rate=0.1, momentum=0.9)
    c.seed = 1
    c["b"] = 2
    assert repr(c) == "<Config {'learning_rate': 0.1, 'momentum': 0.9, 'seed': 1, 'b': 2}>"
    assert list(c) == ["b", "learning_rate", "momentum", "seed"]  # Keras iterates sorted
    assert c.to_json() == '{"learning_rate": 0.1, "momentum": 0.9, "seed": 1, "b": 2}'
    assert c.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "seed": 1, "b": 2}
    assert (len(c), "seed" in c, c.get("zz", 5), c.learning_rate, c["seed"]) == (4, True, 5, 0.1, 1)
    with pytest.raises(AttributeError, match="Did you mean 'learning_rate'"):
        _ = c.learning_rat


def test_frozen_config_refuses_every_change():
    c = utils.Config(seed=1)
    c.freeze()
    assert c.frozen
    for change in (lambda: setattr(c, "x", 1), lambda: c.__setitem__("x", 1), lambda: c.pop("seed"), c.update):
        with pytest.raises(ValueError, match="frozen"):
            change()
    assert c.as_dict() == {"seed": 1}
    c.unfreeze()
    c.x = 2
    assert c.as_dict() == {"seed": 1, "x": 2}


def test_unpack_x_y_sample_weight():
    assert utils.unpack_x_y_sample_weight([1, 2]) == (1, 2, None)
    assert utils.unpack_x_y_sample_weight((1,)) == (1, None, None)
    assert utils.unpack_x_y_sample_weight(5) == (5, None, None)
    with pytest.raises(ValueError, match="length 4"):
        utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_get_source_inputs_walks_back_to_the_inputs_once_each():
    a, b = kerasish.Input((3,)), kerasish.Input((2,))
    d = kerasish.layers.Dense(2)(a)
    out = kerasish.layers.Concatenate()([d, b, d])
    sources = utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert utils.get_source_inputs(a)[0] is a
    assert utils.get_source_inputs(5) == 5


def test_is_keras_tensor_serialize_and_clear_session():
    assert utils.is_keras_tensor(kerasish.Input((3,))) and not utils.is_keras_tensor(np.ones(2))
    config_ = utils.serialize_keras_object(kerasish.layers.Dense(2))
    assert config_["class_name"] == "Dense"
    assert kerasish.layers.deserialize(config_).units == 2
    utils.clear_session()
    assert kerasish.layers.Dense(1).name == "dense"


def test_interactive_logging_switch_sends_the_bar_to_the_logger(capsys, caplog):
    assert utils.is_interactive_logging_enabled() and config.is_interactive_logging_enabled()
    utils.disable_interactive_logging()
    try:
        assert not config.is_interactive_logging_enabled()
        bar = utils.Progbar(2, verbose=1, interval=0)
        with caplog.at_level(logging.INFO, logger="kerasish"):
            bar.update(1, [("loss", 0.5)])
            bar.update(2, [("loss", 0.25)])
        assert capsys.readouterr().out == ""
        lines = [r.getMessage() for r in caplog.records if r.name == "kerasish"]
        assert (
            len(lines) == 2 and lines[1].startswith("2/2 ━━━━") and lines[1].endswith("loss: 0.2500")
        )  # the final update is the epoch value
        assert all("\x1b" not in line and "\b" not in line and "\r" not in line for line in lines)
    finally:
        utils.enable_interactive_logging()
    utils.Progbar(1, verbose=1).update(1, [("loss", 1.0)])
    assert "loss: 1.0000" in capsys.readouterr().out
