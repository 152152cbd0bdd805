/**
 * Insurance vocabulary customers use interchangeably, one group per line, entries separated by commas.
 * The first entry is the canonical form; every other entry is rewritten to it before indexing and
 * searching, on both the articles and the questions, so a match does not depend on which word either
 * side chose. Entries are analysed like any text (lowercased, stemmed), so one form of a word covers its
 * inflections ("flood" also covers "flooded"); entries of several words are phrases and match only as a
 * sequence (small words such as "my" or "a" in the question may sit between their words). Lines starting
 * with # are comments.
 *
 * Keep groups to real equivalences: a loose group makes unrelated questions look alike.
 */
const groups = `
# Lines of insurance and what they insure.
car, auto, automobile, vehicle, motor vehicle, suv, pickup
home, house, homeowner, homeowners, dwelling, residence
renter, tenant, apartment insurance, renting an apartment
health, medical, health plan, health cover
life insurance, life cover, life policy, life assurance
disability, disabled, unable to work, cannot work, can not work, income protection
# Multi-word product names become single tokens so their common words ("term", "long") do not pull in
# unrelated products.
longtermcare, long term care, ltc, nursing home, assisted living, home care, custodial care
longterm disability, long term disability, ltd
shortterm disability, short term disability
termlife life, term life, term insurance, term policy, term plan, renewable term, convertible term, level term
# The letter of a Medicare part is a stop word on its own, so each part becomes one token.
parta, part a
partb, part b
medicare advantage, part c, partc
partd, part d
medigap, medicare supplement, supplement plan
preexisting, pre existing, existing condition, prior condition, condition i already have
copay, co pay, copayment, co payment
coinsurance, co insurance
out of pocket maximum, out of pocket max, out of pocket limit, oop max, maximum out of pocket
deductible, excess

# What a policy protects and against what.
# "Will my insurance pay for X" asks what it covers, not how to pay it.
insurance cover, insurance pay for, insurance pays for, insurer pay for, policy pay for, plan pay for
# Things people own are all "belongings" to a policy.
belongings, possessions, personal property, stuff, contents, personal items, tv, television, laptop, computer, electronics, jewelry, jewellery, furniture, clothes, clothing, bike, bicycle, cell phone, cellphone, smartphone, iphone, camera, tablet
liability, personal liability, dog bite, dog bit, slip and fall, slipped and fell, got hurt, injured on my property, injured guest
flood, inundation, water came in, rising water, storm surge
earthquake, quake, tremor, seismic
accident, crash, fender bender, wreck, hit by, rear ended, rearended, sideswiped, side swiped, t boned, collided
steal, stole, stolen, theft, burglary, robbery, break in, broke in, broken into, broke into
fire, blaze, burned, burnt, smoke damage
storm, windstorm, wind storm, hurricane, tornado, high winds, gale
collision, backed into, hit a pole, hit a tree, hit a wall, hit a fence, ran into a, single car accident
tow, towing, towed, roadside assistance, breakdown cover
personal injury protection, pip, no fault, nofault
uninsured, underinsured, uim, um coverage
other driver, someone else, another driver, another person, friend driving, borrow my car, borrowed car, lend my car, lent my car, driving my car, drive my car

# Life events and situations.
pay, payment, payments, paid, paying
cancel, quit, terminate, termination, cancellation, discontinue, get out of, end my policy
job loss, lose job, lost job, losing job, left job, leave job, leaving job, quit job, laid off, let go, got fired, redundant, between jobs
death, die, dead, deceased, passed away, pass away
payout, pay out, proceeds, death benefit, death claim
sick, ill, illness, sickness, unwell
spouse, wife, husband, partner, fiance, fiancee
child, children, kid, son, daughter, stepchild
newborn, baby, infant, new born, birth, gave birth, had a baby
move, relocate, relocation, moving house
deny, denial, reject, rejection, refuse, refused, turn down, turned down, decline
appeal, dispute, challenge a decision, reconsideration, contest a decision
reinstate, reinstatement, restore, reactivate, revive
lapse, lapsed, lapsing, coverage gap, gap in coverage, stopped paying
late, overdue, past due, behind on payments, missed payment, miss a payment, forgot to pay
renew, renewal
upgrade, increase coverage, more coverage, raise limit, higher limit, add coverage
rider, endorsement, add on, addon
borrow, loan, lend
surrender, cash in, cash out

# Time.
deadline, time limit, how long do i have, how long have to, how long can wait, how long wait, too late to, how soon must, how many days do i have, how many days have to
timeline, time frame, timeframe, how long take, how long until, turnaround, processing time
waiting period, elimination period, waiting time, qualifying period, probationary period
enrollment period, enrollment window, sign up period, when can i enroll, when can i sign up, when can i join

# Claims and documents.
document, paperwork, papers, docs, forms
photo, picture, pic, photograph, image, snapshot
receipt, invoice, proof of purchase
status, progress
preauthorization, pre authorization, prior authorization, prior auth, pre approval, preapproval, prior approval, approval before, approved before, approve first, precertification, pre certification
doctor, physician, specialist, clinic
proof of insurance, insurance card, id card, insurance id, proof of coverage, certificate of insurance
declarations page, dec page, declaration page, declarations, declaration
copy, duplicate, replacement copy
policy wording, policy booklet, policy document, contract wording, fine print, terms and conditions

# Portal services.
person, human, agent, representative, rep, operator, customer service, customer support, real person, live agent, support agent, claims officer, talk to, speak to, speak with, talk with, someone i can call, who can i call, call someone, call me back, not a bot
ticket, support ticket, case number, support request
link, combine, consolidate, merge, bring together, in one place
text, sms, text message, texts, txt
reminder, alert, notification, notify, nudge
email, e mail
phone, telephone, mobile number, cell number, phone number
autopay, auto pay, automatic payment, direct debit, recurring payment
automatic renewal, auto renew, renew automatically, automatically renew
data, personal information, personal data, my information, info
delete, erase, remove my data, forget me
benefit, perk, allowance
insurer, insurance company, carrier, underwriter
premium, rate, insurance bill
`;

/** The groups above, each as its list of entries, canonical first. */
export const synonymGroups: readonly (readonly string[])[] = groups
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => line.split(',').map((entry) => entry.trim()));
