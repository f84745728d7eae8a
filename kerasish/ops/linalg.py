"""Linear-algebra ops (`keras.ops.linalg`) on torch tensors; integer inputs are computed as floats."""

from __future__ import annotations

import torch

from kerasish.backend.common.tensors import convert_to_tensor, convert_to_tensors, ensure_float
from kerasish.ops.operation import keras_op


@keras_op
def cholesky(x, upper=False):
    """The Cholesky factor of the symmetric positive-definite `x` (lower triangular unless `upper`)."""
    return torch.linalg.cholesky(ensure_float(convert_to_tensor(x)), upper=upper)


@keras_op
def cholesky_inverse(x, upper=False):
    """The inverse of a matrix from its Cholesky factor `x`."""
    return torch.cholesky_inverse(ensure_float(convert_to_tensor(x)), upper=upper)


@keras_op
def det(x):
    """Determinant of the square matrices `x`."""
    return torch.linalg.det(ensure_float(convert_to_tensor(x)))


@keras_op
def eig(x):
    """`(eigenvalues, eigenvectors)` of the square matrices `x` (complex)."""
    return tuple(torch.linalg.eig(ensure_float(convert_to_tensor(x))))


@keras_op
def eigh(x):
    """`(eigenvalues, eigenvectors)` of the symmetric matrices `x`, eigenvalues ascending."""
    return tuple(torch.linalg.eigh(ensure_float(convert_to_tensor(x))))


@keras_op
def inv(x):
    """Inverse of the square matrices `x`."""
    return torch.linalg.inv(ensure_float(convert_to_tensor(x)))


@keras_op
def lu_factor(x):
    """`(lu, pivots)` of the LU decomposition of `x`, with 0-based pivots (int32)."""
    lu, pivots = torch.linalg.lu_factor(ensure_float(convert_to_tensor(x)))
    return lu, (pivots - 1).int()


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (Keras's name)
    """Vector or matrix norm, as NumPy's: the flattened 2-norm by default, a vector norm over an int `axis`, a
    matrix norm over a pair of axes.

    Args:
        x: the tensor.
        ord: the norm's order (`None`, a number, `"fro"`, `"nuc"`, `inf`, ...).
        axis: None, an int or a pair of ints.
        keepdims: keep reduced axes as size 1.
    """
    x = ensure_float(convert_to_tensor(x))
    if isinstance(axis, list):
        axis = tuple(axis)
    return torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)


@keras_op
def qr(x, mode="reduced"):
    """`(q, r)` of the QR decomposition (`mode` `"reduced"` or `"complete"`)."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete'; received mode={mode!r}.")
    return tuple(torch.linalg.qr(ensure_float(convert_to_tensor(x)), mode=mode))


@keras_op
def solve(a, b):
    """The `x` solving `a @ x = b`."""
    a, b = convert_to_tensors(a, b)
    return torch.linalg.solve(ensure_float(a), ensure_float(b))


@keras_op
def solve_triangular(a, b, lower=False):
    """The `x` solving `a @ x = b` for triangular `a` (upper unless `lower`); `b` may be a vector."""
    a, b = (ensure_float(t) for t in convert_to_tensors(a, b))
    if b.ndim == a.ndim - 1:
        return torch.linalg.solve_triangular(a, b.unsqueeze(-1), upper=not lower).squeeze(-1)
    return torch.linalg.solve_triangular(a, b, upper=not lower)


@keras_op
def svd(x, full_matrices=True, compute_uv=True):
    """`(u, s, vh)` of the singular value decomposition, or only `s` if not `compute_uv`."""
    x = ensure_float(convert_to_tensor(x))
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return tuple(torch.linalg.svd(x, full_matrices=full_matrices))


@keras_op
def lstsq(a, b, rcond=None):
    """The least-squares solution `x` of `a @ x = b`."""
    a, b = (ensure_float(t) for t in convert_to_tensors(a, b))
    if b.ndim == 1:
        return lstsq(a, b.unsqueeze(-1), rcond).squeeze(-1)
    if rcond is not None:
        return torch.linalg.pinv(a, rtol=rcond) @ b
    if a.device.type == "cpu":
        return torch.linalg.lstsq(a, b, driver="gelsd").solution
    return torch.linalg.pinv(a) @ b


@keras_op
def matrix_rank(x, tol=None):
    """Rank of the matrices `x` (int32); singular values at or below `tol` count as zero."""
    return torch.linalg.matrix_rank(ensure_float(convert_to_tensor(x)), atol=tol).int()


@keras_op
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse; `rcond` is the relative cutoff for small singular values."""
    return torch.linalg.pinv(ensure_float(convert_to_tensor(x)), rtol=rcond)


def jvp(fun, primals, tangents, has_aux=False):
    """`(fun(*primals), the Jacobian-vector product with tangents)` (plus aux if `has_aux`)."""
    return torch.func.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)


__all__ = sorted(
    name
    for name, value in list(globals().items())
    if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__
)
