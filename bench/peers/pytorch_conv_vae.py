#!/usr/bin/env python3
"""PyTorch peer benchmark: latentkit's default conv VAE (the Keras VAE example's layers).

What it measures
  Training throughput (samples/s) on the CPU of the conv VAE that `latentkit train --model
  conv-vae` builds with its defaults on 28x28x1 images:
    encoder  Conv2d(1, 32, 3, stride 2, pad 1) -> ReLU -> Conv2d(32, 64, 3, stride 2, pad 1)
             -> ReLU -> flatten 7*7*64 -> Linear(3136, 16) -> ReLU -> Linear(16, L) x 2 (mu, logvar)
    decoder  Linear(L, 16) -> ReLU -> Linear(16, 3136) -> ReLU -> [64, 7, 7]
             -> ConvTranspose2d(64, 64, 3, s2, p1, output_padding 1) -> ReLU   (14x14)
             -> ConvTranspose2d(64, 32, 3, s2, p1, output_padding 1) -> ReLU   (28x28)
             -> Conv2d(32, 1, 3, s1, p1) (logits)
  Bernoulli decoder (BCE with logits summed over pixels) + analytic KL, per-sample mean over the
  batch; Adam lr 1e-3; default PyTorch init; batch 128; reshuffled each epoch; last partial batch
  used. (latentkit pads 'same' as TensorFlow does, the extra row at the bottom; PyTorch pads 1 on
  both sides: the same shapes and FLOPs.)

Threads / BLAS: as bench/peers/pytorch_vae.py (OMP_WAIT_POLICY=PASSIVE by default; OpenBLAS
pool pinned to --threads; run with OPENBLAS_CORETYPE=SkylakeX on AVX-512 machines for
PyTorch at its best). Prints one JSON line: samples_per_sec over the timed epochs (after
--warmup-steps on a throw-away copy), samples_per_cpu_sec (process CPU time, every thread),
peak RSS, last-epoch train terms.

  /usr/bin/python3 bench/peers/pytorch_conv_vae.py --data fashion-mnist --limit 2048 --epochs 1
"""

import argparse
import copy
import json
import os
import resource
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

# The loss, OpenBLAS pinning, IDX reading and optimizer step of the dense VAE peer (this folder).
from pytorch_vae import configure_openblas, load_idx_images, loss_terms, train_step  # noqa: E402

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"


class ConvVAE(nn.Module):
    def __init__(self, latent):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.fc = nn.Linear(7 * 7 * 64, 16)
        self.mu = nn.Linear(16, latent)
        self.logvar = nn.Linear(16, latent)
        self.d1 = nn.Linear(latent, 16)
        self.d2 = nn.Linear(16, 7 * 7 * 64)
        self.t1 = nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1)
        self.t2 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
        self.out = nn.Conv2d(32, 1, 3, stride=1, padding=1)

    def forward(self, x):
        h = F.relu(self.c2(F.relu(self.c1(x))))
        h = F.relu(self.fc(h.flatten(1)))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        g = F.relu(self.d2(F.relu(self.d1(z)))).view(-1, 64, 7, 7)
        logits = self.out(F.relu(self.t2(F.relu(self.t1(g)))))
        return logits, mu, logvar


def load_train(args):
    if args.data == "random":
        g = torch.Generator().manual_seed(args.seed + 1000)
        return torch.rand(args.limit or 10240, 1, 28, 28, generator=g)
    pixels = load_idx_images(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"), args.limit)
    return torch.from_numpy(pixels.reshape(-1, 1, 28, 28))


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--data", choices=["random", "fashion-mnist"], default="random")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--latent", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--warmup-steps", type=int, default=5)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    blas = configure_openblas(args.threads)
    torch.manual_seed(args.seed)
    train = load_train(args)
    n, bs = train.shape[0], args.batch_size
    model = ConvVAE(args.latent)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    if args.warmup_steps > 0:
        m = copy.deepcopy(model)
        o = torch.optim.Adam(m.parameters(), lr=1e-3)
        for s in range(args.warmup_steps):
            train_step(m, o, train[(s * bs) % n:(s * bs) % n + bs])
    gen = torch.Generator().manual_seed(args.seed)
    samples, last = 0, None
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(args.epochs):
        perm = torch.randperm(n, generator=gen)
        tot = [0.0, 0.0, 0.0]
        for start in range(0, n, bs):
            xb = train.index_select(0, perm[start:start + bs])
            terms = train_step(model, opt, xb)
            for i, t in enumerate(terms):
                tot[i] += t.item() * xb.shape[0]
            samples += xb.shape[0]
        last = {"loss": tot[0] / n, "recon": tot[1] / n, "kl": tot[2] / n}
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    print(json.dumps({
        "engine": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "openblas": blas,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "data": args.data, "train_samples": n,
        "batch_size": bs, "epochs": args.epochs, "train_seconds": round(seconds, 4),
        "samples_per_sec": samples / seconds, "samples_per_cpu_sec": samples / cpu_seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "train": last,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
