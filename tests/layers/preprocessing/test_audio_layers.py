"""ops.stft/istft, MelSpectrogram and STFTSpectrogram against real Keras 3.15 (on TensorFlow).

Fixture: tests/fixtures/preprocessing_audio/audio.npz, made from the repository root by
    KERAS_BACKEND=tensorflow /tmp/kref/bin/python tests/fixtures/preprocessing_audio/make_audio_fixtures.py
(the arguments of each case are repeated below and in the script).
"""

import json
import os

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers, ops

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "preprocessing_audio", "audio.npz")
DATA = dict(np.load(FIXTURE))

STFT_CASES = {
    "a": dict(sequence_length=64, sequence_stride=16, fft_length=64, window="hann", center=True),
    "b": dict(sequence_length=50, sequence_stride=20, fft_length=64, window="hamming", center=False),
    "c": dict(sequence_length=32, sequence_stride=32, fft_length=32, window=None, center=True),
    "d": dict(sequence_length=40, sequence_stride=10, fft_length=128, window="hann", center=False),
}
MEL_CASES = {
    "default": dict(),
    "small": dict(fft_length=256, sequence_stride=64, num_mel_bins=40, sampling_rate=8000),
    "linear": dict(
        fft_length=512,
        sequence_stride=128,
        sequence_length=400,
        window="hamming",
        num_mel_bins=32,
        power_to_db=False,
        mag_exp=1.0,
        min_freq=100.0,
        max_freq=3000.0,
    ),
    "db": dict(fft_length=256, sequence_stride=100, top_db=30.0, ref_power=2.0, min_power=1e-6),
}
SPEC_CASES = {
    "log": dict(mode="log", frame_length=64),
    "magnitude_same": dict(mode="magnitude", frame_length=50, frame_step=10, padding="same"),
    "psd_spectrum": dict(mode="psd", frame_length=32, fft_length=64, scaling="spectrum", window="hamming"),
    "real_expand": dict(mode="real", frame_length=32, expand_dims=True),
    "imag_periodic": dict(mode="imag", frame_length=32, periodic=True, scaling=None),
    "angle": dict(mode="angle", frame_length=16, window=None),
    "stft_first": dict(mode="stft", frame_length=32, data_format="channels_first"),
    "log_first_expand": dict(
        mode="log", frame_length=32, data_format="channels_first", expand_dims=True, padding="same"
    ),
}


@pytest.mark.parametrize("key", sorted(STFT_CASES))
def test_stft_and_istft_match_keras(key):
    kwargs = STFT_CASES[key]
    real, imag = ops.stft(torch.tensor(DATA["signal"]), **kwargs)
    np.testing.assert_allclose(real.numpy(), DATA[f"stft_{key}_real"], atol=1e-5)
    np.testing.assert_allclose(imag.numpy(), DATA[f"stft_{key}_imag"], atol=1e-5)
    spectrum = (torch.tensor(DATA[f"stft_{key}_real"]), torch.tensor(DATA[f"stft_{key}_imag"]))
    np.testing.assert_allclose(ops.istft(spectrum, length=1000, **kwargs).numpy(), DATA[f"istft_{key}"], atol=1e-5)
    np.testing.assert_allclose(ops.istft(spectrum, **kwargs).numpy(), DATA[f"istft_{key}_nolength"], atol=1e-5)


def test_stft_round_trip_and_errors():
    signal = torch.randn(3, 2, 400, dtype=torch.float64)
    real, imag = ops.stft(signal, 64, 16, 64)
    assert real.shape == (3, 2, 26, 33) and real.dtype == torch.float64
    back = ops.istft((real, imag), 64, 16, 64, length=400)
    assert back.shape == signal.shape
    # TensorFlow's window normalisation assumes full overlap, so (in Keras too) only the interior is exact.
    np.testing.assert_allclose(back[..., 64:-64].numpy(), signal[..., 64:-64].numpy(), atol=1e-10)
    with pytest.raises(ValueError, match="fft_length"):
        ops.stft(signal, 64, 16, 32)
    with pytest.raises(ValueError, match="window"):
        ops.stft(signal, 64, 16, 64, window="kaiser")
    with pytest.raises(TypeError, match="float32"):
        ops.stft(torch.ones(100, dtype=torch.int64), 16, 8, 16)


@pytest.mark.parametrize("key", sorted(MEL_CASES))
def test_mel_spectrogram_matches_keras(key):
    layer = layers.MelSpectrogram(**MEL_CASES[key])
    out = layer(DATA["audio"])
    expected = DATA[f"mel_{key}"]
    assert tuple(out.shape) == expected.shape == tuple(layer.compute_output_shape((2, 4000)))
    np.testing.assert_allclose(out.numpy(), expected, rtol=2e-5, atol=2e-5 * np.abs(expected).max())


def test_mel_spectrogram_single_signal_config_and_model():
    layer = layers.MelSpectrogram(fft_length=256, sequence_stride=64, num_mel_bins=40, sampling_rate=8000)
    np.testing.assert_allclose(layer(DATA["audio"][0]).numpy(), DATA["mel_small"][0], atol=1e-3)
    config = layer.get_config()
    assert config["sequence_length"] == 256 and config["max_freq"] == 4000 and config["window"] == "hann"
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.get_config() == config
    inputs = keras.Input(shape=(4000,))
    outputs = layer(inputs)
    assert outputs.shape == (None, 40, 63)
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model(torch.tensor(DATA["audio"])).numpy(), DATA["mel_small"], rtol=2e-5, atol=1e-3)
    with pytest.raises(ValueError, match="fft_length"):
        layers.MelSpectrogram(fft_length=128, sequence_length=256)


@pytest.mark.parametrize("key", sorted(SPEC_CASES))
def test_stft_spectrogram_matches_keras(key):
    kwargs = SPEC_CASES[key]
    x = DATA["tracks"]
    if kwargs.get("data_format") == "channels_first":
        x = np.transpose(x, (0, 2, 1))
    layer = layers.STFTSpectrogram(**kwargs)
    out = layer(torch.tensor(x)).detach().numpy()
    expected = DATA[f"spec_{key}"]
    assert out.shape == expected.shape == tuple(layer.compute_output_shape(x.shape))
    if kwargs["mode"] == "angle":
        # -pi and pi are the same angle; the DC and Nyquist bins' imaginary parts are rounding noise (sin(0),
        # sin(pi t)), so their angles are too: compare the other bins.
        diff = np.abs(out - expected)
        diff = np.minimum(diff, 2 * np.pi - diff)
        bins = np.arange(out.shape[-1]) % 9  # frame_length 16: 9 bins per channel
        np.testing.assert_allclose(diff[..., (bins != 0) & (bins != 8)], 0, atol=1e-4)
    else:
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_stft_spectrogram_weights_config_and_saving(tmp_path):
    layer = layers.STFTSpectrogram(mode="magnitude", frame_length=32, frame_step=8, name="spec")
    inputs = keras.Input(shape=(300, 2))
    model = keras.Model(inputs, layer(inputs))
    assert [w.path for w in layer.weights] == ["spec/real_kernel", "spec/imag_kernel"]
    assert [tuple(w.shape) for w in layer.get_weights()] == [(32, 1, 17), (32, 1, 17)]
    assert len(layer.trainable_weights) == 2  # trainable, as Keras's default
    real_only = layers.STFTSpectrogram(mode="real", frame_length=16, name="real_only")
    real_only.build((None, 100, 1))
    assert [w.path for w in real_only.weights] == ["real_only/real_kernel"]
    config = layer.get_config()
    assert config["frame_step"] == 8 and config["fft_length"] is None and config["data_format"] == "channels_last"
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.get_config() == config
    x = torch.tensor(DATA["tracks"])
    with torch.no_grad():
        layer.real_kernel.mul_(0.5)  # trained kernels, not the initializer's, must come back
    for name in ("m.keras", "m.h5"):
        model.save(str(tmp_path / name))
        loaded = keras.models.load_model(str(tmp_path / name))
        np.testing.assert_allclose(loaded(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-6)


def test_stft_spectrogram_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=16, frame_step=32)
    with pytest.raises(ValueError, match="fft_length"):
        layers.STFTSpectrogram(frame_length=64, fft_length=32)
    with pytest.raises(ValueError, match="padding"):
        layers.STFTSpectrogram(padding="causal")
    with pytest.raises(ValueError, match="window"):
        layers.STFTSpectrogram(window="no-such-window")
    with pytest.raises(ValueError, match="rank 3|ndim|expected"):
        layers.STFTSpectrogram(frame_length=16)(torch.randn(2, 100))
