/** A database with the demo data and the services over it, on a fixed clock. */
import { demoCustomer, demoOfficers, seedDemoData } from '../../src/db/seed.js';
import {
  createDomainServices,
  type Actor,
  type CustomerSummary,
  type DomainServices,
} from '../../src/domain/index.js';
import { startTestDatabase, type TestDatabase } from '../support/db.js';

export const fixedNow = new Date('2026-06-15T12:00:00Z');

/** Demo officers acting from Slack: Avery (claims officer) and Morgan (supervisor). */
export const avery: Actor = { type: 'officer', id: demoOfficers[0].slackUserId, channel: 'slack' };
export const morgan: Actor = { type: 'officer', id: demoOfficers[1].slackUserId, channel: 'slack' };

export interface SeededDomain {
  db: TestDatabase;
  services: DomainServices;
  jordan: CustomerSummary;
  /** Jordan acting from the website chat. */
  jordanActor: Actor;
  /** Another demo customer, for checks that one customer cannot see another's data. */
  other: CustomerSummary;
}

export async function startSeededDomain(): Promise<SeededDomain> {
  const db = await startTestDatabase();
  try {
    await seedDemoData(db.models, db.cipher, { now: fixedNow });
    const services = createDomainServices(db.models, db.cipher, { now: () => fixedNow });
    const jordan = await services.customers.findByPhone(demoCustomer.phone);
    const other = await services.customers.findByPhone('+15555550101');
    if (!jordan || !other) throw new Error('demo customers missing');
    const jordanActor: Actor = { type: 'customer', id: jordan.id, channel: 'directline' };
    return { db, services, jordan, jordanActor, other };
  } catch (error) {
    await db.stop();
    throw error;
  }
}
