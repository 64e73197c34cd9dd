/**
 * Seeded randomness. Every random draw in latentkit (initial weights, shuffling,
 * reparameterisation and corruption noise) comes from an `Rng`, so the same seed gives the
 * same run. The generator is seedrandom's Alea; its state serialises to JSON for checkpoints.
 */
import seedrandom from 'seedrandom';

/** Opaque, JSON-serialisable generator state. */
export type RngState = { readonly c: number; readonly s0: number; readonly s1: number; readonly s2: number };

export class Rng {
  private readonly prng: seedrandom.StatefulPRNG<RngState>;

  constructor(seed: number | string | { readonly state: RngState }) {
    this.prng =
      typeof seed === 'object'
        ? (seedrandom.alea('', { state: seed.state }) as seedrandom.StatefulPRNG<RngState>)
        : (seedrandom.alea(String(seed), { state: true }) as seedrandom.StatefulPRNG<RngState>);
  }

  /** A copy of the current state; `new Rng({state})` resumes the exact sequence. */
  state(): RngState {
    return this.prng.state();
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Fills `out` with N(mean, std²) draws (Box–Muller, both values of each pair used). */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const u = 1 - this.prng(); // (0, 1]
      const v = this.prng();
      const r = Math.sqrt(-2 * Math.log(u)) * std;
      out[i] = mean + r * Math.cos(2 * Math.PI * v);
      if (i + 1 < out.length) out[i + 1] = mean + r * Math.sin(2 * Math.PI * v);
    }
    return out;
  }

  /** Fills `out` with U(lo, hi) draws. */
  fillUniform(out: Float32Array, lo = 0, hi = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.prng();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /** An independent child generator, derived deterministically from this one's next draw. */
  fork(tag: string): Rng {
    return new Rng(`${tag}:${this.prng()}`);
  }
}
