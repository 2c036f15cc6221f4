import crypto from 'node:crypto';

/**
 * Uniform random indices from the OS CSPRNG, drawn from a large buffer so a million passwords
 * cost a few hundred reads, not ten million. Rejection sampling keeps every index equally
 * likely whatever the alphabet size (a plain modulo would favour the first characters).
 */
export class RandomSource {
  private buffer = Buffer.alloc(0);
  private offset = 0;

  private byte(): number {
    if (this.offset >= this.buffer.length) {
      this.buffer = crypto.randomBytes(64 * 1024);
      this.offset = 0;
    }
    return this.buffer[this.offset++] as number;
  }

  /** An integer in [0, n), n up to 65,536. */
  index(n: number): number {
    if (n <= 256) {
      const limit = 256 - (256 % n);
      for (;;) {
        const b = this.byte();
        if (b < limit) return b % n;
      }
    }
    const limit = 65536 - (65536 % n);
    for (;;) {
      const v = (this.byte() << 8) | this.byte();
      if (v < limit) return v % n;
    }
  }
}

/**
 * Deterministic bytes for one unit: HMAC-SHA-256(key, label ‖ counter ‖ identifier), block after
 * block. With rejection sampling on top, the same key and identifier always give the same
 * password, and without the key nothing about it can be computed from the identifier.
 */
export class KeyedSource {
  private block = Buffer.alloc(0);
  private offset = 0;
  private counter = 0;
  private readonly key: Buffer;
  private readonly message: string;

  constructor(key: Buffer, identifier: string) {
    this.key = key;
    this.message = identifier;
  }

  private byte(): number {
    if (this.offset >= this.block.length) {
      this.block = crypto.createHmac('sha256', this.key).update(`connectable-device-password-v1\u0000${this.counter++}\u0000${this.message}`).digest();
      this.offset = 0;
    }
    return this.block[this.offset++] as number;
  }

  index(n: number): number {
    const limit = 256 - (256 % n);
    for (;;) {
      const b = this.byte();
      if (b < limit) return b % n;
    }
  }
}
