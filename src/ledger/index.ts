/**
 * `consentgate/ledger`: everything an independent verifier needs to check ConsentGate's
 * transparency log offline — RFC 9162 Merkle hashing and proofs, and C2SP signed-note
 * checkpoints — with no server, database or ConsentGate configuration involved.
 */
export { HASH_SIZE, EMPTY_ROOT, leafHash, nodeHash, bytesEqual } from './hash.ts';
export { splitPoint, rangeNodes, inclusionRanges, consistencyRanges, nodesForRanges, type NodeKey, type Range } from './tree-math.ts';
export {
  inclusionProof,
  consistencyProof,
  inclusionPlan,
  consistencyPlan,
  assemble,
  hashRange,
  type NodeSource,
  type ProofPlan,
} from './proofs.ts';
export {
  verifyInclusion,
  verifyConsistency,
  checkInclusion,
  checkConsistency,
  rootFromInclusionProof,
  type Verdict,
} from './verify.ts';
export { MerkleTree, rootHash } from './memory-tree.ts';
export { extendFrontier, extendEncodedFrontier, frontierRoot, encodeFrontier, decodeFrontier, EMPTY_FRONTIER, type Frontier, type StoredNode } from './frontier.ts';
export {
  ALG_ED25519,
  keyHash,
  generateSigner,
  signerFromSeed,
  parseVerifierKey,
  parseSignerKey,
  signNote,
  parseNote,
  openNote,
  formatNote,
  signatureValid,
  type VerifierKey,
  type SignerKey,
  type Note,
  type NoteSignature,
  type OpenedNote,
} from './note.ts';
export {
  checkpointBody,
  parseCheckpointBody,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
  cosignCheckpoint,
  type Checkpoint,
  type VerifiedCheckpoint,
  type VerifyCheckpointOptions,
} from './checkpoint.ts';
export { encodeProof, decodeProof } from './proof-codec.ts';
