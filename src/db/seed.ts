/**
 * Demo data: three insurers, six policy types with their benefit catalogues, twenty customers with
 * policies, dependents, claims in every lifecycle state, benefit requests and three officers. The
 * content is fixed (names, numbers, a seeded generator for the rest); dates are relative to `now` so
 * premiums fall due and reminders have work to do whenever the demo runs.
 *
 * Jordan Rivera (born 1988-04-12, +15555550123) is the customer documentation and checks rely on:
 * AUT-100200 with Northwind Mutual, HOM-300400 with Contoso Insurance, HLT-500600 with Fabrikam Health,
 * and claim CLM-000123 on AUT-100200, in review.
 */
import { addDays, addYears } from 'date-fns';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { Types } from 'mongoose';
import type { FieldCipher } from './encryption.js';
import {
  claimStatuses,
  type BenefitNeed,
  type BenefitRequestStatus,
  type ClaimStatus,
  type LineOfBusiness,
  type Models,
  type PolicyStatus,
  type PremiumFrequency,
} from './models/index.js';
import { sealDateOfBirth } from '../domain/customers.js';
import { toIsoDate } from '../domain/dates.js';
import { toDecimal } from '../domain/mapping.js';
import { benefitRequestNumbers, claimNumbers, formatNumber, NumberAllocator } from '../domain/numbers.js';

export interface SeedOptions {
  /** The moment the demo is built around (default: now). */
  now?: Date;
  /**
   * Stores a policy document and returns its file id (the file store's `save`). Without it, policies
   * are seeded without documents.
   */
  saveDocument?: (file: { name: string; data: Buffer; declaredType: string }) => Promise<{ id: string }>;
}

export interface SeedResult {
  /** False when the database already held data and nothing was written. */
  seeded: boolean;
  counts: Record<string, number>;
}

/** The customer the documentation and end-to-end checks use. */
export const demoCustomer = {
  firstName: 'Jordan',
  lastName: 'Rivera',
  dateOfBirth: '1988-04-12',
  phone: '+15555550123',
  email: 'jordan.rivera@example.com',
  policies: { auto: 'AUT-100200', home: 'HOM-300400', health: 'HLT-500600' },
  claim: 'CLM-000123',
} as const;

export const demoOfficers = [
  { slackUserId: 'U0DEMOAVERY', name: 'Avery Chen', role: 'claims_officer', approvalLimit: '5000.00' },
  { slackUserId: 'U0DEMOMORGAN', name: 'Morgan Patel', role: 'supervisor', approvalLimit: '50000.00' },
  { slackUserId: 'U0DEMOSAM', name: 'Sam Okafor', role: 'admin', approvalLimit: '1000000.00' },
] as const;

const insurers = [
  {
    code: 'NWM',
    name: 'Northwind Mutual',
    claimsPhone: '+18005550101',
    supportEmail: 'claims@northwind.example.com',
    website: 'https://northwind.example.com',
    paymentInstructions:
      'Pay online at https://northwind.example.com/pay, by phone on +1 800 555 0111 (card or bank account), or by check to Northwind Mutual, PO Box 1200, Springfield. Write your policy number on the check.',
  },
  {
    code: 'CON',
    name: 'Contoso Insurance',
    claimsPhone: '+18005550102',
    supportEmail: 'help@contoso.example.com',
    website: 'https://contoso.example.com',
    paymentInstructions:
      'Pay in the Contoso app or at https://contoso.example.com/billing, or by bank transfer to Contoso Insurance, account 004512 7788, with your policy number as the reference.',
  },
  {
    code: 'FAB',
    name: 'Fabrikam Health',
    claimsPhone: '+18005550103',
    supportEmail: 'members@fabrikam.example.com',
    website: 'https://fabrikam.example.com',
    paymentInstructions:
      'Pay at https://fabrikam.example.com/members/pay or call +1 800 555 0113 on weekdays, 8 am to 6 pm. Premiums through an employer are taken from your pay and need nothing from you.',
  },
] as const;
type InsurerCode = (typeof insurers)[number]['code'];

interface TypeSpec {
  code: string;
  name: string;
  lineOfBusiness: LineOfBusiness;
  prefix: string;
  description: string;
  term: 'annual' | 'trip' | 'twenty_years';
  frequency: PremiumFrequency;
  premium: [number, number];
  sellers: InsurerCode[];
  coverages: { name: string; description: string; limit: number; deductible: number }[];
  benefits: BenefitSpec[];
  /** The claim types the demo claims on this type of policy are drawn from. */
  claimTypes: string[];
  /** A plan customers upgrade to: no demo policy is written on it. */
  upgradeOnly?: boolean;
}

interface BenefitSpec {
  code: string;
  name: string;
  description: string;
  requiresApproval: boolean;
  keywords?: string[];
  needs?: BenefitNeed[];
  rules?: {
    eligibleStatuses?: PolicyStatus[];
    perYear?: number;
    maxDaysPerClaim?: number;
    waitingDays?: number;
  };
}

/**
 * The coverage history of a demo policy: the demo customer raised the personal property cover of their
 * home policy 12 days ago (a home theft claim now shows the coverage-increase risk signal), and every
 * fifth other customer raised their policy's first coverage with a limit 60 days after the start. Drawn
 * without the seed's random generator, so the rest of the demo data stays as it was.
 */
function coverageChangesOf(
  spec: TypeSpec,
  scale: number,
  at: { isDemo: boolean; personIndex: number; startDate: Date; today: Date },
) {
  const raised =
    at.isDemo && spec.lineOfBusiness === 'home'
      ? {
          coverage: spec.coverages.find((coverage) => coverage.name === 'Personal property'),
          on: addDays(at.today, -12),
        }
      : !at.isDemo && at.personIndex % 5 === 1
        ? { coverage: spec.coverages.find((coverage) => coverage.limit > 0), on: addDays(at.startDate, 60) }
        : undefined;
  if (!raised?.coverage || raised.on > at.today) return [];
  const limit = Math.round(raised.coverage.limit * scale);
  return [
    {
      coverage: raised.coverage.name,
      effectiveFrom: raised.on,
      previousLimit: toDecimal(Math.round(limit * 0.75)),
      previousDeductible: toDecimal(raised.coverage.deductible),
      limit: toDecimal(limit),
      deductible: toDecimal(raised.coverage.deductible),
    },
  ];
}

interface ClaimTypeSpec {
  code: string;
  name: string;
  keywords: string[];
  coverage: string;
  requiredDocuments: { code: string; label: string; fact?: 'policeReportNumber' | 'otherParties' }[];
  instantLimit?: number;
}

const photos = { code: 'photos', label: 'Photos of the damage' };
const policeReport = {
  code: 'police_report',
  label: 'The police report',
  fact: 'policeReportNumber' as const,
};
const repairEstimate = { code: 'repair_estimate', label: 'A repair estimate' };
const itemisedBill = { code: 'itemised_bill', label: 'The itemised bill' };

/**
 * The claim types of each line of business: what each needs, which coverage pays for it, and which may
 * be approved at once (glass, small medical bills) when everything is in order.
 */
const claimCatalogue: Record<LineOfBusiness, ClaimTypeSpec[]> = {
  auto: [
    {
      code: 'collision',
      name: 'Collision with another vehicle or an object',
      keywords: [
        'collision',
        'accident',
        'crash',
        'crashed',
        'hit',
        'rear ended',
        'rear-ended',
        'fender bender',
        'backed into',
        'dent',
        'dented',
        'bumper',
      ],
      coverage: 'Collision',
      requiredDocuments: [
        photos,
        { code: 'other_driver', label: "The other driver's details", fact: 'otherParties' },
      ],
    },
    {
      code: 'glass',
      name: 'Broken or cracked glass',
      keywords: ['glass', 'windshield', 'windscreen', 'window', 'chip', 'cracked', 'crack'],
      coverage: 'Comprehensive',
      requiredDocuments: [{ code: 'photos', label: 'A photo of the glass' }],
      instantLimit: 500,
    },
    {
      code: 'theft',
      name: 'Theft of the car or from it',
      keywords: ['stolen', 'stole', 'theft', 'broke into', 'break in', 'missing'],
      coverage: 'Comprehensive',
      requiredDocuments: [policeReport],
    },
    {
      code: 'vandalism',
      name: 'Vandalism',
      keywords: ['vandalized', 'vandalised', 'vandalism', 'keyed', 'scratched', 'slashed', 'graffiti'],
      coverage: 'Comprehensive',
      requiredDocuments: [photos, policeReport],
    },
    {
      code: 'weather',
      name: 'Hail, storm, flood or a falling tree',
      keywords: ['hail', 'storm', 'flood', 'flooded', 'tree', 'branch', 'wind', 'weather'],
      coverage: 'Comprehensive',
      requiredDocuments: [photos],
    },
  ],
  home: [
    {
      code: 'water_damage',
      name: 'Water damage from a leak or burst pipe',
      keywords: ['water', 'flooded', 'flood', 'leak', 'leaking', 'pipe', 'burst', 'basement', 'soaked'],
      coverage: 'Dwelling',
      requiredDocuments: [photos, repairEstimate],
    },
    {
      code: 'fire',
      name: 'Fire or smoke damage',
      keywords: ['fire', 'smoke', 'burned', 'burnt', 'flames'],
      coverage: 'Dwelling',
      requiredDocuments: [photos, { code: 'fire_report', label: 'The fire department report' }],
    },
    {
      code: 'theft',
      name: 'Burglary or theft',
      keywords: ['stolen', 'stole', 'theft', 'burglary', 'burglarized', 'broke into', 'break in'],
      coverage: 'Personal property',
      requiredDocuments: [policeReport],
    },
    {
      code: 'storm',
      name: 'Storm, wind or hail damage',
      keywords: ['storm', 'wind', 'hail', 'roof', 'shingles', 'tree', 'lightning'],
      coverage: 'Dwelling',
      requiredDocuments: [photos, repairEstimate],
    },
  ],
  health: [
    {
      code: 'reimbursement',
      name: 'A bill you paid for care',
      keywords: [
        'bill',
        'paid',
        'reimburse',
        'reimbursement',
        'doctor',
        'visit',
        'clinic',
        'pharmacy',
        'prescription',
      ],
      coverage: 'Outpatient care',
      requiredDocuments: [itemisedBill],
      instantLimit: 500,
    },
    {
      code: 'hospital_stay',
      name: 'A hospital stay',
      keywords: ['hospital', 'surgery', 'admitted', 'stay', 'operation'],
      coverage: 'Hospital care',
      requiredDocuments: [itemisedBill, { code: 'discharge_summary', label: 'The discharge summary' }],
    },
  ],
  life: [
    {
      code: 'death_benefit',
      name: 'The death of the insured person',
      keywords: ['died', 'death', 'passed away', 'deceased', 'passed'],
      coverage: 'Death benefit',
      requiredDocuments: [{ code: 'death_certificate', label: 'The death certificate' }],
    },
  ],
  renters: [
    {
      code: 'theft',
      name: 'Burglary or theft of your belongings',
      keywords: ['stolen', 'stole', 'theft', 'burglary', 'broke into', 'break in'],
      coverage: 'Personal property',
      requiredDocuments: [policeReport],
    },
    {
      code: 'water_damage',
      name: 'Water damage to your belongings',
      keywords: ['water', 'flooded', 'flood', 'leak', 'leaking', 'pipe', 'burst', 'soaked'],
      coverage: 'Personal property',
      requiredDocuments: [photos],
    },
    {
      code: 'fire',
      name: 'Fire or smoke damage to your belongings',
      keywords: ['fire', 'smoke', 'burned', 'burnt'],
      coverage: 'Personal property',
      requiredDocuments: [photos],
    },
  ],
  travel: [
    {
      code: 'trip_cancellation',
      name: 'A cancelled or cut-short trip',
      keywords: ['cancel', 'cancelled', 'canceled', 'cancellation', 'trip', 'flight', 'booking'],
      coverage: 'Trip cancellation',
      requiredDocuments: [{ code: 'booking_receipts', label: 'The booking receipts' }],
    },
    {
      code: 'baggage',
      name: 'Lost, stolen or damaged baggage',
      keywords: ['baggage', 'luggage', 'suitcase', 'bag', 'lost'],
      coverage: 'Baggage',
      requiredDocuments: [{ code: 'airline_report', label: "The airline's lost baggage report" }],
      instantLimit: 500,
    },
    {
      code: 'medical_abroad',
      name: 'Medical treatment while travelling',
      keywords: ['doctor', 'hospital', 'sick', 'ill', 'injured', 'treatment', 'clinic'],
      coverage: 'Emergency medical',
      requiredDocuments: [itemisedBill],
    },
  ],
};

/** Roadside help: where the car is and what happened; four call-outs a policy year without an officer. */
const roadside: BenefitSpec = {
  code: 'ROADSIDE',
  name: 'Roadside assistance',
  description: 'Towing, jump starts, flat tyres and lockouts, 24/7.',
  requiresApproval: false,
  keywords: [
    'tow',
    'towing',
    'broke down',
    'broken down',
    'flat tyre',
    'flat tire',
    'jump start',
    'locked out',
    'battery',
  ],
  needs: ['location', 'what_happened'],
  rules: { perYear: 4 },
};

/** A rental car while the car of a claim is repaired, for at most `days` days per claim. */
function rentalCar(days: number): BenefitSpec {
  return {
    code: 'RENTAL_CAR',
    name: 'Rental car reimbursement',
    description: `Up to $40 a day for ${days} days while your car is repaired after a covered claim.`,
    requiresApproval: false,
    keywords: ['rental', 'hire car', 'loaner', 'rent a car'],
    needs: ['claim', 'dates'],
    rules: { maxDaysPerClaim: days },
  };
}

const policyTypes: TypeSpec[] = [
  {
    code: 'auto-standard',
    name: 'Auto Standard',
    lineOfBusiness: 'auto',
    prefix: 'AUT',
    description: 'Liability, collision and comprehensive cover for a private passenger vehicle.',
    term: 'annual',
    frequency: 'monthly',
    premium: [85, 190],
    sellers: ['NWM', 'CON'],
    coverages: [
      {
        name: 'Bodily injury liability',
        description: 'Injuries you cause to others',
        limit: 100000,
        deductible: 0,
      },
      {
        name: 'Property damage liability',
        description: "Damage you cause to others' property",
        limit: 50000,
        deductible: 0,
      },
      {
        name: 'Collision',
        description: 'Damage to your car from a collision',
        limit: 35000,
        deductible: 500,
      },
      {
        name: 'Comprehensive',
        description: 'Theft, fire, hail, glass and animal strikes',
        limit: 35000,
        deductible: 250,
      },
    ],
    benefits: [
      roadside,
      rentalCar(30),
      {
        code: 'GLASS_REPAIR',
        name: 'Windshield repair',
        description: 'Chip and crack repair with no deductible.',
        requiresApproval: false,
        keywords: ['windshield', 'windscreen', 'chip'],
        needs: ['what_happened'],
        rules: { perYear: 2, waitingDays: 30 },
      },
    ],
    claimTypes: ['collision', 'theft', 'glass', 'weather'],
  },
  {
    code: 'auto-premier',
    name: 'Auto Premier',
    lineOfBusiness: 'auto',
    prefix: 'AUT',
    description: 'Auto Standard with higher limits, new-car replacement and a longer rental car.',
    term: 'annual',
    frequency: 'monthly',
    premium: [140, 260],
    sellers: ['NWM'],
    coverages: [
      {
        name: 'Bodily injury liability',
        description: 'Injuries you cause to others',
        limit: 250000,
        deductible: 0,
      },
      {
        name: 'Property damage liability',
        description: "Damage you cause to others' property",
        limit: 100000,
        deductible: 0,
      },
      {
        name: 'Collision',
        description: 'Damage to your car from a collision',
        limit: 60000,
        deductible: 250,
      },
      {
        name: 'Comprehensive',
        description: 'Theft, fire, hail, glass and animal strikes',
        limit: 60000,
        deductible: 100,
      },
      {
        name: 'New car replacement',
        description: 'A new car of the same model if yours is totalled in its first two years',
        limit: 60000,
        deductible: 0,
      },
    ],
    benefits: [
      { ...roadside, rules: { perYear: 8 } },
      rentalCar(45),
      {
        code: 'GLASS_REPAIR',
        name: 'Windshield repair',
        description: 'Chip and crack repair with no deductible.',
        requiresApproval: false,
        keywords: ['windshield', 'windscreen', 'chip'],
        needs: ['what_happened'],
        rules: { perYear: 4 },
      },
      {
        code: 'DIMINISHED_VALUE',
        name: 'Diminished value cover',
        description: 'Pays the loss in resale value after a covered repair.',
        requiresApproval: true,
        needs: ['claim'],
      },
    ],
    claimTypes: ['collision', 'theft', 'glass', 'weather'],
    upgradeOnly: true,
  },
  {
    code: 'home-plus',
    name: 'Home Plus',
    lineOfBusiness: 'home',
    prefix: 'HOM',
    description: 'Homeowners cover for the dwelling, belongings and personal liability.',
    term: 'annual',
    frequency: 'annual',
    premium: [1100, 2400],
    sellers: ['CON', 'NWM'],
    coverages: [
      { name: 'Dwelling', description: 'The structure of your home', limit: 350000, deductible: 1000 },
      {
        name: 'Personal property',
        description: 'Belongings inside and away from home',
        limit: 150000,
        deductible: 1000,
      },
      {
        name: 'Personal liability',
        description: 'Injury or damage you are responsible for',
        limit: 300000,
        deductible: 0,
      },
      {
        name: 'Additional living expenses',
        description: 'Hotel and meals while your home is repaired',
        limit: 60000,
        deductible: 0,
      },
    ],
    benefits: [
      {
        code: 'EMERGENCY_REPAIR',
        name: 'Emergency repair service',
        description: 'A vetted contractor within 24 hours to stop further damage.',
        requiresApproval: true,
        needs: ['location', 'what_happened'],
      },
      {
        code: 'TEMP_HOUSING',
        name: 'Temporary housing',
        description: 'Arranged accommodation when your home is unlivable after a covered loss.',
        requiresApproval: true,
      },
      {
        code: 'HOME_INSPECTION',
        name: 'Free home safety inspection',
        description: 'A yearly check of smoke alarms, wiring and water heater.',
        requiresApproval: false,
      },
    ],
    claimTypes: ['water_damage', 'fire', 'theft', 'storm'],
  },
  {
    code: 'health-choice',
    name: 'Health Choice PPO',
    lineOfBusiness: 'health',
    prefix: 'HLT',
    description: 'Preferred provider health plan with hospital, outpatient and prescription cover.',
    term: 'annual',
    frequency: 'monthly',
    premium: [320, 780],
    sellers: ['FAB'],
    coverages: [
      { name: 'Hospital care', description: 'Inpatient stays and surgery', limit: 1000000, deductible: 1500 },
      {
        name: 'Outpatient care',
        description: 'Doctor visits, labs and imaging',
        limit: 250000,
        deductible: 1500,
      },
      {
        name: 'Prescription drugs',
        description: 'Generic and preferred brand medicines',
        limit: 50000,
        deductible: 0,
      },
      { name: 'Emergency care', description: 'Emergency room and ambulance', limit: 250000, deductible: 250 },
    ],
    benefits: [
      {
        code: 'TELEHEALTH',
        name: 'Telehealth visits',
        description: 'Video visits with a doctor at no cost, any time.',
        requiresApproval: false,
      },
      {
        code: 'WELLNESS_CHECK',
        name: 'Annual wellness check',
        description: 'A preventive check-up and screenings once a year.',
        requiresApproval: false,
        rules: { perYear: 1, waitingDays: 30 },
      },
      {
        code: 'SPECIALIST_REFERRAL',
        name: 'Specialist referral',
        description: 'Pre-approval to see a specialist outside the network.',
        requiresApproval: true,
      },
      {
        code: 'GYM_REIMBURSEMENT',
        name: 'Fitness reimbursement',
        description: 'Up to $240 a year towards a gym membership.',
        requiresApproval: true,
      },
    ],
    claimTypes: ['reimbursement', 'hospital_stay'],
  },
  {
    code: 'health-choice-plus',
    name: 'Health Choice Plus PPO',
    lineOfBusiness: 'health',
    prefix: 'HLT',
    description: 'Health Choice with a lower deductible, dental and vision.',
    term: 'annual',
    frequency: 'monthly',
    premium: [480, 990],
    sellers: ['FAB'],
    coverages: [
      { name: 'Hospital care', description: 'Inpatient stays and surgery', limit: 2000000, deductible: 750 },
      {
        name: 'Outpatient care',
        description: 'Doctor visits, labs and imaging',
        limit: 500000,
        deductible: 750,
      },
      {
        name: 'Prescription drugs',
        description: 'Generic and preferred brand medicines',
        limit: 100000,
        deductible: 0,
      },
      { name: 'Emergency care', description: 'Emergency room and ambulance', limit: 500000, deductible: 100 },
      { name: 'Dental care', description: 'Cleanings, fillings and crowns', limit: 2500, deductible: 50 },
      {
        name: 'Vision care',
        description: 'An eye exam and glasses or lenses a year',
        limit: 400,
        deductible: 0,
      },
    ],
    benefits: [
      {
        code: 'TELEHEALTH',
        name: 'Telehealth visits',
        description: 'Video visits with a doctor at no cost, any time.',
        requiresApproval: false,
      },
      {
        code: 'WELLNESS_CHECK',
        name: 'Annual wellness check',
        description: 'A preventive check-up and screenings once a year.',
        requiresApproval: false,
        rules: { perYear: 1 },
      },
      {
        code: 'SPECIALIST_REFERRAL',
        name: 'Specialist referral',
        description: 'Pre-approval to see a specialist outside the network.',
        requiresApproval: true,
      },
      {
        code: 'GYM_REIMBURSEMENT',
        name: 'Fitness reimbursement',
        description: 'Up to $480 a year towards a gym membership.',
        requiresApproval: false,
        rules: { perYear: 1 },
      },
      {
        code: 'SECOND_OPINION',
        name: 'Expert second opinion',
        description: 'A specialist reviews a diagnosis or a treatment plan.',
        requiresApproval: false,
        needs: ['what_happened'],
        rules: { perYear: 2 },
      },
    ],
    claimTypes: ['reimbursement', 'hospital_stay'],
    upgradeOnly: true,
  },
  {
    code: 'life-term20',
    name: 'Term Life 20',
    lineOfBusiness: 'life',
    prefix: 'LIF',
    description: 'Twenty-year level term life insurance.',
    term: 'twenty_years',
    frequency: 'monthly',
    premium: [25, 90],
    sellers: ['NWM', 'CON', 'FAB'],
    coverages: [
      { name: 'Death benefit', description: 'Paid to the beneficiaries', limit: 500000, deductible: 0 },
    ],
    benefits: [
      {
        code: 'BENEFICIARY_CHANGE',
        name: 'Beneficiary change',
        description: 'Change who receives the death benefit.',
        requiresApproval: true,
      },
      {
        code: 'POLICY_STATEMENT',
        name: 'Policy statement',
        description: 'A statement of cover for a lender or an estate plan.',
        requiresApproval: false,
      },
    ],
    claimTypes: [],
  },
  {
    code: 'renters-basic',
    name: 'Renters Basic',
    lineOfBusiness: 'renters',
    prefix: 'REN',
    description: 'Belongings and liability cover for people who rent.',
    term: 'annual',
    frequency: 'monthly',
    premium: [12, 28],
    sellers: ['NWM', 'CON'],
    coverages: [
      { name: 'Personal property', description: 'Your belongings', limit: 30000, deductible: 500 },
      {
        name: 'Personal liability',
        description: 'Injury or damage you are responsible for',
        limit: 100000,
        deductible: 0,
      },
      {
        name: 'Loss of use',
        description: 'Extra living costs after a covered loss',
        limit: 9000,
        deductible: 0,
      },
    ],
    benefits: [
      {
        code: 'ITEM_SCHEDULING',
        name: 'Valuable item scheduling',
        description: 'Add jewellery, art or instruments at their appraised value.',
        requiresApproval: true,
      },
      {
        code: 'PROOF_OF_INSURANCE',
        name: 'Proof of insurance for a landlord',
        description: 'A certificate sent to your landlord.',
        requiresApproval: false,
      },
    ],
    claimTypes: ['theft', 'water_damage'],
  },
  {
    code: 'travel-protect',
    name: 'Travel Protect',
    lineOfBusiness: 'travel',
    prefix: 'TRV',
    description: 'Single-trip cover for cancellation, medical emergencies and baggage.',
    term: 'trip',
    frequency: 'annual',
    premium: [60, 240],
    sellers: ['FAB', 'NWM'],
    coverages: [
      {
        name: 'Trip cancellation',
        description: 'Prepaid, non-refundable trip costs',
        limit: 5000,
        deductible: 0,
      },
      { name: 'Emergency medical', description: 'Treatment abroad', limit: 100000, deductible: 100 },
      { name: 'Baggage', description: 'Lost, stolen or damaged luggage', limit: 2500, deductible: 100 },
    ],
    benefits: [
      {
        code: 'TRAVEL_ASSIST',
        name: '24/7 travel assistance',
        description: 'Help finding doctors, replacing passports and rebooking.',
        requiresApproval: false,
      },
      {
        code: 'CANCEL_FOR_ANY_REASON',
        name: 'Cancel for any reason',
        description: 'Refund of 75% of trip costs when cancelling for a reason not otherwise covered.',
        requiresApproval: true,
      },
    ],
    claimTypes: ['trip_cancellation', 'baggage', 'medical_abroad'],
  },
];

interface PersonSpec {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  city: string;
  region: string;
  postalCode: string;
  timezone: string;
  preferredLanguage?: string;
  /** Lines of business held, in order; the first picks the insurer from the generator. */
  lines: LineOfBusiness[];
  household?: {
    name: string;
    relationship: 'spouse' | 'partner' | 'child' | 'parent';
    dateOfBirth: string;
  }[];
  sms: 'opted_in' | 'opted_out' | 'unknown';
}

const people: PersonSpec[] = [
  {
    firstName: 'Emily',
    lastName: 'Carter',
    dateOfBirth: '1979-09-03',
    city: 'Portland',
    region: 'OR',
    postalCode: '97205',
    timezone: 'America/Los_Angeles',
    lines: ['auto', 'home'],
    household: [{ name: 'Noah Carter', relationship: 'spouse', dateOfBirth: '1977-02-14' }],
    sms: 'opted_in',
  },
  {
    firstName: 'Marcus',
    lastName: 'Johnson',
    dateOfBirth: '1992-01-22',
    city: 'Atlanta',
    region: 'GA',
    postalCode: '30303',
    timezone: 'America/New_York',
    lines: ['renters', 'auto'],
    sms: 'opted_in',
  },
  {
    firstName: 'Sofia',
    lastName: 'Hernandez',
    dateOfBirth: '1985-06-30',
    city: 'San Antonio',
    region: 'TX',
    postalCode: '78205',
    timezone: 'America/Chicago',
    preferredLanguage: 'es',
    lines: ['health', 'life'],
    household: [
      { name: 'Mateo Hernandez', relationship: 'child', dateOfBirth: '2014-11-08' },
      { name: 'Lucia Hernandez', relationship: 'child', dateOfBirth: '2017-03-19' },
    ],
    sms: 'opted_in',
  },
  {
    firstName: 'Daniel',
    lastName: 'Kim',
    dateOfBirth: '1990-12-05',
    city: 'Seattle',
    region: 'WA',
    postalCode: '98101',
    timezone: 'America/Los_Angeles',
    lines: ['auto', 'travel'],
    sms: 'unknown',
  },
  {
    firstName: 'Priya',
    lastName: 'Sharma',
    dateOfBirth: '1983-04-17',
    city: 'Edison',
    region: 'NJ',
    postalCode: '08817',
    timezone: 'America/New_York',
    lines: ['home', 'health', 'life'],
    household: [
      { name: 'Arjun Sharma', relationship: 'spouse', dateOfBirth: '1981-08-29' },
      { name: 'Anika Sharma', relationship: 'child', dateOfBirth: '2012-05-02' },
    ],
    sms: 'opted_in',
  },
  {
    firstName: 'William',
    lastName: "O'Brien",
    dateOfBirth: '1958-10-11',
    city: 'Boston',
    region: 'MA',
    postalCode: '02108',
    timezone: 'America/New_York',
    lines: ['home', 'life'],
    household: [{ name: "Margaret O'Brien", relationship: 'spouse', dateOfBirth: '1960-01-27' }],
    sms: 'opted_out',
  },
  {
    firstName: 'Aisha',
    lastName: 'Bello',
    dateOfBirth: '1996-07-24',
    city: 'Chicago',
    region: 'IL',
    postalCode: '60601',
    timezone: 'America/Chicago',
    lines: ['renters', 'health'],
    sms: 'opted_in',
  },
  {
    firstName: 'Lucas',
    lastName: 'Moreau',
    dateOfBirth: '1975-03-09',
    city: 'New Orleans',
    region: 'LA',
    postalCode: '70112',
    timezone: 'America/Chicago',
    lines: ['auto', 'home'],
    sms: 'unknown',
  },
  {
    firstName: 'Grace',
    lastName: 'Liu',
    dateOfBirth: '2000-02-29',
    city: 'San Francisco',
    region: 'CA',
    postalCode: '94103',
    timezone: 'America/Los_Angeles',
    lines: ['renters', 'travel'],
    sms: 'opted_in',
  },
  {
    firstName: 'Hannah',
    lastName: 'Schmidt',
    dateOfBirth: '1969-11-15',
    city: 'Milwaukee',
    region: 'WI',
    postalCode: '53202',
    timezone: 'America/Chicago',
    lines: ['health'],
    household: [{ name: 'Peter Schmidt', relationship: 'spouse', dateOfBirth: '1967-06-03' }],
    sms: 'opted_in',
  },
  {
    firstName: 'Omar',
    lastName: 'Haddad',
    dateOfBirth: '1987-08-08',
    city: 'Dearborn',
    region: 'MI',
    postalCode: '48126',
    timezone: 'America/Detroit',
    lines: ['auto', 'life'],
    household: [
      { name: 'Layla Haddad', relationship: 'spouse', dateOfBirth: '1989-12-12' },
      { name: 'Yusuf Haddad', relationship: 'child', dateOfBirth: '2019-09-21' },
    ],
    sms: 'opted_in',
  },
  {
    firstName: 'Chloe',
    lastName: 'Nguyen',
    dateOfBirth: '1994-05-13',
    city: 'Houston',
    region: 'TX',
    postalCode: '77002',
    timezone: 'America/Chicago',
    lines: ['auto', 'renters'],
    sms: 'unknown',
  },
  {
    firstName: 'Robert',
    lastName: 'Thompson',
    dateOfBirth: '1962-01-30',
    city: 'Denver',
    region: 'CO',
    postalCode: '80202',
    timezone: 'America/Denver',
    lines: ['home', 'auto', 'travel'],
    household: [{ name: 'Linda Thompson', relationship: 'spouse', dateOfBirth: '1964-04-04' }],
    sms: 'opted_in',
  },
  {
    firstName: 'Fatima',
    lastName: 'Zahra',
    dateOfBirth: '1991-10-02',
    city: 'Minneapolis',
    region: 'MN',
    postalCode: '55401',
    timezone: 'America/Chicago',
    lines: ['health', 'renters'],
    household: [{ name: 'Amir Zahra', relationship: 'partner', dateOfBirth: '1990-07-16' }],
    sms: 'opted_in',
  },
  {
    firstName: 'Ethan',
    lastName: 'Brooks',
    dateOfBirth: '1998-03-27',
    city: 'Phoenix',
    region: 'AZ',
    postalCode: '85004',
    timezone: 'America/Phoenix',
    lines: ['auto'],
    sms: 'opted_in',
  },
  {
    firstName: 'Isabella',
    lastName: 'Rossi',
    dateOfBirth: '1980-12-19',
    city: 'Philadelphia',
    region: 'PA',
    postalCode: '19103',
    timezone: 'America/New_York',
    lines: ['home', 'health'],
    household: [{ name: 'Giulia Rossi', relationship: 'child', dateOfBirth: '2010-10-10' }],
    sms: 'unknown',
  },
  {
    firstName: 'Kwame',
    lastName: 'Mensah',
    dateOfBirth: '1973-07-07',
    city: 'Columbus',
    region: 'OH',
    postalCode: '43215',
    timezone: 'America/New_York',
    lines: ['life', 'auto'],
    household: [{ name: 'Ama Mensah', relationship: 'spouse', dateOfBirth: '1975-02-21' }],
    sms: 'opted_in',
  },
  {
    firstName: 'Mia',
    lastName: 'Andersson',
    dateOfBirth: '1993-09-25',
    city: 'Salt Lake City',
    region: 'UT',
    postalCode: '84111',
    timezone: 'America/Denver',
    lines: ['travel', 'renters'],
    sms: 'opted_out',
  },
  {
    firstName: 'Diego',
    lastName: 'Alvarez',
    dateOfBirth: '1986-02-11',
    city: 'Miami',
    region: 'FL',
    postalCode: '33130',
    timezone: 'America/New_York',
    preferredLanguage: 'es',
    lines: ['auto', 'home', 'health'],
    household: [
      { name: 'Valeria Alvarez', relationship: 'spouse', dateOfBirth: '1987-05-30' },
      { name: 'Sebastian Alvarez', relationship: 'child', dateOfBirth: '2016-01-15' },
    ],
    sms: 'opted_in',
  },
];

const streets = [
  'Maple Ave',
  'Oak St',
  'Cedar Ln',
  'Elm St',
  'Pine Rd',
  'Lakeview Dr',
  'Park Ave',
  'Hillcrest Rd',
];

/** Where each seeded claim ends up; the history walks the lifecycle to get there. */
const claimPaths: Record<ClaimStatus, ClaimStatus[]> = {
  submitted: ['submitted'],
  in_review: ['submitted', 'in_review'],
  info_requested: ['submitted', 'in_review', 'info_requested'],
  approved: ['submitted', 'in_review', 'approved'],
  denied: ['submitted', 'in_review', 'denied'],
  paid: ['submitted', 'in_review', 'approved', 'paid'],
  closed: ['submitted', 'in_review', 'approved', 'paid', 'closed'],
};

const transitionReasons: Partial<Record<ClaimStatus, string>> = {
  submitted: 'claim filed',
  in_review: 'picked up for review',
  info_requested: 'Please upload photos of the damage and the repair estimate.',
  approved: 'covered under the policy terms',
  denied: 'the loss happened before the policy started',
  paid: 'payment issued by bank transfer',
  closed: 'settled',
};

/** The status of each demo claim: every status once, then more of the ones officers see most. */
const claimStatusCycle: ClaimStatus[] = [
  ...claimStatuses,
  'in_review',
  'submitted',
  'paid',
  'approved',
  'info_requested',
];

/** Small deterministic generator (mulberry32) so every run builds the same demo. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    money: (min: number, max: number) => Math.round((min + next() * (max - min)) * 100) / 100,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

/**
 * Writes the demo data set when the database holds no insurers, customers, policies or claims;
 * otherwise writes nothing. Returns whether it seeded.
 */
export async function seedDemoData(
  models: Models,
  cipher: FieldCipher,
  options: SeedOptions = {},
): Promise<SeedResult> {
  const existing = await Promise.all([
    models.insurers.exists({}),
    models.customers.exists({}),
    models.policies.exists({}),
    models.claims.exists({}),
  ]);
  if (existing.some(Boolean)) return { seeded: false, counts: {} };

  const now = options.now ?? new Date();
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const random = generator(20240412);

  const officerRows = demoOfficers.map((officer) => ({
    _id: new Types.ObjectId(),
    slackUserId: officer.slackUserId,
    name: officer.name,
    email: `${officer.name.split(' ')[0]!.toLowerCase()}@insuralink.example.com`,
    role: officer.role,
    approvalLimit: Types.Decimal128.fromString(officer.approvalLimit),
    active: true,
  }));
  const [avery, morgan] = officerRows as [(typeof officerRows)[number], (typeof officerRows)[number]];

  const insurerRows = insurers.map((insurer) => ({ _id: new Types.ObjectId(), ...insurer }));
  const insurerId = new Map(insurerRows.map((row) => [row.code, row._id]));
  const insurerName = new Map(insurerRows.map((row) => [row.code, row.name]));

  const typeRows = policyTypes.map((spec) => ({
    _id: new Types.ObjectId(),
    code: spec.code,
    name: spec.name,
    lineOfBusiness: spec.lineOfBusiness,
    description: spec.description,
    insurers: spec.sellers.map((code) => insurerId.get(code)!),
    coverages: spec.coverages.map((coverage) => ({
      name: coverage.name,
      description: coverage.description,
      defaultLimit: toDecimal(coverage.limit),
      defaultDeductible: toDecimal(coverage.deductible),
    })),
    benefits: spec.benefits,
    claimTypes: claimCatalogue[spec.lineOfBusiness].map((type) => ({
      code: type.code,
      name: type.name,
      keywords: type.keywords,
      coverage: type.coverage,
      requiredDocuments: type.requiredDocuments,
      instantDecision:
        type.instantLimit === undefined
          ? { eligible: false }
          : { eligible: true, limit: toDecimal(type.instantLimit) },
    })),
  }));
  const typeByLine = new Map(
    policyTypes.flatMap((spec, index) =>
      spec.upgradeOnly ? [] : [[spec.lineOfBusiness, { spec, row: typeRows[index]! }] as const],
    ),
  );

  const customers = [
    {
      firstName: demoCustomer.firstName,
      lastName: demoCustomer.lastName,
      dateOfBirth: demoCustomer.dateOfBirth,
      city: 'Austin',
      region: 'TX',
      postalCode: '78701',
      timezone: 'America/Chicago',
      lines: ['auto', 'home', 'health'] as LineOfBusiness[],
      household: [
        { name: 'Casey Rivera', relationship: 'spouse' as const, dateOfBirth: '1989-09-21' },
        { name: 'Sam Rivera', relationship: 'child' as const, dateOfBirth: '2018-06-04' },
      ],
      sms: 'opted_in' as const,
      phone: demoCustomer.phone,
      email: demoCustomer.email,
    },
    ...people.map((person, index) => ({
      ...person,
      phone: `+1555555${String(101 + index).padStart(4, '0')}`,
      email: `${person.firstName}.${person.lastName}`.toLowerCase().replace(/[^a-z.]/g, '') + '@example.com',
    })),
  ];

  const customerRows = customers.map((person) => ({
    _id: new Types.ObjectId(),
    firstName: person.firstName,
    lastName: person.lastName,
    ...sealDateOfBirth(cipher, person.dateOfBirth),
    phone: person.phone,
    email: person.email,
    address: {
      line1: `${random.int(10, 9800)} ${random.pick(streets)}`,
      city: person.city,
      region: person.region,
      postalCode: person.postalCode,
      country: 'US',
    },
    timezone: person.timezone,
    preferredLanguage:
      'preferredLanguage' in person && person.preferredLanguage ? person.preferredLanguage : 'en',
    channelIdentities: [] as { channel: string; id: string }[],
    smsConsent: {
      status: person.sms,
      ...(person.sms === 'unknown' ? {} : { updatedAt: addDays(today, -random.int(30, 400)) }),
    },
  }));

  const consentRows = customerRows.flatMap((customer) => {
    const status = customer.smsConsent.status;
    if (status === 'unknown' || !customer.smsConsent.updatedAt) return [];
    const optIn = {
      customer: customer._id,
      phone: customer.phone,
      channel: 'sms',
      action: 'opt_in' as const,
      source: 'web_form',
      at:
        status === 'opted_out' ? addDays(customer.smsConsent.updatedAt, -90) : customer.smsConsent.updatedAt,
    };
    if (status === 'opted_in') return [optIn];
    return [
      optIn,
      {
        customer: customer._id,
        phone: customer.phone,
        channel: 'sms',
        action: 'opt_out' as const,
        source: 'keyword:STOP',
        at: customer.smsConsent.updatedAt,
      },
    ];
  });

  const numberSeeds: Record<string, number> = {
    AUT: 100300,
    HOM: 300500,
    HLT: 500700,
    LIF: 700100,
    REN: 800100,
    TRV: 900100,
  };
  const fixedNumbers: Partial<Record<LineOfBusiness, string>> = demoCustomer.policies;
  const policyRows = customers.flatMap((person, personIndex) => {
    const customer = customerRows[personIndex]!;
    return person.lines.map((line, lineIndex) => {
      const { spec, row: type } = typeByLine.get(line)!;
      const isDemo = personIndex === 0;
      const prefix = spec.prefix;
      const number = isDemo
        ? fixedNumbers[line]!
        : `${prefix}-${(numberSeeds[prefix] = (numberSeeds[prefix] ?? 100000) + random.int(3, 97))}`;
      const insurerCode: InsurerCode = isDemo
        ? ({ auto: 'NWM', home: 'CON', health: 'FAB' } as Record<string, InsurerCode>)[line]!
        : random.pick(spec.sellers);
      // Most policies are current; a few lapsed, expired or cancelled ones keep the demo honest.
      const status: PolicyStatus =
        isDemo || personIndex % 7 !== 3
          ? 'active'
          : lineIndex === 0
            ? 'lapsed'
            : personIndex % 2
              ? 'expired'
              : 'cancelled';
      let startDate: Date;
      let endDate: Date;
      if (spec.term === 'trip') {
        startDate = addDays(today, status === 'expired' ? -120 : random.int(-5, 40));
        endDate = addDays(startDate, random.int(7, 21));
      } else if (spec.term === 'twenty_years') {
        startDate = addDays(today, -random.int(200, 3000));
        endDate = addYears(startDate, 20);
      } else {
        startDate = addDays(today, status === 'expired' ? -random.int(400, 600) : -random.int(20, 330));
        // Jordan's home policy ends in 40 days, inside the renewal window the demo shows.
        if (isDemo && line === 'home') startDate = addYears(addDays(today, 40), -1);
        endDate = addYears(startDate, 1);
      }
      const nextDueDate =
        status === 'active'
          ? isDemo
            ? addDays(today, { auto: 5, home: 24, health: 12 }[line as 'auto' | 'home' | 'health'])
            : addDays(today, random.int(1, 35))
          : status === 'lapsed'
            ? addDays(today, -random.int(10, 45))
            : undefined;
      const household = person.household ?? [];
      const dependents =
        line === 'health' || line === 'travel'
          ? household
          : line === 'life'
            ? household.filter((member) => member.relationship !== 'parent')
            : line === 'auto'
              ? household.filter(
                  (member) => member.relationship === 'spouse' || member.relationship === 'partner',
                )
              : [];
      const scale = line === 'home' || line === 'life' ? random.pick([0.8, 1, 1.2, 1.5]) : 1;
      return {
        _id: new Types.ObjectId(),
        number,
        insurer: insurerId.get(insurerCode)!,
        policyType: type._id,
        holder: customer._id,
        dependents: dependents.map((member) => ({
          name: member.name,
          relationship: member.relationship,
          dateOfBirthEncrypted: cipher.encrypt(member.dateOfBirth),
        })),
        coverages: spec.coverages.map((coverage) => ({
          name: coverage.name,
          limit: toDecimal(Math.round(coverage.limit * scale)),
          deductible: toDecimal(coverage.deductible),
        })),
        coverageChanges: coverageChangesOf(spec, scale, { isDemo, personIndex, startDate, today }),
        premium: {
          amount: toDecimal(
            isDemo
              ? { auto: 142.5, home: 1680, health: 415.75 }[line as 'auto' | 'home' | 'health']
              : random.money(...spec.premium),
          ),
          currency: 'USD',
          frequency: spec.frequency,
        },
        ...(nextDueDate ? { nextDueDate } : {}),
        startDate,
        endDate,
        status,
        documents: [] as { title: string; fileId: string }[],
        // Kept only for the seed's own use below (documents, claims); not part of the stored document.
        meta: { spec, insurerCode, holderName: `${person.firstName} ${person.lastName}` },
      };
    });
  });

  if (options.saveDocument) {
    for (const policy of policyRows) {
      const data = await declarationsPdf(policy.number, insurerName.get(policy.meta.insurerCode)!, policy);
      const saved = await options.saveDocument({
        name: `${policy.number}-declarations.pdf`,
        data,
        declaredType: 'application/pdf',
      });
      policy.documents.push({ title: 'Declarations page', fileId: saved.id });
    }
  }

  type ClaimRow = {
    number: string;
    policy: Types.ObjectId;
    customer: Types.ObjectId;
    incidentDate: Date;
    type: string;
    description: string;
    location: string;
    amountClaimed: Types.Decimal128;
    currency: string;
    status: ClaimStatus;
    assignee?: Types.ObjectId;
    statusHistory: {
      from?: ClaimStatus;
      to: ClaimStatus;
      actor: { type: string; id: string };
      reason?: string;
      at: Date;
    }[];
    messages: { from: 'customer' | 'officer'; author: string; text: string; at: Date }[];
    createdAt: Date;
    updatedAt: Date;
  };
  const buildClaim = (
    number: string,
    policy: (typeof policyRows)[number],
    status: ClaimStatus,
    details: { type: string; description: string; location: string; amount: number; daysAgo: number },
  ): ClaimRow => {
    const incidentDate = addDays(today, -details.daysAgo);
    const filedAt = addDays(incidentDate, 1);
    const path = claimPaths[status];
    const officer = details.amount > 5000 ? morgan : avery;
    const history = path.map((to, step) => ({
      ...(step > 0 ? { from: path[step - 1] } : {}),
      to,
      actor:
        step === 0
          ? { type: 'customer', id: policy.holder.toString() }
          : { type: 'officer', id: officer.slackUserId },
      reason: transitionReasons[to],
      at: addDays(filedAt, step * 2),
    }));
    const messages: ClaimRow['messages'] =
      status === 'info_requested'
        ? [
            {
              from: 'officer',
              author: officer.slackUserId,
              text: transitionReasons.info_requested!,
              at: history.at(-1)!.at,
            },
          ]
        : [];
    return {
      number,
      policy: policy._id,
      customer: policy.holder,
      incidentDate,
      type: details.type,
      description: details.description,
      location: details.location,
      amountClaimed: toDecimal(details.amount),
      currency: 'USD',
      status,
      ...(status === 'submitted' ? {} : { assignee: officer._id }),
      statusHistory: history,
      messages,
      createdAt: filedAt,
      updatedAt: history.at(-1)!.at,
    };
  };

  const jordanAuto = policyRows.find((policy) => policy.number === demoCustomer.policies.auto)!;
  const claimRows: ClaimRow[] = [
    buildClaim(demoCustomer.claim, jordanAuto, 'in_review', {
      type: 'collision',
      description: 'Rear-ended at a red light; rear bumper and tailgate damaged.',
      location: 'Congress Ave & 6th St, Austin, TX',
      amount: 3250,
      daysAgo: 9,
    }),
  ];
  const claimable = policyRows.filter(
    (policy) =>
      policy.meta.spec.claimTypes.length > 0 &&
      policy.status === 'active' &&
      policy.number !== demoCustomer.policies.auto &&
      policy.startDate < addDays(today, -30),
  );
  let claimSeq = 100;
  for (const [index, status] of claimStatusCycle.entries()) {
    const policy = claimable[(index * 5) % claimable.length]!;
    const type = random.pick(policy.meta.spec.claimTypes);
    claimSeq += 1;
    if (claimSeq === 123) claimSeq += 1;
    claimRows.push(
      buildClaim(formatNumber(claimNumbers, claimSeq), policy, status, {
        type,
        description: describeClaim(type),
        location: `${customerRows.find((customer) => customer._id.equals(policy.holder))!.address.city}`,
        amount: random.money(250, type === 'hospital_stay' || type === 'fire' ? 18000 : 6000),
        daysAgo: random.int(10, 25),
      }),
    );
  }

  const benefitRows = benefitRequestsFor(policyRows, today, avery.slackUserId);

  await models.officers.insertMany(officerRows);
  await models.insurers.insertMany(insurerRows);
  await models.policyTypes.insertMany(typeRows);
  await models.customers.insertMany(customerRows);
  await models.consentRecords.insertMany(consentRows);
  await models.policies.insertMany(policyRows.map(({ meta: _meta, ...policy }) => policy));
  // Timestamps are part of the story (filed nine days ago), so mongoose must not overwrite them.
  await models.claims.insertMany(claimRows, { timestamps: false });
  await models.benefitRequests.insertMany(benefitRows, { timestamps: false });
  const numbers = new NumberAllocator(models);
  await numbers.advanceTo(claimNumbers, Math.max(claimSeq, 123));
  await numbers.advanceTo(benefitRequestNumbers, benefitRows.length);
  await models.auditEvents.create({
    actor: { type: 'system', id: 'seed' },
    action: 'demo_data.seed',
    record: { collection: 'database', id: 'demo' },
    at: now,
    channel: 'system',
    details: { customers: customerRows.length, policies: policyRows.length, claims: claimRows.length },
  });

  return {
    seeded: true,
    counts: {
      insurers: insurerRows.length,
      policyTypes: typeRows.length,
      customers: customerRows.length,
      policies: policyRows.length,
      claims: claimRows.length,
      benefitRequests: benefitRows.length,
      officers: officerRows.length,
      consentRecords: consentRows.length,
    },
  };
}

function describeClaim(type: string): string {
  const descriptions: Record<string, string> = {
    collision: 'Another car backed into mine in a parking lot; driver side door dented.',
    theft: 'Bicycle and laptop stolen from the garage overnight.',
    glass: 'A stone cracked the windshield on the highway.',
    weather: 'Hail storm left dents across the roof and hood.',
    water_damage: 'A pipe burst under the kitchen sink and soaked the floor and cabinets.',
    fire: 'A kitchen fire damaged the stove, cabinets and ceiling.',
    storm: 'High winds tore shingles off the roof and broke a window.',
    reimbursement: 'Emergency visit for a sprained ankle with X-rays.',
    hospital_stay: 'Two-night hospital stay for appendicitis surgery.',
    medical_abroad: 'Treated at a clinic abroad for food poisoning.',
    trip_cancellation: 'Trip cancelled because of a family illness; flights and hotel non-refundable.',
    baggage: 'Checked suitcase lost on a connecting flight.',
  };
  return descriptions[type] ?? 'Loss reported by the policyholder.';
}

function benefitRequestsFor(
  policies: {
    _id: Types.ObjectId;
    holder: Types.ObjectId;
    number: string;
    status: PolicyStatus;
    meta: { spec: TypeSpec };
  }[],
  today: Date,
  officerId: string,
) {
  const plans: { line: LineOfBusiness; code: string; status: BenefitRequestStatus; details: string }[] = [
    {
      line: 'auto',
      code: 'ROADSIDE',
      status: 'fulfilled',
      details: 'Flat tyre on I-35, needed a tow to the nearest shop.',
    },
    {
      line: 'home',
      code: 'EMERGENCY_REPAIR',
      status: 'requested',
      details: 'Roof leak over the bedroom after the storm.',
    },
    {
      line: 'health',
      code: 'SPECIALIST_REFERRAL',
      status: 'approved',
      details: 'Referral to a dermatologist outside the network.',
    },
    {
      line: 'renters',
      code: 'ITEM_SCHEDULING',
      status: 'denied',
      details: 'Add an engagement ring appraised at $8,000.',
    },
    {
      line: 'health',
      code: 'GYM_REIMBURSEMENT',
      status: 'requested',
      details: 'Annual membership at the community gym.',
    },
  ];
  const paths: Record<BenefitRequestStatus, BenefitRequestStatus[]> = {
    requested: ['requested'],
    info_requested: ['requested', 'info_requested'],
    approved: ['requested', 'approved'],
    denied: ['requested', 'denied'],
    fulfilled: ['requested', 'approved', 'fulfilled'],
  };
  const active = policies.filter((policy) => policy.status === 'active');
  return plans.flatMap((plan, index) => {
    const candidates = active.filter((policy) => policy.meta.spec.lineOfBusiness === plan.line);
    const policy = candidates[index % Math.max(candidates.length, 1)];
    const benefit = policy?.meta.spec.benefits.find((offer) => offer.code === plan.code);
    if (!policy || !benefit) return [];
    const createdAt = addDays(today, -(3 + index * 4));
    const path = paths[plan.status];
    const decisions = path.map((to, step) => ({
      ...(step > 0 ? { from: path[step - 1] } : {}),
      to,
      actor:
        step === 0
          ? { type: 'customer', id: policy.holder.toString() }
          : benefit.requiresApproval || to === 'fulfilled'
            ? { type: 'officer', id: officerId }
            : { type: 'system', id: 'benefits' },
      ...(to === 'denied' ? { reason: 'items over $5,000 need an appraisal on file first' } : {}),
      at: addDays(createdAt, step),
    }));
    return [
      {
        kind: 'benefit' as const,
        number: formatNumber(benefitRequestNumbers, index + 1),
        policy: policy._id,
        customer: policy.holder,
        benefitCode: benefit.code,
        details: plan.details,
        status: plan.status,
        requiresApproval: benefit.requiresApproval,
        decisions,
        createdAt,
        updatedAt: decisions.at(-1)!.at,
      },
    ];
  });
}

/** A one-page declarations document, so the bot has a real PDF to link to. */
async function declarationsPdf(
  number: string,
  insurer: string,
  policy: {
    startDate: Date;
    endDate: Date;
    coverages: { name: string; limit: Types.Decimal128; deductible: Types.Decimal128 }[];
    premium: { amount: Types.Decimal128; currency: string; frequency: string };
    meta: { spec: TypeSpec; holderName: string };
  },
): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`${number} declarations`);
  pdf.setCreationDate(policy.startDate);
  pdf.setModificationDate(policy.startDate);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const page = pdf.addPage([612, 792]);
  let y = 740;
  const line = (text: string, size = 11, useBold = false) => {
    page.drawText(text, { x: 56, y, size, font: useBold ? bold : font });
    y -= size + 8;
  };
  line(insurer, 18, true);
  line(`${policy.meta.spec.name} - declarations page`, 14, true);
  y -= 6;
  line(`Policy number: ${number}`);
  line(`Named insured: ${policy.meta.holderName}`);
  line(`Policy period: ${toIsoDate(policy.startDate)} to ${toIsoDate(policy.endDate)}`);
  line(
    `Premium: ${policy.premium.amount.toString()} ${policy.premium.currency} (${policy.premium.frequency})`,
  );
  y -= 6;
  line('Coverages', 12, true);
  for (const coverage of policy.coverages) {
    line(
      `${coverage.name}: limit ${coverage.limit.toString()}, deductible ${coverage.deductible.toString()}`,
    );
  }
  return Buffer.from(await pdf.save());
}
