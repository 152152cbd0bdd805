import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { sealedValuePattern } from '../encryption.js';
import { e164Pattern, emailPattern, isTimeZone } from './common.js';

export const smsConsentStates = ['unknown', 'opted_in', 'opted_out'] as const;
export type SmsConsentState = (typeof smsConsentStates)[number];

const addressSchema = new Schema(
  {
    line1: { type: String, required: true, trim: true },
    line2: { type: String, trim: true },
    city: { type: String, required: true, trim: true },
    region: { type: String, trim: true },
    postalCode: { type: String, required: true, trim: true },
    /** ISO 3166-1 alpha-2. */
    country: { type: String, required: true, trim: true, uppercase: true, match: /^[A-Z]{2}$/ },
  },
  { _id: false },
);

const channelIdentitySchema = new Schema(
  {
    /** Bot Framework channel id (`directline`, `sms`, `msteams`, ...). */
    channel: { type: String, required: true, trim: true, lowercase: true, minlength: 1 },
    /** The user's id on that channel. */
    id: { type: String, required: true, trim: true, minlength: 1 },
  },
  { _id: false },
);

/**
 * A customer. Date of birth and government id are stored only sealed (`FieldCipher.encrypt`) with a
 * blind index beside them for matching; the services encrypt and decrypt explicitly, so lean reads never
 * decrypt by accident.
 */
export const customerSchema = new Schema(
  {
    firstName: { type: String, required: true, trim: true, minlength: 1, maxlength: 80 },
    lastName: { type: String, required: true, trim: true, minlength: 1, maxlength: 80 },
    dateOfBirthEncrypted: { type: String, required: true, match: sealedValuePattern },
    /** Blind index of the ISO date of birth (`YYYY-MM-DD`). */
    dobHash: { type: String, required: true },
    governmentIdEncrypted: { type: String, match: sealedValuePattern },
    governmentIdHash: { type: String },
    phone: {
      type: String,
      required: true,
      trim: true,
      match: [e164Pattern, 'phone must be in E.164 format'],
    },
    email: { type: String, trim: true, lowercase: true, match: [emailPattern, 'email is not valid'] },
    address: { type: addressSchema },
    timezone: {
      type: String,
      required: true,
      default: 'America/New_York',
      validate: { validator: isTimeZone, message: 'timezone must be an IANA time zone' },
    },
    /** BCP 47 language tag. */
    preferredLanguage: {
      type: String,
      required: true,
      default: 'en',
      match: /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/,
    },
    channelIdentities: { type: [channelIdentitySchema], default: [] },
    smsConsent: {
      status: { type: String, enum: smsConsentStates, required: true, default: 'unknown' },
      updatedAt: { type: Date },
    },
  },
  { timestamps: true, collection: 'customers' },
);
customerSchema.index({ phone: 1 }, { unique: true });
customerSchema.index({ email: 1 });
customerSchema.index({ dobHash: 1 });
customerSchema.index({ governmentIdHash: 1 }, { sparse: true });
customerSchema.index({ 'channelIdentities.channel': 1, 'channelIdentities.id': 1 });
customerSchema.index({ lastName: 1, firstName: 1 });

export type Customer = InferSchemaType<typeof customerSchema>;

export function customerModel(connection: Connection) {
  return connection.model('Customer', customerSchema);
}
export type CustomerModel = ReturnType<typeof customerModel>;
