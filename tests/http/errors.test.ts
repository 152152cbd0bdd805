import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { DomainError } from '../../src/domain/errors.js';
import { describeError, HttpError } from '../../src/http/errors.js';

describe('error mapping', () => {
  test('validation errors are 400 and name each field', () => {
    const result = z.object({ phone: z.string(), amount: z.number() }).safeParse({ amount: 'x' });
    assert.ok(!result.success);
    const { status, body } = describeError(result.error);
    assert.equal(status, 400);
    assert.equal(body.error.code, 'validation_failed');
    assert.deepEqual(
      body.error.fields?.map((field) => field.path),
      ['phone', 'amount'],
    );
    assert.match(body.error.message, /phone, amount/);
  });

  test('domain refusals keep their code and get the matching status', () => {
    assert.equal(describeError(new DomainError('not_found', 'No such claim.')).status, 404);
    const transition = describeError(
      new DomainError('invalid_transition', 'A closed claim cannot be approved.'),
    );
    assert.equal(transition.status, 409);
    assert.equal(transition.body.error.code, 'invalid_transition');
  });

  test('an unexpected error is a plain 500 that reveals nothing', () => {
    const { status, body } = describeError(new Error('connection string mongodb://user:pw@host'));
    assert.equal(status, 500);
    assert.doesNotMatch(JSON.stringify(body), /mongodb|pw/);
  });

  test('handlers choose status and code with HttpError', () => {
    assert.deepEqual(describeError(new HttpError(403, 'invalid_link', 'Expired.')), {
      status: 403,
      body: { error: { code: 'invalid_link', message: 'Expired.' } },
    });
  });
});
