#!/usr/bin/env python3
"""PyTorch peer benchmark: the reference MLP VAE from PyTorch's examples/vae.

What it measures
  Training throughput (samples/s) of the examples/vae model on the CPU:
  784-400-(20 mu, 20 logvar) encoder, 20-400-784 decoder, ReLU, Bernoulli
  decoder (binary cross-entropy with logits, summed over pixels), analytic KL
  to N(0, I) summed over latent dims. The optimised loss is (BCE + KL) per
  sample, averaged over the batch (the example sums over the batch; Adam is
  scale-invariant apart from eps, and the mean keeps lr semantics equal to
  the other engines). Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8; default
  nn.Linear init; batch 128; the last partial batch is used; reshuffled
  every epoch.

Threads / BLAS (Debian python3-torch 1.13)
  torch.set_num_threads(--threads) sizes the OpenMP pool; matmuls go to
  OpenBLAS (libopenblas0-pthread), whose separate pool is pinned to
  --blas-threads (default: --threads) via openblas_set_num_threads. The
  script defaults OMP_WAIT_POLICY=PASSIVE (spinning OpenMP threads starve
  OpenBLAS's threads on a 2-core box). OpenBLAS 0.3.21 does not recognise
  recent Xeons and falls back to SSE3 "Prescott" kernels unless the caller
  sets OPENBLAS_CORETYPE (e.g. SkylakeX or Haswell); the JSON reports the
  core in use, so numbers from different settings are not mixed up.

How
  Data is loaded into plain float32 tensors before the clock starts. Each
  epoch draws a permutation from a seeded torch.Generator and slices batches
  by index (no DataLoader). `--warmup-steps` steps are first run on a
  throw-away copy of the model and optimiser (warming allocator, BLAS/oneDNN
  thread pool), so the timed run starts from the same initial weights as an
  unwarmed one. samples_per_sec = train samples processed / wall time of the
  timed epochs (warmup, data loading and --eval excluded). The optional test
  pass mirrors the example's test(): reparameterised sampling, no grad.

Prints one JSON line on stdout, e.g.
  {"engine":"pytorch", ..., "samples_per_sec": ..., "train": {"loss","recon","kl"},
   "test": {...} | null}
loss terms are per sample, in nats; "train" is the average over the last epoch.

Run with the system interpreter that has torch, e.g.
  /usr/bin/python3 bench/peers/pytorch_vae.py --data fashion-mnist --epochs 1 --eval
"""

import argparse
import copy
import ctypes
import gzip
import json
import os
import resource
import sys
import time

# Debian's torch runs elementwise ops on libgomp threads and GEMMs on
# OpenBLAS's own pthread pool. With libgomp's default (spinning) wait policy the
# two pools fight over the cores: on a 2-core box, --threads 2 ran 3-10x slower
# than --threads 1. Passive waiting avoids that; it must be set before libgomp
# loads (i.e. before `import torch`). An explicit OMP_WAIT_POLICY wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

INPUT_DIM = 784
HIDDEN_DIM = 400
LATENT_DIM = 20
RANDOM_TRAIN_SAMPLES = 10240
RANDOM_TEST_SAMPLES = 10000
DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"


class VAE(nn.Module):
    """examples/vae model; decode() returns logits (sigmoid folded into the loss)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(INPUT_DIM, HIDDEN_DIM)
        self.fc21 = nn.Linear(HIDDEN_DIM, LATENT_DIM)
        self.fc22 = nn.Linear(HIDDEN_DIM, LATENT_DIM)
        self.fc3 = nn.Linear(LATENT_DIM, HIDDEN_DIM)
        self.fc4 = nn.Linear(HIDDEN_DIM, INPUT_DIM)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return self.fc4(h3)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_terms(logits, x, mu, logvar):
    """Returns (loss, recon, kl) as per-sample means over the batch."""
    n = x.shape[0]
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
    return recon + kl, recon, kl


def configure_openblas(threads):
    """Debian's torch does its BLAS through OpenBLAS (libopenblas0-pthread), whose
    own thread pool ignores torch.set_num_threads; pin it to --threads as well and
    report which kernel set ("core") it picked. OpenBLAS 0.3.21 does not know
    recent Xeons and falls back to its generic SSE3 "Prescott" kernels unless
    OPENBLAS_CORETYPE is set, so the core name matters when comparing numbers.
    Returns {"core", "threads"} or None when OpenBLAS is not the BLAS in use."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")  # same handle torch already loaded
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_set_num_threads(ctypes.c_int(threads))
        return {"core": lib.openblas_get_corename().decode(),
                "threads": lib.openblas_get_num_threads(),
                "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    except (OSError, AttributeError):
        return None


def load_idx_images(path, limit=0):
    """IDX3 ubyte (gzipped) -> float32 [N, 784] in [0, 1]; first `limit` rows if > 0."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, INPUT_DIM)
    if limit:
        pixels = pixels[:limit]
    return pixels.astype(np.float32) / np.float32(255.0)


def load_idx_labels(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, dtype=np.uint8, offset=8)


def load_data(args):
    """Returns (train, test) float32 tensors; test is None unless --eval."""
    if args.data == "random":
        g = torch.Generator().manual_seed(args.seed + 1000)
        n_train = args.limit if args.limit else RANDOM_TRAIN_SAMPLES
        train = torch.rand(n_train, INPUT_DIM, generator=g)
        test = None
        if args.eval:
            n_test = args.test_limit if args.test_limit else RANDOM_TEST_SAMPLES
            test = torch.rand(n_test, INPUT_DIM, generator=g)
        return train, test

    d = args.data_dir
    train_np = load_idx_images(os.path.join(d, "train-images-idx3-ubyte.gz"), args.limit)
    if not args.limit:
        labels = load_idx_labels(os.path.join(d, "train-labels-idx1-ubyte.gz"))
        assert train_np.shape[0] == labels.shape[0], "image/label count mismatch"
    test = None
    if args.eval:
        test_np = load_idx_images(os.path.join(d, "t10k-images-idx3-ubyte.gz"), args.test_limit)
        test = torch.from_numpy(test_np)
    return torch.from_numpy(train_np), test


def train_step(model, optimizer, xb):
    optimizer.zero_grad(set_to_none=True)
    logits, mu, logvar = model(xb)
    loss, recon, kl = loss_terms(logits, xb, mu, logvar)
    loss.backward()
    optimizer.step()
    return loss, recon, kl


def warmup(model, optimizer, train, batch_size, steps, seed):
    """Runs `steps` training steps on deep copies, leaving model/optimizer untouched."""
    if steps <= 0:
        return
    m = copy.deepcopy(model)
    opt = torch.optim.Adam(m.parameters(), lr=optimizer.defaults["lr"],
                           betas=optimizer.defaults["betas"], eps=optimizer.defaults["eps"])
    g = torch.Generator().manual_seed(seed + 2000)
    n = train.shape[0]
    for _ in range(steps):
        idx = torch.randint(0, n, (min(batch_size, n),), generator=g)
        train_step(m, opt, train.index_select(0, idx))


@torch.no_grad()
def evaluate(model, test, batch_size):
    """examples/vae test(): reparameterised forward pass, per-sample averages."""
    model.eval()
    tot = [0.0, 0.0, 0.0]
    n = test.shape[0]
    for start in range(0, n, batch_size):
        xb = test[start:start + batch_size]
        logits, mu, logvar = model(xb)
        terms = loss_terms(logits, xb, mu, logvar)
        for i, t in enumerate(terms):
            tot[i] += t.item() * xb.shape[0]
    model.train()
    return {"loss": tot[0] / n, "recon": tot[1] / n, "kl": tot[2] / n}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", choices=["random", "fashion-mnist"], default="random")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--blas-threads", type=int, default=0,
                   help="OpenBLAS thread pool size (0 = same as --threads)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit", type=int, default=0,
                   help="number of train samples (0 = all; random data defaults to 10240)")
    p.add_argument("--test-limit", type=int, default=0,
                   help="number of test samples for --eval (0 = all; random: 10000)")
    p.add_argument("--warmup-steps", type=int, default=5)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--eval", action="store_true", help="compute test-set loss terms at the end")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    blas = configure_openblas(args.blas_threads or args.threads)
    torch.manual_seed(args.seed)

    train, test = load_data(args)  # outside the timed region
    n = train.shape[0]
    bs = args.batch_size

    model = VAE()  # default nn.Linear init (kaiming_uniform(a=sqrt(5)) weights)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    model.train()

    warmup(model, optimizer, train, bs, args.warmup_steps, args.seed)
    torch.manual_seed(args.seed + 1)  # noise stream for the timed run
    shuffle_gen = torch.Generator().manual_seed(args.seed)

    steps = 0
    samples = 0
    last = None
    t0 = time.perf_counter()
    for _epoch in range(args.epochs):
        perm = torch.randperm(n, generator=shuffle_gen)
        tot = [0.0, 0.0, 0.0]
        for start in range(0, n, bs):  # no drop-last
            xb = train.index_select(0, perm[start:start + bs])
            terms = train_step(model, optimizer, xb)
            for i, t in enumerate(terms):
                tot[i] += t.item() * xb.shape[0]
            steps += 1
            samples += xb.shape[0]
        last = {"loss": tot[0] / n, "recon": tot[1] / n, "kl": tot[2] / n}
    train_seconds = time.perf_counter() - t0

    test_terms = evaluate(model, test, bs) if args.eval else None

    result = {
        "engine": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblas": blas,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "data": args.data,
        "train_samples": n,
        "batch_size": bs,
        "epochs": args.epochs,
        "steps": steps,
        "warmup_steps": args.warmup_steps,
        "train_seconds": round(train_seconds, 4),
        "samples_per_sec": samples / train_seconds if train_seconds > 0 else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "train": last,
        "test": test_terms,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
