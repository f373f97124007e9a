import { contentHash } from '../canonical.ts';
import { CgError } from '../errors.ts';
import type { RegistryModel } from '../registry/model.ts';
import type { Agreement, Declaration, Purpose, Safeguards } from '../registry/schema.ts';
import {
  PURPOSE_RETENTION,
  RIGHTS,
  WITHDRAWAL,
  childrenText,
  refusalText,
  retentionText,
} from './text.ts';
import { transferChoiceId } from '../consent/choice.ts';
import { noticeText, type LocalText } from '../registry/local-text.ts';
import type { Notice, NoticeChoice, NoticeContact, NoticeDeclaration, NoticeItem, NoticeMember, NoticePurpose, NoticeSection, NoticeTransfer, NoticeVersion, Text } from './types.ts';

/**
 * Builds the notice of one collection point from the active registry: every purpose and
 * declaration the registry shows there, with each statutory item, required and optional apart.
 * Pure and deterministic — the same registry content always yields the same notice hash.
 */
export function buildNotice(model: RegistryModel, collectionPointId: string): Notice {
  const cp = model.doc.collection_points.find((c) => c.id === collectionPointId);
  if (!cp) {
    throw new CgError('UNKNOWN_COLLECTION_POINT', `no collection point "${collectionPointId}" in the registry`, 404, [
      { code: 'UNKNOWN_COLLECTION_POINT', message: 'not a collection point of the active registry', path: 'collectionPoint' },
    ]);
  }
  const op = model.operator;
  const cpLabel: Text = { ko: cp.labels.ko, en: cp.labels.en };

  const purposes = model.doc.purposes.filter((p) => p.collection_points.includes(cp.id)).map((p) => purposeEntry(model, p, cpLabel));
  const declarations = model.doc.declarations
    .filter((d) => model.collectionPointsOf(d).includes(cp.id))
    .map((d) => declarationEntry(model, d, cpLabel));

  const section = (required: boolean): NoticeSection => ({
    purposes: purposes.filter((p) => p.required === required),
    declarations: declarations.filter((d) => d.required === required),
  });

  return {
    schema: 'consentgate.notice/1',
    collectionPoint: { id: cp.id, label: cpLabel },
    controller: {
      name: noticeText(op.legal_name),
      country: op.country,
      ...(op.address ? { address: noticeText(op.address) } : {}),
      ...(op.privacy_policy_url ? { privacyPolicyUrl: op.privacy_policy_url } : {}),
      privacyOfficer: { ...op.privacy_officer, name: noticeText(op.privacy_officer.name) },
      representatives: op.domestic_agents.map((a) => ({ ...a, name: noticeText(a.name), address: noticeText(a.address) })),
    },
    required: section(true),
    optional: section(false),
    rights: RIGHTS,
    withdrawal: WITHDRAWAL,
    ...(op.children.serves_children
      ? { children: childrenText(op.children.kr_age, op.children.gdpr_age, op.children.guardian_consent_method) }
      : {}),
  };
}

/** Every collection point's notice for a registry, with its identity. */
export function buildNotices(model: RegistryModel): NoticeVersion[] {
  return model.doc.collection_points.map((cp) => {
    const notice = buildNotice(model, cp.id);
    return { hash: contentHash(notice), collectionPoint: cp.id, notice };
  });
}

export function noticeVersion(notice: Notice): NoticeVersion {
  return { hash: contentHash(notice), collectionPoint: notice.collectionPoint.id, notice };
}

/**
 * The notice as rendered for one member of a recipient class (`GET /v1/notices/:cp?recipient=`):
 * the class's declarations name that member — legal name, country, contact (PIPA 17(2)1) — and
 * the hash of this version is what a consent scoped to the member cites.
 */
export function nameMember(notice: Notice, classId: string, member: NoticeMember): Notice {
  const named = (ds: readonly NoticeDeclaration[]) =>
    ds.map((d) => (d.recipient.kind === 'class' && d.recipient.id === classId ? { ...d, recipient: { ...d.recipient, member: { ...member, contact: { ...member.contact } } } } : d));
  return {
    ...notice,
    required: { ...notice.required, declarations: named(notice.required.declarations) },
    optional: { ...notice.optional, declarations: named(notice.optional.declarations) },
  };
}

/** A declaration as a notice shows it, outside any collection point (for its terms fingerprint). */
export function noticeDeclarationOf(model: RegistryModel, d: Declaration): NoticeDeclaration {
  return declarationEntry(model, d, { ko: '', en: '' });
}

/** A notice declaration's choice by id (`<id>` or `<id>:transfer`), if the notice offers it. */
export function choiceOf(d: NoticeDeclaration, choiceId: string): NoticeChoice | undefined {
  return d.choices.find((c) => c.id === choiceId);
}

/** Every declaration a notice shows, required and optional. */
export function noticeDeclarations(n: Notice): readonly NoticeDeclaration[] {
  return [...n.required.declarations, ...n.optional.declarations];
}

function items(model: RegistryModel, ids: readonly string[]): NoticeItem[] {
  return ids.map((id) => {
    const c = model.categories.get(id);
    return { category: id, label: c ? { ko: c.labels.ko, en: c.labels.en } : { ko: id, en: id }, sensitivity: c?.sensitivity ?? 'normal' };
  });
}

function purposeEntry(model: RegistryModel, p: Purpose, cp: Text): NoticePurpose {
  return {
    id: p.id,
    label: { ko: p.labels.ko, en: p.labels.en },
    required: p.required,
    adTargeting: p.ad_targeting,
    items: items(model, p.items),
    legalBasis: p.required ? 'contract_necessity' : 'consent',
    retention: PURPOSE_RETENTION,
    refusal: refusalText(p.required, cp, p.refusal_consequence),
    articles: p.required ? ['PIPA 15(1)4', 'PIPA 15(2)', 'GDPR 6(1)(b)', 'GDPR 13'] : ['PIPA 15(1)1', 'PIPA 15(2)', 'PIPA 22', 'GDPR 6(1)(a)', 'GDPR 7', 'GDPR 13'],
  };
}

function declarationEntry(model: RegistryModel, d: Declaration, cp: Text): NoticeDeclaration {
  const purpose = model.purposes.get(d.purpose);
  const party = model.parties.get(d.recipient);
  const required = purpose?.required ?? false;
  const countries = [...model.destinationCountries(d)];
  const overseasFor = model.operator.jurisdictions.filter((j) => countries.some((c) => model.isOverseas(c, j)));
  const transfer: NoticeTransfer | undefined =
    overseasFor.length > 0
      ? {
          overseasFor,
          countries,
          ground: d.transfer?.ground ?? 'consent',
          timing: d.transfer?.timing ? noticeText(d.transfer.timing) : NOT_STATED,
          method: d.transfer?.method ? noticeText(d.transfer.method) : NOT_STATED,
          safeguards: safeguardList(party?.safeguards ?? {}, party?.agreement),
          ...(d.transfer?.disclosed_in ? { disclosedIn: d.transfer.disclosed_in } : {}),
        }
      : undefined;
  const label: Text = purpose ? { ko: purpose.labels.ko, en: purpose.labels.en } : { ko: d.purpose, en: d.purpose };
  const articles = ['PIPA 17(2)', 'GDPR 13(1)(e)'];
  if (transfer) articles.push('PIPA 28-8(2)', 'GDPR 13(1)(f)');
  if (!required) articles.push('PIPA 22');
  const choices: NoticeChoice[] = [];
  if (d.legal_basis === 'consent') choices.push({ id: d.id, kind: 'provision', label: PROVISION_CHOICE, articles: ['PIPA 17(1)1', 'PIPA 22(1)', 'GDPR 6(1)(a)'] });
  // The transfer abroad is its own choice, decided apart from the provision (PIPA 28-8(1)1, 22(1)).
  // Only a *declared* consent ground (as the gate reads it): the notice's default label is not one.
  if (transfer && d.transfer?.ground === 'consent') {
    choices.push({ id: transferChoiceId(d.id), kind: 'transfer', label: TRANSFER_CHOICE, articles: ['PIPA 28-8(1)1', 'PIPA 22(1)', 'GDPR 49(1)(a)'] });
  }
  return {
    id: d.id,
    purposeId: d.purpose,
    purpose: label,
    required,
    consentable: choices.length > 0,
    choices,
    legalBasis: d.legal_basis,
    recipient: {
      id: d.recipient,
      kind: party?.kind ?? 'recipient',
      name: party ? noticeText(party.name) : d.recipient,
      role: party?.role ?? 'third_party',
      countries,
      contact: contactOf(party?.contact),
    },
    recipientPurpose: d.recipient_purpose ? { ko: d.recipient_purpose.ko, en: d.recipient_purpose.en } : label,
    items: d.items.map((it) => ({ ...items(model, [it.category])[0]!, form: it.form })),
    retention:
      d.retention === 'indefinite'
        ? { duration: 'indefinite', text: retentionText('indefinite') }
        : { duration: d.retention.duration, from: d.retention.from, text: retentionText(d.retention) },
    ...(transfer ? { transfer } : {}),
    refusal: refusalText(required, cp, purpose?.refusal_consequence),
    articles,
  };
}

/** A transfer item the registry leaves out (the lint refuses it: OVERSEAS_NOTICE_INCOMPLETE). */
const NOT_STATED: Text = { ko: '기재되지 않음', en: 'not stated' };

function contactOf(c: { name?: LocalText; address?: LocalText; email?: string; phone?: string; url?: string } | undefined): NoticeContact {
  if (!c) return {};
  const { name, address, ...rest } = c;
  return { ...(name !== undefined ? { name: noticeText(name) } : {}), ...rest, ...(address !== undefined ? { address: noticeText(address) } : {}) };
}

const PROVISION_CHOICE: Text = { ko: '개인정보 제3자 제공 동의', en: 'Consent to the provision of your data to this recipient' };
const TRANSFER_CHOICE: Text = { ko: '개인정보 국외 이전 동의', en: 'Consent to the transfer of your data abroad' };

/**
 * The safeguards a recipient holds, as the notice names them (GDPR 13(1)(f)). Operator flags
 * (`adequacy`, free-text `certification` or `scc`) are not safeguards and are not shown as such.
 */
function safeguardList(s: Safeguards, agreement: Agreement | undefined): string[] {
  const out: string[] = [];
  if (agreement?.scc) out.push(`standard contractual clauses: (EU) ${agreement.scc.version} module ${agreement.scc.module}`);
  if (s.bcr) out.push(`binding corporate rules: ${s.bcr.reference} (approved by ${s.bcr.approved_by})`);
  if (s.pipc_certification) out.push(`certification: ${s.pipc_certification.scheme} ${s.pipc_certification.certificate}`);
  if (s.dpf) out.push('EU-US Data Privacy Framework');
  if (agreement) out.push(`agreement: ${agreement.id} v${agreement.version}`);
  return out;
}
