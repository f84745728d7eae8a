"""The ground floor, as Keras 3's `keras/src/backend/common`: what every other package builds on.

Tensor conversion and the default device (`tensors.py`), dtype promotion (`dtypes.py`), `Variable`
(`variable.py`), and the symbolic `KerasTensor` and `Node` (`keras_tensor.py`). Modules here import only
`kerasish.config`, `kerasish.utils`' helpers and each other, never a package above them.
"""
