"""Under torchrun, plain `fit` trains with DDP: two processes of one node (c10d rendezvous over loopback, as across
machines), and two "nodes" of one process each (static rendezvous, node ranks 0 and 1, over loopback). Every rank
ends with the same weights and logged loss, and `predict` returns every row on every rank."""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

pytestmark = [
    pytest.mark.skipif(
        not torch.distributed.is_available() or torch.cuda.device_count() == 1,
        reason="needs torch.distributed, and two processes need the CPU or two GPUs",
    ),
    # Each test launches DDP ranks (several seconds apiece): outside the fast subset (`-m "not slow"`).
    pytest.mark.slow,
]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(os.path.dirname(__file__), "torchrun_script.py")
ENV = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}


def _load_ranks(folder) -> list:
    ranks = [np.load(folder / f"rank{r}.npz") for r in (0, 1)]
    for key in ranks[0].files:
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key])
    assert ranks[0]["predictions"].shape == (64, 1)
    assert ranks[0]["loss"][1] < ranks[0]["loss"][0]
    return ranks


def test_fit_under_torchrun_trains_every_rank_alike(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nnodes=1",
            "--nproc_per_node=2",
            "--rdzv_backend=c10d",
            "--rdzv_endpoint=127.0.0.1:0",
            SCRIPT,
            str(tmp_path),
        ],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    _load_ranks(tmp_path)


def test_two_nodes_over_loopback_train_as_one_process_on_the_global_batches(tmp_path):
    # The port stays bound (SO_REUSEADDR, not listening) until the nodes are done: node 0's store can listen on it,
    # but no port-0 bind or outgoing connection on the machine (node 1's retries included) is given it in the
    # seconds node 0 needs to start.
    with socket.socket() as reserved:
        reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        reserved.bind(("127.0.0.1", 0))
        port = reserved.getsockname()[1]
        nodes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "torch.distributed.run",
                    "--nnodes=2",
                    "--nproc-per-node=1",
                    f"--node-rank={node}",
                    "--master-addr=127.0.0.1",
                    f"--master-port={port}",
                    "--rdzv-backend=static",
                    SCRIPT,
                    str(tmp_path),
                    "ordered",
                ],
                env=ENV,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for node in (0, 1)
        ]
        try:
            errors = [node.communicate(timeout=240)[1] for node in nodes]
        finally:
            for node in nodes:
                node.kill()
    for node, error in zip(nodes, errors):
        assert node.returncode == 0, error[-3000:]
    ranks = _load_ranks(tmp_path)
    single = subprocess.run(
        [sys.executable, SCRIPT, str(tmp_path), "ordered"], env=ENV, capture_output=True, text=True, timeout=240
    )
    assert single.returncode == 0, single.stderr[-3000:]
    single = np.load(tmp_path / "single.npz")
    # Each global batch of 16 is split 8 + 8 across the nodes and DDP averages the gradients: the same steps as one
    # process on the whole batch, and (metric states summed across nodes) the same logged loss.
    for key in single.files:
        np.testing.assert_allclose(ranks[0][key], single[key], rtol=1e-5, atol=1e-6, err_msg=key)
