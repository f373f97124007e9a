#!/usr/bin/env sh
# Prints a filled deploy/.env: every secret ConsentGate servers must share. Run once, keep the
# output in your secret store, and back up the master, pseudonym, receipt and ledger keys: losing
# the master key makes the vault unreadable, losing the ledger key forks the log's identity.
#   sh deploy/gen-secrets.sh privacy.example.com > deploy/.env && chmod 600 deploy/.env
set -eu
cd "$(dirname "$0")/.."
DOMAIN="${1:-localhost}"
rand() { node -e "process.stdout.write(require('crypto').randomBytes($1).toString('$2'))"; }
echo "CONSENTGATE_DOMAIN=$DOMAIN"
echo "CONSENTGATE_LEDGER_ORIGIN=$DOMAIN/ledger"
echo "POSTGRES_PASSWORD=$(rand 24 hex)"
echo "REDIS_PASSWORD=$(rand 24 hex)"
echo "CONSENTGATE_ADMIN_KEY=cg_admin_$(rand 8 hex)_$(rand 32 base64url)"
echo "CONSENTGATE_MASTER_KEY=$(rand 32 base64)"
echo "CONSENTGATE_PSEUDONYM_KEY=$(rand 32 base64url)"
echo "CONSENTGATE_RECEIPT_KEYS={\"keys\":[{\"seed\":\"$(rand 32 base64url)\",\"status\":\"active\"}]}"
echo "CONSENTGATE_LEDGER_KEY=$(node bin/consentgate.mjs ledger keygen --name "$DOMAIN/ledger" 2>/dev/null | grep '^PRIVATE+KEY+' | head -1)"
