import type { Types } from 'mongoose';
import type { FieldCipher } from '../db/encryption.js';
import type { LeanDoc, LineOfBusiness, Models, PolicyStatus, PremiumFrequency } from '../db/models/index.js';
import { DomainError } from './errors.js';
import { decimalToNumber, idOf, parseObjectId } from './mapping.js';

/** One policy in a list: what a customer needs to recognise it. */
export interface PolicySummary {
  id: string;
  number: string;
  lineOfBusiness: LineOfBusiness;
  typeName: string;
  status: PolicyStatus;
  premium: { amount: number; currency: string; frequency: PremiumFrequency };
  nextDueDate?: Date;
  startDate: Date;
  endDate: Date;
}

/** A customer's policies with one insurer. */
export interface InsurerPolicies {
  insurer: { id: string; code: string; name: string; claimsPhone?: string };
  policies: PolicySummary[];
}

/** Everything about one policy that its holder may see. */
export interface PolicyDetails extends PolicySummary {
  insurer: { id: string; code: string; name: string; claimsPhone?: string; website?: string };
  policyType: { id: string; code: string; name: string };
  holderId: string;
  coverages: { name: string; limit: number; deductible: number }[];
  /** Dates of birth as ISO `YYYY-MM-DD`. */
  dependents: { name: string; relationship: string; dateOfBirth: string }[];
  documents: { title: string; fileId: string }[];
}

/** Read access to policies, always scoped to the customer asking. */
export interface PolicyService {
  /** The customer's policies grouped by insurer (insurers by name, policies by number). */
  listForCustomer(customerId: string): Promise<InsurerPolicies[]>;
  /** One policy, only if the customer holds it; otherwise `not_found`, exactly as for a number that does not exist. */
  getForCustomer(customerId: string, policyNumber: string): Promise<PolicyDetails>;
  /** One policy by number, for officers and back-office tools. */
  getByNumber(policyNumber: string): Promise<PolicyDetails>;
}

type PolicyRow = LeanDoc<Models['policies']>;
type InsurerRow = LeanDoc<Models['insurers']>;
type PolicyTypeRow = LeanDoc<Models['policyTypes']>;

export class MongoPolicyService implements PolicyService {
  private reference: ReferenceData | undefined;

  constructor(
    private readonly models: Pick<Models, 'policies' | 'insurers' | 'policyTypes'>,
    private readonly cipher: FieldCipher,
  ) {}

  async listForCustomer(customerId: string): Promise<InsurerPolicies[]> {
    const holder = parseObjectId(customerId, 'customer');
    const rows = await this.models.policies.find({ holder }, summaryFields).sort({ number: 1 }).lean();
    const { insurers, types } = await this.related(rows);
    const groups = new Map<string, InsurerPolicies>();
    for (const row of rows) {
      const insurer = insurers.get(idOf(row.insurer));
      const type = types.get(idOf(row.policyType));
      if (!insurer || !type) continue;
      const key = idOf(insurer._id);
      const group = groups.get(key) ?? { insurer: insurerRef(insurer), policies: [] };
      group.policies.push(toSummary(row, type));
      groups.set(key, group);
    }
    return [...groups.values()].sort((a, b) => a.insurer.name.localeCompare(b.insurer.name));
  }

  async getForCustomer(customerId: string, policyNumber: string): Promise<PolicyDetails> {
    const holder = parseObjectId(customerId, 'customer');
    return this.details(await findOwnPolicy(this.models, holder, policyNumber));
  }

  async getByNumber(policyNumber: string): Promise<PolicyDetails> {
    const row = await this.models.policies.findOne({ number: normalizeNumber(policyNumber) }).lean();
    return this.details(row);
  }

  private async details(row: PolicyRow | null): Promise<PolicyDetails> {
    if (!row) throw new DomainError('not_found', 'policy not found');
    const { insurers, types } = await this.related([row]);
    const insurer = insurers.get(idOf(row.insurer));
    const type = types.get(idOf(row.policyType));
    if (!insurer || !type) throw new DomainError('not_found', 'policy not found');
    return {
      ...toSummary(row, type),
      insurer: { ...insurerRef(insurer), ...(insurer.website ? { website: insurer.website } : {}) },
      policyType: { id: idOf(type._id), code: type.code, name: type.name },
      holderId: idOf(row.holder),
      coverages: row.coverages.map((coverage) => ({
        name: coverage.name,
        limit: decimalToNumber(coverage.limit),
        deductible: decimalToNumber(coverage.deductible),
      })),
      dependents: row.dependents.map((dependent) => ({
        name: dependent.name,
        relationship: dependent.relationship,
        dateOfBirth: this.cipher.decrypt(dependent.dateOfBirthEncrypted),
      })),
      documents: row.documents.map((document) => ({ title: document.title, fileId: document.fileId })),
    };
  }

  /**
   * Insurers and policy types for `rows`. Both are small reference tables read on nearly every policy
   * view, so they are cached; an id the cache does not know reloads it, and edits show within a minute.
   */
  private async related(rows: Pick<PolicyRow, 'insurer' | 'policyType'>[]) {
    const known = (cache: ReferenceData) =>
      rows.every((row) => cache.insurers.has(idOf(row.insurer)) && cache.types.has(idOf(row.policyType)));
    if (!this.reference || this.reference.loadedAt + referenceTtlMs < Date.now() || !known(this.reference)) {
      const [insurerRows, typeRows] = await Promise.all([
        this.models.insurers.find().lean(),
        this.models.policyTypes.find().lean(),
      ]);
      this.reference = {
        loadedAt: Date.now(),
        insurers: new Map(insurerRows.map((insurer) => [idOf(insurer._id), insurer])),
        types: new Map(typeRows.map((type) => [idOf(type._id), type])),
      };
    }
    return this.reference;
  }
}

const referenceTtlMs = 60_000;

interface ReferenceData {
  loadedAt: number;
  insurers: Map<string, InsurerRow>;
  types: Map<string, PolicyTypeRow>;
}

export function normalizeNumber(number: string): string {
  return number.trim().toUpperCase();
}

/**
 * The policy with this number if `holder` holds it; otherwise `not_found`, exactly as for a number that
 * does not exist.
 */
export async function findOwnPolicy(
  models: Pick<Models, 'policies'>,
  holder: Types.ObjectId,
  policyNumber: string,
): Promise<PolicyRow> {
  const row = await models.policies.findOne({ number: normalizeNumber(policyNumber), holder }).lean();
  if (!row) throw new DomainError('not_found', 'policy not found');
  return row;
}

function insurerRef(insurer: InsurerRow): InsurerPolicies['insurer'] {
  return {
    id: idOf(insurer._id),
    code: insurer.code,
    name: insurer.name,
    ...(insurer.claimsPhone ? { claimsPhone: insurer.claimsPhone } : {}),
  };
}

/** What a list reads of each policy: the fields `toSummary` shows and the references it groups by. */
const summaryFields = {
  number: 1,
  status: 1,
  premium: 1,
  nextDueDate: 1,
  startDate: 1,
  endDate: 1,
  insurer: 1,
  policyType: 1,
} as const;
type SummaryRow = Pick<PolicyRow, '_id' | keyof typeof summaryFields>;

function toSummary(row: SummaryRow, type: PolicyTypeRow): PolicySummary {
  return {
    id: idOf(row._id),
    number: row.number,
    lineOfBusiness: type.lineOfBusiness,
    typeName: type.name,
    status: row.status,
    premium: {
      amount: decimalToNumber(row.premium.amount),
      currency: row.premium.currency,
      frequency: row.premium.frequency,
    },
    ...(row.nextDueDate ? { nextDueDate: row.nextDueDate } : {}),
    startDate: row.startDate,
    endDate: row.endDate,
  };
}
