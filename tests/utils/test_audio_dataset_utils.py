"""audio_dataset_from_directory against Keras 3.15's outputs
(tests/fixtures/dataset_utils/make_dataset_utils_fixtures.py
recorded them with TensorFlow's `decode_wav`); `format="torch"` decodes with Python's `wave`."""

import json
import pathlib
import wave

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish.utils import audio_dataset_from_directory

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "dataset_utils"
REFERENCE = json.loads((FIXTURES / "keras_reference.json").read_text())
ARRAYS = np.load(FIXTURES / "keras_reference.npz")


@pytest.fixture
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)


def write_wav(path, samples, width=2, channels=1):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(8000)
        f.writeframes(np.asarray(samples, dtype=f"<i{width}").tobytes())


@pytest.mark.parametrize("format", ["torch", "tf"])
@pytest.mark.parametrize("name", sorted(REFERENCE["audio"]))
def test_batches_match_keras(in_fixtures, capsys, format, name):
    if format == "tf":
        pytest.importorskip("tensorflow")
    entry = REFERENCE["audio"][name]
    ds = audio_dataset_from_directory("audio", shuffle=False, batch_size=4, format=format, **entry["kwargs"])
    assert capsys.readouterr().out == entry["messages"] and ds.class_names == entry["class_names"]
    batches = list(ds)
    assert len(batches) == entry["batches"]
    for i, (x, y) in enumerate(batches):
        x, y = np.asarray(x), np.asarray(y)
        expected_x, expected_y = ARRAYS[f"audio_{name}_x{i}"], ARRAYS[f"audio_{name}_y{i}"]
        assert x.dtype == expected_x.dtype == np.float32 and y.dtype == expected_y.dtype
        np.testing.assert_array_equal(x, expected_x)  # padded to the batch's longest file, or to the fixed length
        np.testing.assert_array_equal(y, expected_y)


def test_split_and_order(in_fixtures, capsys):
    train, val = audio_dataset_from_directory("audio", seed=11, validation_split=0.5, subset="both", format="torch")
    assert capsys.readouterr().out == REFERENCE["audio_split"]["messages"]
    assert len(train.file_paths) == len(val.file_paths) == 3 and isinstance(train, keras.utils.PyDataset)
    x, y = train[0]
    lengths = [wave.open(p).getnframes() for p in train.file_paths]
    assert tuple(x.shape) == (3, max(lengths), 1)  # padded to the longest file of the batch
    for row, length in zip(x, lengths):
        assert not row[length:].any()
    assert y.tolist() == [train.class_names.index(p.split("/")[1]) for p in train.file_paths]


def test_wav_decoding(tmp_path):
    (tmp_path / "a").mkdir()
    write_wav(tmp_path / "a" / "stereo.wav", [0, 16384, -32768, 32767], channels=2)
    ds = audio_dataset_from_directory(tmp_path, batch_size=None, format="torch", verbose=False)
    audio, label = ds[0]
    assert audio.tolist() == [[0.0, 0.5], [-1.0, 32767 / 32768]] and int(label) == 0
    ds = audio_dataset_from_directory(
        tmp_path, output_sequence_length=3, label_mode=None, format="torch", verbose=False
    )
    assert ds[0].tolist() == [[[0.0, 0.5], [-1.0, 32767 / 32768], [0.0, 0.0]]]


def test_bad_files_and_arguments(tmp_path):
    (tmp_path / "a").mkdir()
    write_wav(tmp_path / "a" / "eight_bit.wav", [1, 2, 3], width=1)
    (tmp_path / "a" / "text.wav").write_text("not a wav file")
    ds = audio_dataset_from_directory(tmp_path, shuffle=False, batch_size=None, format="torch", verbose=False)
    with pytest.raises(ValueError, match="Can only read 16-bit WAV files, but .*eight_bit.wav holds 8-bit samples"):
        ds[0]
    with pytest.raises(ValueError, match="Cannot read .*text.wav as a WAV file"):
        ds[1]
    with pytest.raises(ValueError, match="Cannot set both `ragged` and `output_sequence_length`"):
        audio_dataset_from_directory(tmp_path, ragged=True, output_sequence_length=3, format="torch")
    with pytest.raises(ValueError, match="`ragged=True` yields tf.RaggedTensors: it needs format='tf'"):
        audio_dataset_from_directory(tmp_path, ragged=True, format="torch")
    with pytest.raises(ValueError, match="`sampling_rate` resamples with tensorflow-io's resampler"):
        audio_dataset_from_directory(tmp_path, sampling_rate=16000, format="torch")
    with pytest.raises(ValueError, match="`sampling_rate` should be higher than 0"):
        audio_dataset_from_directory(tmp_path, sampling_rate=0, format="torch")
    with pytest.raises(ValueError, match="`format` should be one of 'tf', 'torch'"):
        audio_dataset_from_directory(tmp_path, format="grain")
    with pytest.raises(ValueError, match="No audio files found in directory .*Allowed format\\(s\\): \\('.wav',\\)"):
        audio_dataset_from_directory(tmp_path / "a", format="torch", verbose=False)


def test_ragged_tf_format(in_fixtures):
    tf = pytest.importorskip("tensorflow")
    x, _ = next(iter(audio_dataset_from_directory("audio", shuffle=False, ragged=True, format="tf", verbose=False)))
    assert isinstance(x, tf.RaggedTensor)
    assert x.row_lengths().numpy().tolist() == [120, 300, 80, 200, 50, 260]


def test_torch_tensors_and_fit(in_fixtures):
    ds = audio_dataset_from_directory(
        "audio", seed=3, output_sequence_length=64, batch_size=2, format="torch", verbose=False
    )
    x, y = ds[0]
    assert isinstance(x, torch.Tensor) and tuple(x.shape) == (2, 64, 1) and y.dtype == torch.int32
    model = keras.Sequential([keras.Input((64, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert np.isfinite(model.fit(ds, epochs=1, verbose=0).history["loss"][0])
