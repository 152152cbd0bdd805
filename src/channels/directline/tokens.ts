/**
 * Direct Line tokens: HS256 JWTs signed with a key derived from the Direct Line secret. A conversation
 * token is scoped to one conversation and one user (the official client reads the `user` claim); a
 * stream token only opens that conversation's WebSocket and lives 60 seconds, as the real service's does.
 */
import { createHash } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

/** Lifetime of a conversation token, seconds (the real service's). */
const tokenTtlSeconds = 1800;
/** Time a client has to open a stream URL, seconds. */
const streamTtlSeconds = 60;

const issuer = 'insuralink-directline';

const claimsSchema = z.object({
  conv: z.string().min(1),
  user: z.string().min(1),
  scope: z.enum(['conversation', 'stream']),
});

/** What a token grants. */
export type TokenClaims = z.infer<typeof claimsSchema>;

/** A verified token's grant and its expiry. */
export interface VerifiedToken extends TokenClaims {
  expiresAt: Date;
}

/** Raised for a token that is malformed, forged, expired or of the wrong kind. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** Verified tokens kept so a conversation's every request does not pay for an HMAC again. */
const cachedTokens = 10_000;

/** Issues and checks the channel's tokens; `now` is injectable so expiry can be tested without waiting. */
export class TokenIssuer {
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    secret: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    // A derived key keeps the secret itself out of every signature computation but this one.
    this.key = createHash('sha256').update(`directline-token-key:${secret}`).digest();
  }

  async issue(claims: TokenClaims): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = claims.scope === 'stream' ? streamTtlSeconds : tokenTtlSeconds;
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(issuer)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + expiresIn)
      .sign(this.key);
    return { token, expiresIn };
  }

  /** The token's claims when it is genuine, unexpired and of `scope`; otherwise `InvalidTokenError`. */
  async verify(token: string, scope: TokenClaims['scope']): Promise<VerifiedToken> {
    const cached = this.verified.get(token);
    if (cached && cached.scope === scope && cached.expiresAt > this.now()) return cached;
    const verified = await this.verifyNow(token, scope);
    this.verified.set(token, verified);
    if (this.verified.size > cachedTokens) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    return verified;
  }

  private async verifyNow(token: string, scope: TokenClaims['scope']): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer,
        algorithms: ['HS256'],
        currentDate: this.now(),
      });
      const claims = claimsSchema.parse(payload);
      if (claims.scope !== scope) throw new InvalidTokenError(`not a ${scope} token`);
      // jwtVerify has checked that `exp` is present and in the future.
      return { ...claims, expiresAt: new Date((payload.exp ?? 0) * 1000) };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof errors.JOSEError || error instanceof z.ZodError) {
        throw new InvalidTokenError(error instanceof errors.JWTExpired ? 'token expired' : 'invalid token');
      }
      throw error;
    }
  }
}
