import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checklistFor,
  coverageFor,
  coverageIncreases,
  guessClaimType,
  instantDecisionBlockers,
  payoutFor,
  photoSignals,
  riskSignalsFor,
  type ClaimTypeInfo,
  type RiskInput,
} from '../../src/domain/claim-rules.js';

const collision: ClaimTypeInfo = {
  code: 'collision',
  name: 'Collision',
  keywords: ['hit', 'crash', 'accident'],
  coverage: 'Collision',
  requiredDocuments: [
    { code: 'photos', label: 'Photos of the damage' },
    { code: 'other_driver', label: "The other driver's details", fact: 'otherParties' },
  ],
};
const glass: ClaimTypeInfo = {
  code: 'glass',
  name: 'Glass',
  keywords: ['windshield', 'glass'],
  coverage: 'Comprehensive',
  requiredDocuments: [{ code: 'photos', label: 'A photo of the glass' }],
  instantLimit: 500,
};
const theft: ClaimTypeInfo = {
  code: 'theft',
  name: 'Theft',
  keywords: ['stolen'],
  coverage: 'Comprehensive',
  requiredDocuments: [{ code: 'police_report', label: 'The police report', fact: 'policeReportNumber' }],
};
const coverages = [
  { name: 'Collision', limit: 35000, deductible: 500 },
  { name: 'Comprehensive', limit: 35000, deductible: 100 },
];
const now = new Date('2026-06-15T12:00:00Z');
const sha = 'a'.repeat(64);

function risk(overrides: Partial<RiskInput> = {}): RiskInput {
  return {
    incidentDate: new Date('2026-06-10'),
    amount: 400,
    coverage: coverageFor(glass, coverages),
    policy: { startDate: new Date('2025-01-01'), endDate: new Date('2027-01-01'), status: 'active' },
    claimsInLastYear: 0,
    attachments: [],
    now,
    ...overrides,
  };
}

const codes = (input: RiskInput) => riskSignalsFor(input).map((signal) => signal.code);

describe('coverage and payout', () => {
  it('finds the coverage by name and pays after the deductible up to the limit', () => {
    const coverage = coverageFor(collision, coverages);
    assert.deepEqual(coverage, { applies: true, name: 'Collision', limit: 35000, deductible: 500 });
    assert.equal(payoutFor(coverage, 2400), 1900);
    assert.equal(payoutFor(coverage, 90000), 34500);
    assert.equal(payoutFor(coverage, 300), 0);
  });

  it('says plainly when the policy has no coverage for the type', () => {
    const coverage = coverageFor(collision, [{ name: 'Comprehensive', limit: 1, deductible: 0 }]);
    assert.deepEqual(coverage, { applies: false, name: 'Collision' });
    assert.equal(payoutFor(coverage, 1000), 0);
  });
});

describe('checklist', () => {
  it('marks a document satisfied by a tagged file or by the fact standing in for it', () => {
    const none = checklistFor(collision, [], {});
    assert.deepEqual(
      none.map((item) => [item.code, item.satisfied]),
      [
        ['photos', false],
        ['other_driver', false],
      ],
    );
    const done = checklistFor(collision, [{ checklistItem: 'photos', contentType: 'image/jpeg' }], {
      otherParties: 'Sam Lee, Acme Insurance, plate ABC123',
    });
    assert.ok(done.every((item) => item.satisfied));
  });

  it('counts an untagged file only when one document is still wanted as a file', () => {
    const untagged = [{ contentType: 'image/jpeg' }];
    assert.equal(checklistFor(glass, untagged, {})[0]!.satisfied, true);
    // Two files wanted: an untagged file could be either, so neither is ticked.
    assert.equal(checklistFor(collision, untagged, {})[0]!.satisfied, false);
    // The other driver's details were given as a fact, so the untagged file is the photo.
    assert.equal(checklistFor(collision, untagged, { otherParties: 'Sam Lee' })[0]!.satisfied, true);
    assert.equal(checklistFor(theft, [], { policeReportNumber: 'APD-1' })[0]!.satisfied, true);
  });
});

describe('risk signals', () => {
  it('fires nothing for an ordinary claim', () => {
    assert.deepEqual(codes(risk()), []);
  });

  it('flags a claim within 30 days of the policy start or of a coverage increase', () => {
    const policy = { startDate: new Date('2026-06-01'), endDate: new Date('2027-06-01'), status: 'active' };
    assert.deepEqual(codes(risk({ policy })), ['early_claim']);
    const [raised] = riskSignalsFor(risk({ coverageIncreases: [new Date('2026-06-01')] }));
    assert.deepEqual(raised, {
      code: 'after_coverage_increase',
      message: 'The incident is 9 days after the Comprehensive coverage was increased (within 30 days).',
    });
    assert.deepEqual(codes(risk({ coverageIncreases: [new Date('2026-01-01')] })), []);
    // Raised after the incident, shortly before the claim: more cover for a loss that had happened.
    const [later] = riskSignalsFor(risk({ coverageIncreases: [new Date('2026-06-12')] }));
    assert.equal(later?.code, 'after_coverage_increase');
    assert.match(later!.message, /increased 2 days after the incident date/);
    assert.deepEqual(codes(risk({ coverageIncreases: [new Date('2026-06-20')] })), []);
  });

  it("reads a policy's coverage history for the increases of the claim's coverage", () => {
    const at = (day: string) => new Date(`2026-${day}T00:00:00Z`);
    const changes = [
      {
        coverage: 'Comprehensive',
        effectiveFrom: at('05-01'),
        previousLimit: 20000,
        limit: 35000,
        deductible: 100,
      },
      { coverage: 'Comprehensive', effectiveFrom: at('03-01'), limit: 20000, deductible: 250 },
      {
        coverage: 'Comprehensive',
        effectiveFrom: at('04-01'),
        previousLimit: 20000,
        previousDeductible: 250,
        limit: 20000,
        deductible: 100,
      },
      // A lower limit or a higher deductible is no increase, and other coverages do not count.
      {
        coverage: 'Comprehensive',
        effectiveFrom: at('06-01'),
        previousLimit: 35000,
        limit: 30000,
        deductible: 100,
      },
      {
        coverage: 'Collision',
        effectiveFrom: at('06-05'),
        previousLimit: 20000,
        limit: 35000,
        deductible: 500,
      },
    ];
    assert.deepEqual(coverageIncreases(changes, 'comprehensive'), [at('03-01'), at('04-01'), at('05-01')]);
    assert.deepEqual(coverageIncreases(changes, 'Collision'), [at('06-05')]);
    assert.deepEqual(coverageIncreases(changes, undefined), []);
  });

  it('flags an incident outside the policy period', () => {
    assert.ok(codes(risk({ incidentDate: new Date('2024-06-01') })).includes('outside_policy_period'));
  });

  it('flags an amount above 80% of the coverage limit', () => {
    assert.deepEqual(codes(risk({ amount: 28001 })), ['high_amount']);
    assert.deepEqual(codes(risk({ amount: 28000 })), []);
  });

  it('flags a file already on another claim', () => {
    const attachments = [
      { contentType: 'image/jpeg', evidence: { sha256: sha, alsoOnClaims: ['CLM-000101'] } },
    ];
    const signals = riskSignalsFor(risk({ attachments }));
    assert.deepEqual(signals, [
      { code: 'duplicate_photo', message: 'A file identical to one sent with this claim is on CLM-000101.' },
    ]);
  });

  it('flags a photo taken before the incident date, but not one taken later that day', () => {
    const photo = (capturedAt: string) => [
      { contentType: 'image/jpeg', evidence: { sha256: sha, capturedAt: new Date(capturedAt) } },
    ];
    assert.deepEqual(codes(risk({ attachments: photo('2026-06-09T23:00:00Z') })), ['photo_before_incident']);
    assert.deepEqual(codes(risk({ attachments: photo('2026-06-10T08:00:00Z') })), []);
  });

  it('flags a photo taken far from the stated location when it has GPS, saying what the location was taken as', () => {
    const near = { latitude: 30.27, longitude: -97.74 };
    const far = { latitude: 32.78, longitude: -96.8 };
    const photo = (gps: { latitude: number; longitude: number }) => [
      { contentType: 'image/jpeg', evidence: { sha256: sha, gps } },
    ];
    const austin = { latitude: 30.27, longitude: -97.74, matched: 'Austin, TX' };
    assert.deepEqual(codes(risk({ attachments: photo(near), locationPosition: austin })), []);
    const signals = riskSignalsFor(risk({ attachments: photo(far), locationPosition: austin }));
    assert.deepEqual(signals, [
      {
        code: 'photo_far_from_location',
        message: 'A photo was taken about 293 km from the stated location (taken as Austin, TX).',
      },
    ]);
    // No position for the stated location: nothing to compare with, so nothing is said.
    assert.deepEqual(codes(risk({ attachments: photo(far) })), []);
    // A PDF with a position in it is not a photo of the scene.
    const pdf = [{ contentType: 'application/pdf', evidence: { sha256: sha, gps: far } }];
    assert.deepEqual(codes(risk({ attachments: pdf, locationPosition: austin })), []);
  });

  it('reads the photo signals again from the files alone, as a file is added', () => {
    const attachments = [
      {
        contentType: 'image/jpeg',
        evidence: {
          sha256: sha,
          capturedAt: new Date('2026-05-01'),
          gps: { latitude: 47.6, longitude: -122.3 },
        },
      },
    ];
    assert.deepEqual(
      photoSignals({
        incidentDate: new Date('2026-06-10'),
        attachments,
        locationPosition: { latitude: 30.27, longitude: -97.74 },
      }).map((signal) => signal.code),
      ['photo_before_incident', 'photo_far_from_location'],
    );
  });

  it('flags a third claim in twelve months', () => {
    assert.deepEqual(codes(risk({ claimsInLastYear: 1 })), []);
    assert.deepEqual(codes(risk({ claimsInLastYear: 2 })), ['frequent_claims']);
  });

  it('flags a policy in its grace period', () => {
    const policy = {
      startDate: new Date('2025-01-01'),
      endDate: new Date('2027-01-01'),
      status: 'active',
      nextDueDate: new Date('2026-06-01'),
    };
    assert.deepEqual(codes(risk({ policy })), ['grace_period']);
    assert.deepEqual(codes(risk({ policy: { ...policy, nextDueDate: new Date('2026-07-01') } })), []);
  });
});

describe('instant decision rule', () => {
  const base = {
    type: glass,
    amount: 420,
    checklist: [{ code: 'photos', label: 'A photo', satisfied: true }],
    coverage: coverageFor(glass, coverages),
    riskSignals: [],
  };

  it('allows an eligible type within its limit, complete, covered and with no signal', () => {
    assert.deepEqual(instantDecisionBlockers(base), []);
    assert.deepEqual(instantDecisionBlockers({ ...base, amount: 500 }), []);
  });

  it('names each reason the system cannot decide', () => {
    assert.deepEqual(instantDecisionBlockers({ ...base, amount: 501 }), ['above_limit']);
    assert.deepEqual(instantDecisionBlockers({ ...base, type: collision }), ['type_not_eligible']);
    assert.deepEqual(
      instantDecisionBlockers({
        ...base,
        checklist: [{ code: 'photos', label: 'A photo', satisfied: false }],
      }),
      ['documents_missing'],
    );
    assert.deepEqual(instantDecisionBlockers({ ...base, coverage: { applies: false } }), ['not_covered']);
    assert.deepEqual(
      instantDecisionBlockers({ ...base, riskSignals: [{ code: 'grace_period', message: 'overdue' }] }),
      ['risk_signals'],
    );
    assert.deepEqual(instantDecisionBlockers({ ...base, amount: 80 }), ['below_deductible']);
  });
});

describe('guessing the type from the customer’s words', () => {
  it('maps a free-text account to the type with the most matching words', () => {
    assert.equal(
      guessClaimType([collision, glass, theft], 'someone hit my car in a parking lot')?.code,
      'collision',
    );
    assert.equal(
      guessClaimType([collision, glass, theft], 'a stone cracked my windshield glass')?.code,
      'glass',
    );
    assert.equal(guessClaimType([collision, glass, theft], 'the weather was nice'), undefined);
  });
});
