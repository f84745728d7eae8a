"""Sparse embedding gradients: SGD, Adam and Adagrad update only the touched rows, matching torch's sparse
optimizers (SGD, SparseAdam) and the dense update where the two agree (SGD without momentum, Adagrad)."""

import numpy as np
import pytest
import torch

from kerasish import feature_column as fc
from kerasish import optimizers
from kerasish.layers.preprocessing import DenseFeatures


def sparse_grads(rows=50, dim=4, steps=3, seed=0):
    """Embedding-bag gradients over `rows` rows, each step touching a few (repeated) rows."""
    generator = torch.Generator().manual_seed(seed)
    grads = []
    for _ in range(steps):
        table = torch.zeros(rows, dim, requires_grad=True)
        ids = torch.randint(0, rows, (8, 3), generator=generator)
        out = torch.nn.functional.embedding(ids, table, sparse=True)
        (out * torch.randn(out.shape, generator=generator)).sum().backward()
        grads.append(table.grad)
    return grads


def run(make_kerasish, make_torch, grads, rows=50, dim=4):
    start = torch.randn(rows, dim, generator=torch.Generator().manual_seed(1))
    ours, theirs = start.clone(), torch.nn.Parameter(start.clone())
    optimizer, reference = make_kerasish(), make_torch([theirs])
    for grad in grads:
        optimizer.apply([grad], [ours])
        theirs.grad = grad.clone()
        reference.step()
    return start, ours, theirs.detach()


def touched(grads):
    return torch.unique(torch.cat([g.coalesce().indices()[0] for g in grads]))


@pytest.mark.parametrize(
    "name,make_kerasish,make_torch",
    [
        ("sgd", lambda: optimizers.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        ("adam", lambda: optimizers.Adam(0.01), lambda p: torch.optim.SparseAdam(p, lr=0.01, eps=1e-7)),
    ],
)
def test_matches_torch_sparse_optimizers(name, make_kerasish, make_torch):
    grads = sparse_grads()
    start, ours, theirs = run(make_kerasish, make_torch, grads)
    # Keras (and kerasish) compute Adam's step size in float32, torch in float64: ~1e-5 of a 0.01 step.
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)
    untouched = torch.ones(len(start), dtype=torch.bool)
    untouched[touched(grads)] = False
    assert untouched.any() and torch.equal(ours[untouched], start[untouched])
    assert not torch.equal(ours[~untouched], start[~untouched])


def test_adagrad_sparse_equals_dense():
    grads = sparse_grads()
    start = torch.randn(50, 4)
    sparse, dense = start.clone(), start.clone()
    lazy, full = optimizers.Adagrad(0.1), optimizers.Adagrad(0.1)
    for grad in grads:
        lazy.apply([grad], [sparse])
        full.apply([grad.to_dense()], [dense])
    np.testing.assert_allclose(sparse.numpy(), dense.numpy(), rtol=1e-6, atol=1e-7)


def test_momentum_sgd_is_lazy_on_touched_rows():
    grads = sparse_grads(steps=2)
    start = torch.randn(50, 4)
    variable = start.clone()
    optimizer = optimizers.SGD(0.1, momentum=0.9)
    for grad in grads:
        optimizer.apply([grad], [variable])
    # Hand computation: each row's velocity decays only in the steps that touch it.
    expected, velocity = start.clone(), torch.zeros_like(start)
    for grad in grads:
        grad = grad.coalesce()
        rows = grad.indices()[0]
        velocity[rows] = 0.9 * velocity[rows] - 0.1 * grad.values()
        expected[rows] += velocity[rows]
    np.testing.assert_allclose(variable.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


def test_other_optimizers_and_clipping_densify():
    grads = sparse_grads(steps=1)
    for make in (lambda: optimizers.RMSprop(0.01), lambda: optimizers.Adam(0.01, clipnorm=1.0)):
        sparse, dense = torch.ones(50, 4), torch.ones(50, 4)
        make().apply([grads[0]], [sparse])
        make().apply([grads[0].to_dense()], [dense])
        np.testing.assert_allclose(sparse.numpy(), dense.numpy(), rtol=1e-6)


def test_hashed_embedding_column_trains_only_touched_rows():
    user = fc.categorical_column_with_hash_bucket("user", 1000, dtype="int64")
    layer = DenseFeatures([fc.embedding_column(user, 4, sparse=True)])
    layer.build()
    table = next(layer.parameters())
    start = table.detach().clone()
    ids = torch.tensor([[5], [17], [5], [123456]])
    loss = layer({"user": ids}).square().sum()
    loss.backward()
    assert table.grad.is_sparse
    optimizer = optimizers.Adam(0.1)
    optimizer.apply([table.grad], [table])
    changed = (table.detach() != start).any(1).nonzero().flatten()
    expected = torch.unique(fc.categorical.hash_ids(ids, "int", 1000))
    assert torch.equal(changed, expected)
