/**
 * The Cedar schema operator policies are validated against (strict mode) when loaded, so a typo
 * such as `context.hours` fails at startup instead of silently never matching.
 *
 *  principal  Recipient::"<caller id>"  in RecipientClass::"<class>" for class members
 *  action     Action::"release"
 *  resource   Subject::"<pseudonym>"
 *  context    what the statutory decision would release
 */
export const OPERATOR_SCHEMA = `
entity RecipientClass;
entity Recipient in [RecipientClass] {
  role: String,
  country: String,
  kind: String,
  class?: String,
};
entity Subject {
  jurisdiction: String,
};
action release appliesTo {
  principal: [Recipient],
  resource: [Subject],
  context: {
    purpose: String,
    declaration: String,
    basis: String,
    items: Set<String>,
    plain_items: Set<String>,
    overseas: Bool,
    hour_utc: Long,
    hour_kst: Long,
    weekday_utc: Long,
  },
};
`;
